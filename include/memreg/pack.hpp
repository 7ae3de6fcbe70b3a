// memreg/pack.hpp — Lua 5.4's string.pack format language over a region, from C++.
//
//   std::size_t end = memreg::pack(r, 0, "<i4 z d", {42, "name", 1.5});
//   std::size_t next = memreg::unpack(r, 0, "<i4 z d", sink);   // sink.integer/number/string
//   std::size_t n = memreg::packsize("<i4 d");
//
// The work is done in named phases:
//   parse  pack_format reads the format one option (a pack_item) at a time;
//   check  check_pack takes each option's value from a source, checks it as
//          string.pack does and lays it out (a pack_field), returning the end;
//   write  write_pack writes the fields, after checking the bounds, so a failed
//          pack leaves the region as it was (pack is check then write);
//   read   unpack reads fields and hands the values to a sink.
// The Lua binding runs check before it looks at the region (checking converts Lua
// numbers to strings, which can run finalizers), then write_pack, which finds the
// values already converted.
//
// Differences from string.pack, because the data is a region, not a string:
// - Alignment ('!', 'X', natural alignment under '!') is relative to the region's
//   start, as string.unpack's is to its string's; pack and unpack at one offset agree.
// - Offsets are 0-based; pack and unpack return the 0-based offset after the data.
// - Data outside the region throws memreg::out_of_range naming the offset, the
//   byte count and the region size.
// - A format error is reported where the option is, after the values before it
//   were checked (as Lua does); bounds are checked after every value.
#pragma once

#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "byte_order.hpp"
#include "error.hpp"
#include "region.hpp"

