// memreg/stream/region_device.hpp — Boost.Iostreams *direct* devices over a region:
// the stream buffer is the region itself, so reads and writes are one memcpy with
// no bounce buffer, and filters (gzip, bzip2, ...) chain onto them.
//
//   region_source  read-only, over a const_region, any size
//   region_sink    write-only, seekable
//   region_device  read and write, one position (like std::stringstream's)
//
// Writing past the end of a region never writes out of bounds: Boost's direct
// stream buffer refuses ("write area exhausted") and the stream sets badbit.
//
// Size limit (boostorg/iostreams#164): Boost's direct_streambuf moves its write
// position with pbump(int) when seeking or switching between reading and writing,
// so a writable stream over more than INT_MAX bytes reports wrong positions. The
// writable devices therefore refuse regions larger than max_writable_size with
// out_of_range; region_source only moves the read position with setg() and
// takes regions of any size.
#pragma once

#include <climits>
#include <cstddef>
#include <string>
#include <utility>

#include <boost/iostreams/categories.hpp>

#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

/// The largest region region_sink and region_device take (boostorg/iostreams#164).
inline constexpr std::size_t max_writable_stream_size = INT_MAX;

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_stream_too_large(const char* operation,
                                                                          std::size_t size) {
    MEMREG_THROW(out_of_range(
        message(operation)
            .arg("size", size)
            .because("a writable Boost.Iostreams stream over more than " +
                     std::to_string(max_writable_stream_size) +
                     " bytes reports wrong positions (boostorg/iostreams#164); write through "
                     "subregions or read with region_source")));
}

inline char* chars(std::byte* p) noexcept { return reinterpret_cast<char*>(p); }

}  // namespace detail

/// Reads a const_region: a direct, seekable Boost.Iostreams source.
class region_source {
public:
    using char_type = char;
    struct category : boost::iostreams::input_seekable,
                      boost::iostreams::device_tag,
                      boost::iostreams::direct_tag {};

    explicit region_source(const_region r) noexcept : region_(r) {}

    /// Boost reads straight from here; it never writes through this pointer.
    [[nodiscard]] std::pair<char*, char*> input_sequence() const noexcept {
        char* first = detail::chars(const_cast<std::byte*>(region_.data()));
        return {first, first + region_.size()};
    }
    [[nodiscard]] const_region region() const noexcept { return region_; }

private:
    const_region region_;
};

/// Writes a region: a direct, seekable Boost.Iostreams sink.
class region_sink {
public:
    using char_type = char;
    struct category : boost::iostreams::output_seekable,
                      boost::iostreams::device_tag,
                      boost::iostreams::direct_tag {};

    explicit region_sink(memreg::region r) : region_(r) {
        if (r.size() > max_writable_stream_size) detail::throw_stream_too_large("region_sink", r.size());
    }
    [[nodiscard]] std::pair<char*, char*> output_sequence() const noexcept {
        return {detail::chars(region_.data()), detail::chars(region_.data()) + region_.size()};
    }
    [[nodiscard]] memreg::region region() const noexcept { return region_; }

private:
    memreg::region region_;
};

/// Reads and writes a region through one position: a direct, seekable device.
class region_device {
public:
    using char_type = char;
    struct category : boost::iostreams::seekable_device_tag, boost::iostreams::direct_tag {};

    explicit region_device(memreg::region r) : region_(r) {
        if (r.size() > max_writable_stream_size) detail::throw_stream_too_large("region_device", r.size());
    }
    [[nodiscard]] std::pair<char*, char*> input_sequence() const noexcept { return sequence(); }
    [[nodiscard]] std::pair<char*, char*> output_sequence() const noexcept { return sequence(); }
    [[nodiscard]] memreg::region region() const noexcept { return region_; }

private:
    [[nodiscard]] std::pair<char*, char*> sequence() const noexcept {
        return {detail::chars(region_.data()), detail::chars(region_.data()) + region_.size()};
    }
    memreg::region region_;
};

}  // namespace memreg
