// memreg/lua/pack.hpp — string.pack's format language over a memory region.
//
// Pure C++ (no Lua headers): the engine behind r:pack / r:unpack, so every Lua
// version (5.1 and LuaJIT included) gets Lua 5.4's format language with its exact
// semantics and messages, and C++ code can use it too.
//
//   std::size_t end = memreg::lua::pack(r, offset, "<i4 z", source);
//   std::size_t next = memreg::lua::unpack(r, offset, "<i4 z", sink);
//
// Differences from string.pack, all because the data is a region, not a string:
// - Alignment ('!', 'X', and the natural alignment of options once '!' allows it)
//   is relative to the start of the region, as string.unpack's is relative to the
//   start of its string whatever the init position; so pack and unpack at the same
//   offset always agree.
// - Offsets are 0-based; unpack returns the 0-based offset after the data.
// - Reading or writing past the end throws memreg::out_of_range naming the offset,
//   the byte count and the region size (string.unpack says "data string too short").
// - pack checks every value before it writes a byte: a failed pack leaves the
//   region as it was.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "../error.hpp"
#include "../region.hpp"

namespace memreg::lua {

/// A format or value that string.pack would refuse. argument() says which one the
/// message is about, as Lua's luaL_argerror does: 0 is the format itself, k >= 1 the
/// k-th value after the format, and -1 an error that names no argument (Lua raises
/// those with luaL_error, e.g. "invalid format option 'y'").
class pack_error : public bad_argument {
public:
    pack_error(const std::string& what, int argument) : bad_argument(what), argument_(argument) {}
    [[nodiscard]] int argument() const noexcept { return argument_; }

private:
    int argument_;
};

/// What one format option does.
enum class pack_kind : unsigned char {
    integer,       // b h i[n] l j: signed
    unsigned_int,  // B H I[n] L J T
    float32,       // f
    number,        // n (lua_Number, a double here)
    float64,       // d
    fixed_string,  // c[n]
    string,        // s[n]: length prefix then bytes
    zstring,       // z: bytes then a zero
    padding,       // x: one zero byte
    align,         // X op: padding up to op's alignment
    nop,           // ' ', < > = ! [n]: changes settings only
};

/// One parsed option: its kind, its size in bytes (the prefix size for 's') and
/// the padding bytes that go before it.
struct pack_item {
    pack_kind kind = pack_kind::nop;
    std::size_t size = 0;
    std::size_t padding = 0;
};

namespace detail {

/// The largest integer size the format accepts (Lua's MAXINTSIZE).
inline constexpr int pack_max_int_size = 16;
/// Lua's native maximum alignment: that of its LUAI_MAXALIGN union.
union pack_max_align_union {
    double n;
    void* p;
    std::int64_t i;
    long l;
};
inline constexpr int pack_native_align = alignof(pack_max_align_union);
/// Lua's MAXSIZE for sizes read from a format (INT_MAX on 64-bit hosts).
inline constexpr int pack_max_size = std::numeric_limits<int>::max();

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pack(std::string what, int argument) {
    throw pack_error(what, argument);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pack_outside(const char* operation,
                                                                      std::size_t offset,
                                                                      std::size_t count,
                                                                      std::size_t size) {
    memreg::detail::throw_outside(operation, offset, count, size);
}

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Converts a double to float without undefined behaviour for values beyond
/// float's range (they become +-inf, or +-FLT_MAX where rounding would give it).
inline float to_float(double d) noexcept {
    constexpr double max = static_cast<double>(std::numeric_limits<float>::max());
    // Halfway between FLT_MAX and 2^128: from here on, rounding gives infinity.
    constexpr double overflow = 0x1.ffffffp127;
    if (d >= overflow) return std::numeric_limits<float>::infinity();
    if (d <= -overflow) return -std::numeric_limits<float>::infinity();
    if (d > max) return std::numeric_limits<float>::max();
    if (d < -max) return -std::numeric_limits<float>::max();
    return static_cast<float>(d);
}

}  // namespace detail

/// Reads a format string option by option, as Lua 5.4's getdetails does. Keeps
/// the byte order and maximum alignment that '<', '>', '=' and '!' set.
class pack_format {
public:
    explicit pack_format(std::string_view format) noexcept : fmt_(format) {}

    [[nodiscard]] bool done() const noexcept { return pos_ >= fmt_.size(); }
    [[nodiscard]] bool little_endian() const noexcept { return little_; }

