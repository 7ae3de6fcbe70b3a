// memreg/stream.hpp — regions as Boost.Iostreams streams.
//
//   memreg::istream in(const_region);   // reads the region, EOF at its end
//   memreg::ostream out(region);        // writes it; past the end sets badbit
//   memreg::iostream io(region);        // both, one position
//   memreg::growing_device<A> dev(a);   // writes grow an owned_region
//
// The devices are direct (no copy into a stream buffer), so any Boost filter chain
// can sit on top: filtering_ostream with gzip_compressor writing into a region.
// Header-only: gzip and the other compressors live in Boost.Iostreams' compiled
// library, which only the program that uses them links.
#pragma once

#include <ios>
#include <istream>
#include <ostream>
#include <string>

#include <boost/iostreams/stream.hpp>

#include "error.hpp"
#include "region.hpp"
#include "stream/growing_device.hpp"
#include "stream/region_device.hpp"

namespace memreg {

using istream = boost::iostreams::stream<region_source>;
using ostream = boost::iostreams::stream<region_sink>;
using iostream = boost::iostreams::stream<region_device>;
template <allocator A = malloc_allocator>
using growing_stream = boost::iostreams::stream<growing_device<A>>;

namespace detail {
template <class Device>
[[nodiscard]] std::size_t stream_size(boost::iostreams::stream<Device>& s) {
    return s->region().size();
}
}  // namespace detail

/// Seeks a region stream after checking the target lies in [0, size]: throws
/// out_of_range naming the offset, the direction and the size instead of leaving
/// only the stream's failbit, as the stream's own seekg/seekp do. `which` is the
/// position to move (in, out, or both for an iostream).
template <class Device>
    requires(std::same_as<Device, region_source> || std::same_as<Device, region_sink> ||
             std::same_as<Device, region_device>)
void seek(boost::iostreams::stream<Device>& s, std::streamoff offset, std::ios_base::seekdir way,
          std::ios_base::openmode which = std::ios_base::in | std::ios_base::out) {
    const auto size = static_cast<std::streamoff>(detail::stream_size(s));
    std::streamoff base = 0;
    const char* from = "beg";
    if (way == std::ios_base::cur) {
        std::streampos now;
        if constexpr (std::same_as<Device, region_source>) now = s.tellg();
        else if constexpr (std::same_as<Device, region_sink>) now = s.tellp();
        else now = (which & std::ios_base::in) ? s.tellg() : s.tellp();
        base = static_cast<std::streamoff>(now);
        from = "cur";
    } else if (way == std::ios_base::end) {
        base = size;
        from = "end";
    }
    std::streamoff target = 0;
    if (base < 0 || __builtin_add_overflow(base, offset, &target) || target < 0 || target > size)
        MEMREG_THROW(out_of_range(detail::message("seek")
                                      .arg("offset", std::to_string(offset))
                                      .arg("way", from)
                                      .because("outside region of size " + std::to_string(size))));
    if constexpr (std::same_as<Device, region_source>) s.seekg(target);
    else if constexpr (std::same_as<Device, region_sink>) s.seekp(target);
    else {
        if (which & std::ios_base::in) s.seekg(target);
        if (which & std::ios_base::out) s.seekp(target);
    }
}

}  // namespace memreg
