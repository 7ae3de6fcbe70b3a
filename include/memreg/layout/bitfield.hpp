// memreg/layout/bitfield.hpp — checked reads and writes of one bit-field: `width`
// bits starting `bit_offset` bits into the storage unit at a byte offset of a region,
// bits numbered as the machine's C compiler numbers them (native_bitfields in
// builder.hpp): on a little-endian machine from the least significant bit of the
// unit's first byte up, the value's least significant bit first; on a big-endian one
// (s390x) from the most significant bit of the first byte down, the value's most
// significant bit first. What layout::find or resolve(path, op, true)
// returns for a bit-field member (offset, bit_offset, bit_width) is what these take.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "../error.hpp"
#include "../region.hpp"
#include "scalar.hpp"
#include "builder.hpp"
#include "type.hpp"

namespace memreg {

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_bitfield(const char* operation,
                                                                  std::size_t offset,
                                                                  std::size_t bit_offset,
                                                                  std::size_t width,
                                                                  const std::string& reason) {
    MEMREG_THROW(out_of_range(message(operation)
                                  .arg("offset", offset)
                                  .arg("bit_offset", bit_offset)
                                  .arg("width", width)
                                  .because(reason)));
}

inline void check_bitfield(const char* operation, std::size_t size, std::size_t offset,
                           std::size_t bit_offset, std::size_t width, scalar_kind k) {
    if (width == 0 || width > 64 || !is_integer_kind(k) || k == scalar_kind::pointer)
        if (k != scalar_kind::boolean || width != 1)
            MEMREG_THROW(bad_argument(message(operation)
                                          .arg("kind", scalar_name(k))
                                          .arg("width", width)
                                          .because("not a bit-field of an integer or bool type")));
    const std::size_t bytes = (bit_offset + width + 7) / 8;
    if (bit_offset > 1024 || offset > size || bytes > size - offset)
        throw_bitfield(operation, offset, bit_offset, width,
                       "outside region of size " + std::to_string(size));
}

inline bool is_signed_kind(scalar_kind k) noexcept {
    return k == scalar_kind::int8 || k == scalar_kind::int16 || k == scalar_kind::int32 ||
           k == scalar_kind::int64 || (k == scalar_kind::character && static_cast<char>(-1) < 0);
}

inline std::uint64_t fetch_bits(const std::byte* p, std::size_t bit_offset,
                                std::size_t width) noexcept {
    if constexpr (!native_bitfields.lsb_first) {
        std::uint64_t v = 0;
        for (std::size_t got = 0, pos = bit_offset; got < width;) {
            const unsigned b = static_cast<unsigned>(pos % 8);  // from the byte's top
            const std::size_t take = std::min<std::size_t>(8 - b, width - got);
            const unsigned byte = std::to_integer<unsigned>(p[pos / 8]);
            const unsigned bits = (byte >> (8 - b - take)) & ((1u << take) - 1u);
            v = (v << take) | bits;
            got += take;
            pos += take;
        }
        return v;
    }
    std::uint64_t v = 0;
    std::size_t got = 0, pos = bit_offset;
    while (got < width) {
        const unsigned b = static_cast<unsigned>(pos % 8);
        const std::size_t take = std::min<std::size_t>(8 - b, width - got);
        const unsigned byte = std::to_integer<unsigned>(p[pos / 8]);
        v |= static_cast<std::uint64_t>((byte >> b) & ((1u << take) - 1u)) << got;
        got += take;
        pos += take;
    }
    return v;
}

inline void store_bits(std::byte* p, std::size_t bit_offset, std::size_t width,
                       std::uint64_t v) noexcept {
    if constexpr (!native_bitfields.lsb_first) {
        for (std::size_t put = 0, pos = bit_offset; put < width;) {
            const unsigned b = static_cast<unsigned>(pos % 8);  // from the byte's top
            const std::size_t take = std::min<std::size_t>(8 - b, width - put);
            const unsigned shift = 8 - b - static_cast<unsigned>(take);
            const unsigned mask = ((1u << take) - 1u) << shift;
            const unsigned bits = static_cast<unsigned>((v >> (width - put - take)) << shift) & mask;
            const unsigned old = std::to_integer<unsigned>(p[pos / 8]);
            p[pos / 8] = static_cast<std::byte>((old & ~mask) | bits);
            put += take;
            pos += take;
        }
        return;
    }
    std::size_t put = 0, pos = bit_offset;
    while (put < width) {
        const unsigned b = static_cast<unsigned>(pos % 8);
        const std::size_t take = std::min<std::size_t>(8 - b, width - put);
        const unsigned mask = ((1u << take) - 1u) << b;
        const unsigned bits = static_cast<unsigned>((v >> put) << b) & mask;
        const unsigned old = std::to_integer<unsigned>(p[pos / 8]);
        p[pos / 8] = static_cast<std::byte>((old & ~mask) | bits);
        put += take;
        pos += take;
    }
}

}  // namespace detail