    /// The next option, with the padding it needs when the data so far ends at
    /// `position` bytes from the region's start. Throws pack_error for bad formats.
    pack_item next(std::size_t position) {
        pack_item item;
        int size = 0;
        item.kind = option(size);
        int align = size;  // usually alignment follows size
        if (item.kind == pack_kind::align) {
            if (done() || option(align) == pack_kind::fixed_string || align == 0)
                detail::throw_pack("invalid next option for option 'X'", 0);
        }
        item.size = static_cast<std::size_t>(size);
        if (align > 1 && item.kind != pack_kind::fixed_string) {
            if (align > max_align_) align = max_align_;
            if ((align & (align - 1)) != 0)
                detail::throw_pack("format asks for alignment not power of 2", 0);
            const auto a = static_cast<std::size_t>(align);
            item.padding = (a - (position & (a - 1))) & (a - 1);
        }
        return item;
    }

private:
    /// A decimal number at the current position, or `fallback` if there is none.
    int number(int fallback) noexcept {
        if (done() || !detail::is_digit(fmt_[pos_])) return fallback;
        int a = 0;
        do {
            a = a * 10 + (fmt_[pos_++] - '0');
        } while (!done() && detail::is_digit(fmt_[pos_]) && a <= (detail::pack_max_size - 9) / 10);
        return a;
    }

    int integer_size(int fallback) {
        const int n = number(fallback);
        if (n > detail::pack_max_int_size || n <= 0)
            detail::throw_pack("integral size (" + std::to_string(n) + ") out of limits [1," +
                                   std::to_string(detail::pack_max_int_size) + "]",
                               -1);
        return n;
    }

    pack_kind option(int& size) {
        const char opt = fmt_[pos_++];
        size = 0;
        switch (opt) {
            case 'b': size = 1; return pack_kind::integer;
            case 'B': size = 1; return pack_kind::unsigned_int;
            case 'h': size = sizeof(short); return pack_kind::integer;
            case 'H': size = sizeof(short); return pack_kind::unsigned_int;
            case 'l': size = sizeof(long); return pack_kind::integer;
            case 'L': size = sizeof(long); return pack_kind::unsigned_int;
            case 'j': size = 8; return pack_kind::integer;
            case 'J': size = 8; return pack_kind::unsigned_int;
            case 'T': size = sizeof(std::size_t); return pack_kind::unsigned_int;
            case 'f': size = sizeof(float); return pack_kind::float32;
            case 'n': size = sizeof(double); return pack_kind::number;
            case 'd': size = sizeof(double); return pack_kind::float64;
            case 'i': size = integer_size(sizeof(int)); return pack_kind::integer;
            case 'I': size = integer_size(sizeof(int)); return pack_kind::unsigned_int;
            case 's': size = integer_size(sizeof(std::size_t)); return pack_kind::string;
            case 'c':
                size = number(-1);
                if (size == -1) detail::throw_pack("missing size for format option 'c'", -1);
                return pack_kind::fixed_string;
            case 'z': return pack_kind::zstring;
            case 'x': size = 1; return pack_kind::padding;
            case 'X': return pack_kind::align;
            case ' ': break;
            case '<': little_ = true; break;
            case '>': little_ = false; break;
            case '=': little_ = native_little(); break;
            case '!': max_align_ = integer_size(detail::pack_native_align); break;
            default: {
                std::string text = "invalid format option '";
                text += opt;
                detail::throw_pack(text + "'", -1);
            }
        }
        return pack_kind::nop;
    }

    static constexpr bool native_little() noexcept {
        return std::endian::native == std::endian::little;
    }