namespace memreg {

/// A format or value string.pack would refuse. reason() is Lua 5.4's text for the
/// problem alone ("integer overflow"); what() adds the operation and the numbers.
class pack_error : public bad_argument {
public:
    pack_error(detail::text_source what, std::string reason)
        : bad_argument(std::move(what)), reason_(std::move(reason)) {}
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    std::string reason_;
};

/// A bad format: "pack(format_offset=2): invalid format option 'y'".
class pack_format_error : public pack_error {
public:
    pack_format_error(detail::text_source what, std::string reason, std::size_t format_offset)
        : pack_error(std::move(what), std::move(reason)), format_offset_(format_offset) {}
    /// Where in the format the option starts (0-based).
    [[nodiscard]] std::size_t format_offset() const noexcept { return format_offset_; }

private:
    std::size_t format_offset_;
};

/// A value its option cannot take: "pack(value=2, offset=4): integer overflow", or
/// data unpack cannot return ("unpack(value=1, offset=0): 16-byte integer does not
/// fit into Lua Integer").
class pack_value_error : public pack_error {
public:
    pack_value_error(detail::text_source what, std::string reason, int value, std::size_t offset)
        : pack_error(std::move(what), std::move(reason)), value_(value), offset_(offset) {}
    /// The value's 1-based position among those packed or unpacked.
    [[nodiscard]] int value() const noexcept { return value_; }
    /// Where in the region the value goes (or was read from).
    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

private:
    int value_;
    std::size_t offset_;
};

/// Where pack takes its values from: value k (1-based, counted after the format)
/// as an integer, a number or a string. Each may throw for a missing or mistyped
/// value. Values are asked for more than once (check, then write) and must be the
/// same each time.
template <class S>
concept pack_source = requires(S& s, int k) {
    { s.integer(k) } -> std::convertible_to<std::int64_t>;
    { s.number(k) } -> std::convertible_to<double>;
    { s.string(k) } -> std::convertible_to<std::string_view>;
};

/// Where unpack puts its values, in order. Integers arrive as Lua's lua_Integer
/// holds them ('J' above 2^63 wraps to negative).
template <class S>
concept pack_sink = requires(S& s, std::int64_t i, double d, std::string_view text) {
    s.integer(i);
    s.number(d);
    s.string(text);
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

/// One parsed option: its kind, its size in bytes (the prefix's for 's'), the
/// padding before it and the byte order in force.
struct pack_item {
    pack_kind kind = pack_kind::nop;
    std::size_t size = 0;
    std::size_t padding = 0;
    std::endian order = std::endian::native;
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

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pack_format(const char* operation,
                                                                     std::size_t format_offset,
                                                                     const std::string& reason) {
    MEMREG_THROW(pack_format_error(message(operation).arg("format_offset", format_offset).because(reason),
                                   reason, format_offset));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pack_value(const char* operation,
                                                                    int value, std::size_t offset,
                                                                    const std::string& reason) {
    MEMREG_THROW(pack_value_error(message(operation)
                                      .arg("value", static_cast<std::size_t>(value))
                                      .arg("offset", offset)
                                      .because(reason),
                                  reason, value, offset));
}

/// An option character as the message shows it: itself if printable, else its
/// code as a Lua escape ("\0"), so that no message carries a NUL.
inline std::string printable(char c) {
    if (c >= ' ' && c <= '~') return std::string(1, c);
    return "\\" + std::to_string(static_cast<unsigned char>(c));
}

inline std::size_t saturating_add(std::size_t a, std::size_t b) noexcept {
    return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

}  // namespace detail

/// The parse phase: reads a format option by option, as Lua 5.4's getdetails
/// does, keeping the byte order and maximum alignment that '<', '>', '=' and '!'
/// set. Throws pack_format_error naming `operation` for a bad option.
class pack_format {
public:
    pack_format(std::string_view format, const char* operation) noexcept
        : fmt_(format), operation_(operation) {}

    [[nodiscard]] bool done() const noexcept { return pos_ >= fmt_.size(); }

    /// The next option, with the padding it needs when the data so far ends at
    /// `position` bytes from the region's start.
    pack_item next(std::size_t position) {
        start_ = pos_;
        pack_item item;
        int size = 0;
        item.kind = option(size);
        int align = size;  // usually alignment follows size
        if (item.kind == pack_kind::align) {
            if (done() || option(align) == pack_kind::fixed_string || align == 0)
                fail("invalid next option for option 'X'");
        }
        item.size = static_cast<std::size_t>(size);
        item.order = order_;
        if (align > 1 && item.kind != pack_kind::fixed_string) {
            if (align > max_align_) align = max_align_;
            if ((align & (align - 1)) != 0) fail("format asks for alignment not power of 2");
            const auto a = static_cast<std::size_t>(align);
            item.padding = (a - (position & (a - 1))) & (a - 1);
        }
        return item;
    }

    [[noreturn]] void fail(const std::string& reason) const {
        detail::throw_pack_format(operation_, start_, reason);
    }

private:
    static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

    /// A decimal number at the current position, or `fallback` if there is none.
    int number(int fallback) noexcept {
        if (done() || !is_digit(fmt_[pos_])) return fallback;
        int a = 0;
        do {
            a = a * 10 + (fmt_[pos_++] - '0');
        } while (!done() && is_digit(fmt_[pos_]) && a <= (detail::pack_max_size - 9) / 10);
        return a;
    }

    int integer_size(int fallback) {
        const int n = number(fallback);
        if (n > detail::pack_max_int_size || n <= 0)
            fail("integral size (" + std::to_string(n) + ") out of limits [1," +
                 std::to_string(detail::pack_max_int_size) + "]");
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
                if (size == -1) fail("missing size for format option 'c'");
                return pack_kind::fixed_string;
            case 'z': return pack_kind::zstring;
            case 'x': size = 1; return pack_kind::padding;
            case 'X': return pack_kind::align;
            case ' ': break;
            case '<': order_ = std::endian::little; break;
            case '>': order_ = std::endian::big; break;
            case '=': order_ = std::endian::native; break;
            case '!': max_align_ = integer_size(detail::pack_native_align); break;
            default: fail("invalid format option '" + detail::printable(opt) + "'");
        }
        return pack_kind::nop;
    }

    std::string_view fmt_;
    const char* operation_;
    std::size_t pos_ = 0;
    std::size_t start_ = 0;  // where the option being read starts, for messages
    std::endian order_ = std::endian::native;
    int max_align_ = 1;
};

namespace detail {

/// One option with its value and its place: what the check and write phases see.
struct pack_field {
    pack_item item;
    std::size_t start = 0;  // where its padding starts in the region
    int value = 0;          // its value's 1-based position; 0 if it takes none
    std::int64_t integer = 0;
    double number = 0;
    std::string_view text;

    /// Where the option's own bytes start, after the padding.
    [[nodiscard]] std::size_t data() const noexcept { return saturating_add(start, item.padding); }
    /// Padding plus the option's bytes.
    [[nodiscard]] std::size_t bytes() const noexcept {
        std::size_t n = item.size;
        if (item.kind == pack_kind::string) n = saturating_add(n, text.size());
        if (item.kind == pack_kind::zstring) n = saturating_add(text.size(), 1);
        return saturating_add(item.padding, n);
    }
};

/// Whether an option takes a value (from pack's source, to unpack's sink): all but
/// 'x', 'X' and the options that only set the byte order or the alignment.
constexpr bool takes_value(pack_kind kind) noexcept {
    return kind != pack_kind::padding && kind != pack_kind::align && kind != pack_kind::nop;
}

/// Takes the field's value from the source, as its kind asks.
template <class Source>
void take_value(pack_field& field, Source& source, int& count) {
    if (!takes_value(field.item.kind)) return;
    field.value = ++count;
    switch (field.item.kind) {
        case pack_kind::integer:
        case pack_kind::unsigned_int: field.integer = source.integer(count); break;
        case pack_kind::float32:
        case pack_kind::number:
        case pack_kind::float64: field.number = source.number(count); break;
        case pack_kind::fixed_string:
        case pack_kind::string:
        case pack_kind::zstring: field.text = source.string(count); break;
        case pack_kind::padding:
        case pack_kind::align:
        case pack_kind::nop: break;  // no value: returned above
    }
}

/// Parses the format and lays out its values from `offset`, calling visit(field)
/// for each option in order; returns the offset after the last one.
template <class Source, class Visit>
std::size_t for_each_field(std::string_view format, std::size_t offset, Source& source,
                           Visit&& visit) {
    pack_format parser(format, "pack");
    std::size_t position = offset;
    int count = 0;
    while (!parser.done()) {
        pack_field field;
        field.item = parser.next(position);
        field.start = position;
        take_value(field, source, count);
        visit(field);
        position = saturating_add(position, field.bytes());
    }
    return position;
}

/// The check phase for one field: throws pack_value_error for a value string.pack
/// refuses (Lua 5.4's messages).
inline void check_field(const pack_field& f) {
    const std::size_t size = f.item.size;
    auto refuse = [&](const char* reason) { throw_pack_value("pack", f.value, f.data(), reason); };
    switch (f.item.kind) {
        case pack_kind::integer:
            if (size < 8) {
                const std::int64_t limit = std::int64_t{1} << (size * 8 - 1);
                if (f.integer < -limit || f.integer >= limit) refuse("integer overflow");
            }
            break;
        case pack_kind::unsigned_int:
            if (size < 8 &&
                static_cast<std::uint64_t>(f.integer) >= (std::uint64_t{1} << (size * 8)))
                refuse("unsigned overflow");
            break;
        case pack_kind::fixed_string:
            if (f.text.size() > size) refuse("string longer than given size");
            break;
        case pack_kind::string:
            if (size < sizeof(std::size_t) && f.text.size() >= (std::size_t{1} << (size * 8)))
                refuse("string length does not fit in given size");
            break;
        case pack_kind::zstring:
            if (f.text.find('\0') != std::string_view::npos) refuse("string contains zeros");
            break;
        default: break;
    }
}

/// memset / memcpy that accept a null pointer with a zero count (an empty region's
/// data() is null, and the C functions' pointers must never be).
inline void zero_bytes(std::byte* out, std::size_t n) noexcept {
    if (n != 0) std::memset(out, 0, n);
}
inline void copy_bytes(std::byte* out, std::string_view text) noexcept {
    if (!text.empty()) std::memcpy(out, text.data(), text.size());
}

/// Writes the low `size` bytes (1 to 16) of v in byte order `order`; bytes beyond
/// the eighth are sign extension (0xff when `negative`), as Lua's packint writes.
inline void store_integer(std::byte* out, std::uint64_t v, std::size_t size, std::endian order,
                          bool negative) noexcept {
    const std::size_t low = size < 8 ? size : 8;
    const std::size_t extension = size - low;
    const int fill = negative ? 0xff : 0;
    if (order == std::endian::little) {
        store_unsigned(out, v, low, order);
        if (extension != 0) std::memset(out + low, fill, extension);
    } else {
        if (extension != 0) std::memset(out, fill, extension);
        store_unsigned(out + extension, v, low, order);
    }
}

/// The write phase for one field whose value check_field accepted and whose bytes
/// lie in r.
inline void write_field(region r, const pack_field& f) noexcept {
    std::byte* out = r.data() + f.start;
    zero_bytes(out, f.item.padding);
    out += f.item.padding;
    const std::size_t size = f.item.size;
    const std::endian order = f.item.order;
    switch (f.item.kind) {
        case pack_kind::integer:
            store_integer(out, static_cast<std::uint64_t>(f.integer), size, order, f.integer < 0);
            break;
        case pack_kind::unsigned_int:
            store_integer(out, static_cast<std::uint64_t>(f.integer), size, order, false);
            break;
        case pack_kind::float32: store_bytes(out, to_float(f.number), order); break;
        case pack_kind::number:
        case pack_kind::float64: store_bytes(out, f.number, order); break;
        case pack_kind::fixed_string:
            copy_bytes(out, f.text);
            zero_bytes(out + f.text.size(), size - f.text.size());
            break;
        case pack_kind::string:
            store_integer(out, f.text.size(), size, order, false);
            copy_bytes(out + size, f.text);
            break;
        case pack_kind::zstring:
            copy_bytes(out, f.text);
            out[f.text.size()] = std::byte{0};
            break;
        case pack_kind::padding: *out = std::byte{0}; break;
        case pack_kind::align:
        case pack_kind::nop: break;
    }
}

inline bool fits(std::size_t offset, std::size_t count, std::size_t size) noexcept {
    return offset <= size && count <= size - offset;
}

/// Reads a `size`-byte integer (1 to 16) as Lua's unpackint does: sign-extends
/// small signed ones; the bytes beyond the eighth of a big one must be only sign
/// extension, else it does not fit (returns false).
inline bool load_integer(const std::byte* in, std::size_t size, std::endian order,
                         bool is_signed, std::uint64_t& v) noexcept {
    const std::size_t low = size < 8 ? size : 8;
    const std::size_t extension = size - low;
    v = load_unsigned(order == std::endian::little ? in : in + extension, low, order);
    if (size < 8) {
        if (is_signed) {
            const std::uint64_t mask = std::uint64_t{1} << (size * 8 - 1);
            v = (v ^ mask) - mask;
        }
        return true;
    }
    const bool negative = is_signed && static_cast<std::int64_t>(v) < 0;
    const std::byte fill = negative ? std::byte{0xff} : std::byte{0};
    const std::byte* rest = order == std::endian::little ? in + low : in;
    for (std::size_t i = 0; i < extension; ++i)
        if (rest[i] != fill) return false;
    return true;
}

}  // namespace detail

/// The check phase alone: takes every value of `format` from `source`, checks it
/// as string.pack would and returns the offset just after the packed data when it
/// starts at `offset`. Touches no region.
template <pack_source Source>
std::size_t check_pack(std::string_view format, std::size_t offset, Source&& source) {
    return detail::for_each_field(format, offset, source, detail::check_field);
}

/// The write phase, for a caller that ran check_pack(format, offset, source) and
/// got `end`: checks that [offset, end) lies in r (throwing out_of_range for the
/// first option outside, writing nothing), then writes. It checks each option
/// again as it writes, so a source whose values changed since, or a wrong `end`,
/// cannot make it write out of bounds or a value that does not fit.
template <pack_source Source>
void write_pack(region r, std::size_t offset, std::string_view format, Source&& source,
                std::size_t end) {
    if (!detail::fits(offset, 0, r.size())) detail::throw_outside("pack", offset, 0, r.size());
    if (end > r.size()) {
        detail::for_each_field(format, offset, source, [&](const detail::pack_field& f) {
            if (!detail::fits(f.start, f.bytes(), r.size()))
                detail::throw_outside("pack", f.start, f.bytes(), r.size());
        });
    }
    detail::for_each_field(format, offset, source, [&](const detail::pack_field& f) {
        detail::check_field(f);
        if (!detail::fits(f.start, f.bytes(), r.size()))
            detail::throw_outside("pack", f.start, f.bytes(), r.size());
        detail::write_field(r, f);
    });
}

/// Packs values into r at offset as string.pack(format, ...) would lay them out,
/// and returns the offset just after them. Checks every value and the bounds
/// before it writes a byte: a failed pack leaves the region as it was. Throws
/// pack_format_error, pack_value_error (or whatever the source throws) and
/// out_of_range.
template <pack_source Source>
std::size_t pack(region r, std::size_t offset, std::string_view format, Source&& source) {
    const std::size_t end = check_pack(format, offset, source);
    write_pack(r, offset, format, source, end);
    return end;
}

/// One value for pack from C++: an integer, a floating-point number or a string.
class pack_value {
public:
    enum class kind : unsigned char { integer, number, string };

    template <std::integral I>
        requires(!std::same_as<I, bool> && !std::same_as<I, char>)
    pack_value(I v) noexcept  // NOLINT(google-explicit-constructor): a list element
        : kind_(kind::integer), integer_(static_cast<std::int64_t>(v)) {}
    pack_value(double v) noexcept : kind_(kind::number), number_(v) {}  // NOLINT
    pack_value(std::string_view v) noexcept : kind_(kind::string), text_(v) {}  // NOLINT
    pack_value(const char* v) noexcept : pack_value(std::string_view(v)) {}  // NOLINT

    [[nodiscard]] kind type() const noexcept { return kind_; }
    [[nodiscard]] std::int64_t integer() const noexcept { return integer_; }
    [[nodiscard]] double number() const noexcept { return number_; }
    [[nodiscard]] std::string_view string() const noexcept { return text_; }

private:
    kind kind_;
    std::int64_t integer_ = 0;
    double number_ = 0;
    std::string_view text_;
};

/// A source over a list of pack_values. Numbers convert as in Lua: an integer
/// where a float is wanted, a float with an exact integer value where an integer
/// is; a string is never a number nor a number a string.
class pack_values {
public:
    pack_values(const pack_value* first, std::size_t count) noexcept
        : first_(first), count_(count) {}

    [[nodiscard]] std::int64_t integer(int k) const {
        const pack_value& v = at(k, "integer");
        if (v.type() == pack_value::kind::integer) return v.integer();
        const double d = v.number();
        // Exact in int64: -2^63 <= d < 2^63 and integral.
        if (v.type() == pack_value::kind::string || !(d >= -0x1p63 && d < 0x1p63) ||
            std::trunc(d) != d)
            wrong(k, v, "integer");
        return static_cast<std::int64_t>(d);
    }
    [[nodiscard]] double number(int k) const {
        const pack_value& v = at(k, "number");
        if (v.type() == pack_value::kind::integer) return static_cast<double>(v.integer());
        if (v.type() == pack_value::kind::string) wrong(k, v, "number");
        return v.number();
    }
    [[nodiscard]] std::string_view string(int k) const {
        const pack_value& v = at(k, "string");
        if (v.type() != pack_value::kind::string) wrong(k, v, "string");
        return v.string();
    }

private:
    const pack_value& at(int k, const char* wanted) const {
        if (k < 1 || static_cast<std::size_t>(k) > count_)
            detail::throw_pack_value("pack", k, 0,
                                     std::string(wanted) + " expected, got no value");
        return first_[k - 1];
    }
    [[noreturn]] static void wrong(int k, const pack_value& v, const char* wanted) {
        static constexpr const char* names[] = {"integer", "number", "string"};
        const char* got = names[static_cast<int>(v.type())];
        if (v.type() == pack_value::kind::number && std::string_view(wanted) == "integer")
            detail::throw_pack_value("pack", k, 0, "number has no integer representation");
        detail::throw_pack_value("pack", k, 0, std::string(wanted) + " expected, got " + got);
    }

    const pack_value* first_;
    std::size_t count_;
};

/// pack(r, offset, format, {42, "name", 1.5}): the values as a list.
inline std::size_t pack(region r, std::size_t offset, std::string_view format,
                        std::initializer_list<pack_value> values) {
    return pack(r, offset, format, pack_values(values.begin(), values.size()));
}

namespace detail {

/// The read phase for one option with a value, whose padding and fixed bytes lie
/// in r (from pos on, after the padding): hands the value to the sink and returns
/// the position after it.
template <class Sink>
std::size_t read_field(const_region r, std::size_t pos, const pack_item& item, int value,
                       Sink& sink) {
    const std::byte* at = r.data() + pos;
    const auto* text = reinterpret_cast<const char*>(at);
    switch (item.kind) {
        case pack_kind::integer:
        case pack_kind::unsigned_int: {
            std::uint64_t v = 0;
            if (!load_integer(at, item.size, item.order, item.kind == pack_kind::integer, v))
                throw_pack_value("unpack", value, pos,
                                 std::to_string(item.size) +
                                     "-byte integer does not fit into Lua Integer");
            sink.integer(static_cast<std::int64_t>(v));
            return pos + item.size;
        }
        case pack_kind::float32:
            sink.number(static_cast<double>(load_bytes<float>(at, item.order)));
            return pos + item.size;
        case pack_kind::number:
        case pack_kind::float64:
            sink.number(load_bytes<double>(at, item.order));
            return pos + item.size;
        case pack_kind::fixed_string: sink.string({text, item.size}); return pos + item.size;
        case pack_kind::string: {
            std::uint64_t length = 0;
            load_integer(at, item.size, item.order, false, length);
            const std::size_t after = pos + item.size;
            if (length > r.size() - after)
                throw_outside("unpack", after, length, r.size());
            const auto n = static_cast<std::size_t>(length);
            sink.string({text + item.size, n});
            return after + n;
        }
        case pack_kind::zstring: {
            const void* zero = pos == r.size() ? nullptr : std::memchr(text, 0, r.size() - pos);
            if (zero == nullptr)
                MEMREG_THROW(out_of_range(message("unpack").arg("offset", pos).because(
                    "unfinished string for format 'z' (no zero byte before the end of the "
                    "region of size " + std::to_string(r.size()) + ")")));
            const auto n = static_cast<std::size_t>(static_cast<const char*>(zero) - text);
            sink.string({text, n});
            return pos + n + 1;
        }
        default: return pos + item.size;
    }
}

}  // namespace detail

/// The read phase: unpacks values from r at offset as string.unpack(format, s,
/// offset + 1) would, handing each to `sink`, and returns the offset just after
/// the data. The sink must not change r's memory (the Lua binding unpacks from a
/// copy, since its pushes can run finalizers).
template <pack_sink Sink>
std::size_t unpack(const_region r, std::size_t offset, std::string_view format, Sink&& sink) {
    if (offset > r.size()) detail::throw_outside("unpack", offset, 0, r.size());
    pack_format parser(format, "unpack");
    std::size_t pos = offset;
    int count = 0;
    while (!parser.done()) {
        const pack_item item = parser.next(pos);
        if (!detail::fits(pos, detail::saturating_add(item.padding, item.size), r.size()))
            detail::throw_outside("unpack", pos, item.padding + item.size, r.size());
        pos += item.padding;
        pos = detail::takes_value(item.kind) ? detail::read_field(r, pos, item, ++count, sink)
                                             : pos + item.size;
    }
    return pos;
}

/// The size string.packsize(format) gives: throws pack_format_error for
/// variable-length options ('s', 'z') and for a total above 2^31 - 1, like Lua.
inline std::size_t packsize(std::string_view format) {
    pack_format parser(format, "packsize");
    std::size_t total = 0;
    while (!parser.done()) {
        const pack_item item = parser.next(total);
        if (item.kind == pack_kind::string || item.kind == pack_kind::zstring)
            parser.fail("variable-length format");
        const std::size_t size = item.size + item.padding;
        if (total > static_cast<std::size_t>(detail::pack_max_size) - size)
            parser.fail("format result too large");
        total += size;
    }
    return total;
}

}  // namespace memreg