/// The value of the bit-field of kind k (sign-extended for a signed kind, a bool for
/// bool). Throws out_of_range if its bytes are not all inside r.
[[nodiscard]] inline scalar_value read_bitfield(const_region r, std::size_t offset,
                                                std::size_t bit_offset, std::size_t width,
                                                scalar_kind k) {
    detail::check_bitfield("read_bitfield", r.size(), offset, bit_offset, width, k);
    const std::uint64_t raw = detail::fetch_bits(r.data() + offset, bit_offset, width);
    if (k == scalar_kind::boolean) return raw != 0;
    if (detail::is_signed_kind(k)) {
        const std::uint64_t sign = std::uint64_t{1} << (width - 1);
        return static_cast<std::int64_t>((raw ^ sign) - sign);  // sign-extends, no UB
    }
    return raw;
}

/// Stores v into the bit-field of kind k after checking it is a value of that kind
/// (as write_scalar does) and fits the width: an unsigned 3-bit field holds 0..7, a
/// signed one -4..3. Nothing is written when it throws.
inline void write_bitfield(region r, std::size_t offset, std::size_t bit_offset, std::size_t width,
                           scalar_kind k, const scalar_value& v, std::string_view path = {}) {
    detail::check_bitfield("write_bitfield", r.size(), offset, bit_offset, width, k);
    std::uint64_t raw = 0;
    bool fits = true;
    detail::visit_kind(k, [&](auto x) {
        using T = decltype(x);
        x = detail::convert_scalar<T>(v, "write_bitfield", scalar_name(k), path);
        if constexpr (std::is_same_v<T, bool>) {
            raw = x ? 1 : 0;
        } else if (detail::is_signed_kind(k)) {
            const auto s = static_cast<std::int64_t>(x);
            const std::int64_t high = static_cast<std::int64_t>((std::uint64_t{1} << (width - 1)) - 1);
            fits = s >= -high - 1 && s <= high;
            raw = static_cast<std::uint64_t>(s);
        } else {
            const auto u = static_cast<std::uint64_t>(x);
            fits = width == 64 || u < (std::uint64_t{1} << width);
            raw = u;
        }
    });
    if (!fits) {
        detail::message m("write_bitfield");
        if (!path.empty()) m.arg("path", path);
        MEMREG_THROW(bad_argument(m.arg("type", scalar_name(k))
                                      .arg("width", width)
                                      .arg("value", to_string(v))
                                      .because("value does not fit the bit-field")));
    }
    detail::store_bits(r.data() + offset, bit_offset, width, raw);
}

/// The same, for a member that layout::find or layout::resolve(path, op, true) returned.
[[nodiscard]] inline scalar_value read_bitfield(const_region r, const layout_member& m) {
    return read_bitfield(r, m.offset, m.bit_offset, m.bit_width, m.type->scalar());
}
inline void write_bitfield(region r, const layout_member& m, const scalar_value& v,
                           std::string_view path = {}) {
    write_bitfield(r, m.offset, m.bit_offset, m.bit_width, m.type->scalar(), v, path);
}

}  // namespace memreg