    std::string_view fmt_;
    std::size_t pos_ = 0;
    bool little_ = native_little();
    int max_align_ = 1;
};

namespace detail {

/// Writes the low `size` bytes of v in the given order; bytes beyond 8 are the
/// sign extension (0xff for negative values), as Lua's packint does.
inline void store_integer(std::byte* out, std::uint64_t v, bool little, std::size_t size,
                          bool negative) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
        const std::byte b =
            i < 8 ? static_cast<std::byte>(v >> (8 * i)) : static_cast<std::byte>(negative ? 0xff : 0);
        out[little ? i : size - 1 - i] = b;
    }
}

/// Reads a `size`-byte integer as Lua's unpackint does: sign-extends small signed
/// ones and checks that the bytes beyond 8 of a big one are only sign extension.
inline std::uint64_t load_integer(const std::byte* in, bool little, std::size_t size,
                                  bool is_signed) {
    std::uint64_t v = 0;
    const std::size_t limit = size <= 8 ? size : 8;
    for (std::size_t i = limit; i-- > 0;) {
        v <<= 8;
        v |= std::to_integer<std::uint64_t>(in[little ? i : size - 1 - i]);
    }
    if (size < 8) {
        if (is_signed) {
            const std::uint64_t mask = std::uint64_t{1} << (size * 8 - 1);
            v = (v ^ mask) - mask;
        }
    } else if (size > 8) {
        const auto extension =
            static_cast<std::byte>((!is_signed || static_cast<std::int64_t>(v) >= 0) ? 0 : 0xff);
        for (std::size_t i = limit; i < size; ++i)
            if (in[little ? i : size - 1 - i] != extension)
                throw_pack(std::to_string(size) + "-byte integer does not fit into Lua Integer",
                           -1);
    }
    return v;
}

template <class T>
void store_float(std::byte* out, T value, bool little) noexcept {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    const bool swap = little != (std::endian::native == std::endian::little);
    for (std::size_t i = 0; i < sizeof(T); ++i)
        out[i] = std::byte{bytes[swap ? sizeof(T) - 1 - i : i]};
}

template <class T>
T load_float(const std::byte* in, bool little) noexcept {
    unsigned char bytes[sizeof(T)];
    const bool swap = little != (std::endian::native == std::endian::little);
    for (std::size_t i = 0; i < sizeof(T); ++i)
        bytes[i] = std::to_integer<unsigned char>(in[swap ? sizeof(T) - 1 - i : i]);
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
}

/// memset / memcpy that accept a null pointer with a zero count (an empty region's
/// data() is null, and the C functions' pointers must never be).
inline void zero_bytes(std::byte* out, std::size_t n) noexcept {
    if (n != 0) std::memset(out, 0, n);
}
inline void copy_bytes(std::byte* out, const char* in, std::size_t n) noexcept {
    if (n != 0) std::memcpy(out, in, n);
}

/// One pass of pack over the format: Write=false checks every value and computes
/// the end; Write=true stores them (after the check pass, so it cannot fail).
template <bool Write, class Source>
std::size_t pack_pass(region r, std::size_t offset, std::string_view format, Source& source) {
    pack_format f(format);
    std::size_t pos = offset;
    int arg = 0;
    while (!f.done()) {
        const pack_item item = f.next(pos);
        const bool little = f.little_endian();
        // Only the check pass needs to look at the bounds; write pass already knows.
        auto room = [&](std::size_t count) -> std::byte* {
            if constexpr (!Write) {
                if (pos > r.size() || count > r.size() - pos)
                    throw_pack_outside("pack", pos, count, r.size());
                return nullptr;
            } else {
                return r.data() + pos;
            }
        };
        room(item.padding);
        if constexpr (Write) zero_bytes(r.data() + pos, item.padding);
        pos += item.padding;
        ++arg;
        switch (item.kind) {
            case pack_kind::integer: {
                const std::int64_t n = source.integer(arg);
                if constexpr (!Write) {
                    if (item.size < 8) {
                        const std::int64_t lim = std::int64_t{1} << (item.size * 8 - 1);
                        if (!(-lim <= n && n < lim)) throw_pack("integer overflow", arg);
                    }
                }
                std::byte* out = room(item.size);
                if constexpr (Write)
                    store_integer(out, static_cast<std::uint64_t>(n), little, item.size, n < 0);
                break;
            }
            case pack_kind::unsigned_int: {
                const std::int64_t n = source.integer(arg);
                if constexpr (!Write) {
                    if (item.size < 8 &&
                        static_cast<std::uint64_t>(n) >= (std::uint64_t{1} << (item.size * 8)))
                        throw_pack("unsigned overflow", arg);
                }
                std::byte* out = room(item.size);
                if constexpr (Write)
                    store_integer(out, static_cast<std::uint64_t>(n), little, item.size, false);
                break;
            }
            case pack_kind::float32: {
                const double d = source.number(arg);
                std::byte* out = room(item.size);
                if constexpr (Write) store_float(out, to_float(d), little);
                break;
            }
            case pack_kind::number:
            case pack_kind::float64: {
                const double d = source.number(arg);
                std::byte* out = room(item.size);
                if constexpr (Write) store_float(out, d, little);
                break;
            }
            case pack_kind::fixed_string: {
                const std::string_view s = source.string(arg);
                if constexpr (!Write) {
                    if (s.size() > item.size) throw_pack("string longer than given size", arg);
                }
                std::byte* out = room(item.size);
                if constexpr (Write) {
                    copy_bytes(out, s.data(), s.size());
                    zero_bytes(out + s.size(), item.size - s.size());
                }
                break;
            }
            case pack_kind::string: {
                const std::string_view s = source.string(arg);
                if constexpr (!Write) {
                    if (item.size < sizeof(std::size_t) &&
                        s.size() >= (std::size_t{1} << (item.size * 8)))
                        throw_pack("string length does not fit in given size", arg);
                }
                std::byte* out = room(item.size);
                if constexpr (Write) store_integer(out, s.size(), little, item.size, false);
                pos += item.size;
                out = room(s.size());
                if constexpr (Write) copy_bytes(out, s.data(), s.size());
                pos += s.size();
                continue;
            }
            case pack_kind::zstring: {
                const std::string_view s = source.string(arg);
                if constexpr (!Write) {
                    if (s.find('\0') != std::string_view::npos)
                        throw_pack("string contains zeros", arg);
                }
                std::byte* out = room(s.size() + 1);
                if constexpr (Write) {
                    copy_bytes(out, s.data(), s.size());
                    out[s.size()] = std::byte{0};
                }
                pos += s.size() + 1;
                continue;
            }
            case pack_kind::padding: {
                std::byte* out = room(1);
                if constexpr (Write) *out = std::byte{0};
                --arg;
                break;
            }
            case pack_kind::align:
            case pack_kind::nop: --arg; break;
        }
        pos += item.size;
    }
    return pos;
}

}  // namespace detail

/// Packs values into r at offset as string.pack(format, ...) would lay them out,
/// and returns the offset just after them. `source` hands out the values by their
/// 1-based position after the format:
///   std::int64_t integer(int k); double number(int k); std::string_view string(int k);
/// (a Lua source throws for a missing or mistyped value). Checks every value and
/// the bounds before writing anything.
template <class Source>
std::size_t pack(region r, std::size_t offset, std::string_view format, Source&& source) {
    if (offset > r.size()) detail::throw_pack_outside("pack", offset, 0, r.size());
    const std::size_t end = detail::pack_pass<false>(r, offset, format, source);
    detail::pack_pass<true>(r, offset, format, source);
    return end;
}

/// Unpacks values from r at offset as string.unpack(format, s, offset + 1) would,
/// handing each to `sink`:
///   void integer(std::int64_t); void number(double); void string(std::string_view);
/// (integers arrive as Lua's lua_Integer would hold them: 'J' above 2^63 wraps to
/// negative). Returns the offset just after the data.
template <class Sink>
std::size_t unpack(const_region r, std::size_t offset, std::string_view format, Sink&& sink) {
    if (offset > r.size()) detail::throw_pack_outside("unpack", offset, 0, r.size());
    pack_format f(format);
    std::size_t pos = offset;
    const std::byte* data = r.data();
    while (!f.done()) {
        const pack_item item = f.next(pos);
        const bool little = f.little_endian();
        if (item.padding + item.size > r.size() - pos)
            detail::throw_pack_outside("unpack", pos, item.padding + item.size, r.size());
        pos += item.padding;
        switch (item.kind) {
            case pack_kind::integer:
            case pack_kind::unsigned_int:
                sink.integer(static_cast<std::int64_t>(detail::load_integer(
                    data + pos, little, item.size, item.kind == pack_kind::integer)));
                break;
            case pack_kind::float32:
                sink.number(static_cast<double>(detail::load_float<float>(data + pos, little)));
                break;
            case pack_kind::number:
            case pack_kind::float64:
                sink.number(detail::load_float<double>(data + pos, little));
                break;
            case pack_kind::fixed_string:
                sink.string({reinterpret_cast<const char*>(data + pos), item.size});
                break;
            case pack_kind::string: {
                const std::uint64_t len = detail::load_integer(data + pos, little, item.size, false);
                const std::size_t after = pos + item.size;
                if (len > r.size() - after)
                    detail::throw_pack_outside("unpack", after, static_cast<std::size_t>(len),
                                               r.size());
                sink.string({reinterpret_cast<const char*>(data + after),
                             static_cast<std::size_t>(len)});
                pos = after + static_cast<std::size_t>(len);
                continue;
            }
            case pack_kind::zstring: {
                const auto* start = reinterpret_cast<const char*>(data + pos);
                const void* zero =
                    pos == r.size() ? nullptr : std::memchr(start, 0, r.size() - pos);
                if (zero == nullptr)
                    throw out_of_range(
                        memreg::detail::message("unpack")
                            .arg("offset", pos)
                            .because("unfinished string for format 'z' (no zero byte before "
                                     "the end of the region of size " +
                                     std::to_string(r.size()) + ")"));
                const auto len = static_cast<std::size_t>(static_cast<const char*>(zero) - start);
                sink.string({start, len});
                pos += len + 1;
                continue;
            }
            case pack_kind::padding:
            case pack_kind::align:
            case pack_kind::nop: break;
        }
        pos += item.size;
    }
    return pos;
}

/// The size string.packsize(format) gives: throws pack_error for variable-length
/// options ('s', 'z'), like Lua.
inline std::size_t packsize(std::string_view format) {
    pack_format f(format);
    std::size_t total = 0;
    while (!f.done()) {
        const pack_item item = f.next(total);
        if (item.kind == pack_kind::string || item.kind == pack_kind::zstring)
            detail::throw_pack("variable-length format", 0);
        const std::size_t size = item.size + item.padding;
        if (total > static_cast<std::size_t>(detail::pack_max_size) - size)
            detail::throw_pack("format result too large", 0);
        total += size;
    }
    return total;
}

}  // namespace memreg::lua
