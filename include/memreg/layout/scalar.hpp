// memreg/layout/scalar.hpp — the scalar kinds a C struct field can have, and checked
// reads and writes of one scalar at a byte offset in a region.
//
// A scalar value travels as scalar_value: a variant of int64, uint64, double and
// bool, wide enough for every kind without loss. Writes check that the value fits
// the field (300 does not fit a uint8_t, 1.5 is not an int, a number is not a bool)
// instead of truncating the way a C cast would.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

/// The kind of one scalar field. `character` is plain `char` (its signedness is the
/// platform's); `pointer` is an address-sized field, read and written as an address.
enum class scalar_kind : std::uint8_t {
    int8,
    uint8,
    int16,
    uint16,
    int32,
    uint32,
    int64,
    uint64,
    float32,
    float64,
    boolean,
    character,
    pointer,
};

/// Any scalar's value: signed integers (and a signed char) as int64, unsigned
/// integers and pointers as uint64, floating point as double, bool as bool.
using scalar_value = std::variant<std::int64_t, std::uint64_t, double, bool>;

namespace detail {

template <scalar_kind K>
struct scalar_type_of;
template <> struct scalar_type_of<scalar_kind::int8> { using type = std::int8_t; };
template <> struct scalar_type_of<scalar_kind::uint8> { using type = std::uint8_t; };
template <> struct scalar_type_of<scalar_kind::int16> { using type = std::int16_t; };
template <> struct scalar_type_of<scalar_kind::uint16> { using type = std::uint16_t; };
template <> struct scalar_type_of<scalar_kind::int32> { using type = std::int32_t; };
template <> struct scalar_type_of<scalar_kind::uint32> { using type = std::uint32_t; };
template <> struct scalar_type_of<scalar_kind::int64> { using type = std::int64_t; };
template <> struct scalar_type_of<scalar_kind::uint64> { using type = std::uint64_t; };
template <> struct scalar_type_of<scalar_kind::float32> { using type = float; };
template <> struct scalar_type_of<scalar_kind::float64> { using type = double; };
template <> struct scalar_type_of<scalar_kind::boolean> { using type = bool; };
template <> struct scalar_type_of<scalar_kind::character> { using type = char; };
template <> struct scalar_type_of<scalar_kind::pointer> { using type = std::uintptr_t; };

/// Calls f(T{}) with the C++ type that stores kind k.
template <class F>
constexpr decltype(auto) visit_kind(scalar_kind k, F&& f) {
    switch (k) {
        case scalar_kind::int8: return f(std::int8_t{});
        case scalar_kind::uint8: return f(std::uint8_t{});
        case scalar_kind::int16: return f(std::int16_t{});
        case scalar_kind::uint16: return f(std::uint16_t{});
        case scalar_kind::int32: return f(std::int32_t{});
        case scalar_kind::uint32: return f(std::uint32_t{});
        case scalar_kind::int64: return f(std::int64_t{});
        case scalar_kind::uint64: return f(std::uint64_t{});
        case scalar_kind::float32: return f(float{});
        case scalar_kind::float64: return f(double{});
        case scalar_kind::boolean: return f(bool{});
        case scalar_kind::character: return f(char{});
        case scalar_kind::pointer: break;
    }
    return f(std::uintptr_t{});
}

}  // namespace detail

/// The C++ type that stores a scalar of kind K (uintptr_t for a pointer).
template <scalar_kind K>
using scalar_type_t = typename detail::scalar_type_of<K>::type;

[[nodiscard]] constexpr std::size_t scalar_size(scalar_kind k) noexcept {
    return detail::visit_kind(k, [](auto v) { return sizeof(v); });
}

/// The alignment the platform C ABI gives the scalar as a struct member.
[[nodiscard]] constexpr std::size_t scalar_alignment(scalar_kind k) noexcept {
    return detail::visit_kind(k, [](auto v) { return alignof(decltype(v)); });
}

/// The C spelling of the kind: "int8_t", "uint64_t", "float", "double", "bool",
/// "char", "void *".
[[nodiscard]] constexpr std::string_view scalar_name(scalar_kind k) noexcept {
    switch (k) {
        case scalar_kind::int8: return "int8_t";
        case scalar_kind::uint8: return "uint8_t";
        case scalar_kind::int16: return "int16_t";
        case scalar_kind::uint16: return "uint16_t";
        case scalar_kind::int32: return "int32_t";
        case scalar_kind::uint32: return "uint32_t";
        case scalar_kind::int64: return "int64_t";
        case scalar_kind::uint64: return "uint64_t";
        case scalar_kind::float32: return "float";
        case scalar_kind::float64: return "double";
        case scalar_kind::boolean: return "bool";
        case scalar_kind::character: return "char";
        case scalar_kind::pointer: break;
    }
    return "void *";
}

[[nodiscard]] constexpr bool is_integer_kind(scalar_kind k) noexcept {
    return k != scalar_kind::float32 && k != scalar_kind::float64 && k != scalar_kind::boolean;
}

/// The scalar kind that stores a C++ arithmetic type (or a pointer), by size and
/// signedness — so `long` and `long long` map to whatever the platform makes them.
template <class T>
[[nodiscard]] consteval scalar_kind scalar_kind_of() noexcept {
    if constexpr (std::is_pointer_v<T>) return scalar_kind::pointer;
    else if constexpr (std::is_enum_v<T>) return scalar_kind_of<std::underlying_type_t<T>>();
    else if constexpr (std::is_same_v<T, bool>) return scalar_kind::boolean;
    else if constexpr (std::is_same_v<T, char>) return scalar_kind::character;
    else if constexpr (std::is_same_v<T, float>) return scalar_kind::float32;
    else if constexpr (std::is_same_v<T, double>) return scalar_kind::float64;
    else {
        static_assert(std::is_integral_v<T> && sizeof(T) <= 8, "no scalar kind for this type");
        constexpr bool s = std::is_signed_v<T>;
        if constexpr (sizeof(T) == 1) return s ? scalar_kind::int8 : scalar_kind::uint8;
        else if constexpr (sizeof(T) == 2) return s ? scalar_kind::int16 : scalar_kind::uint16;
        else if constexpr (sizeof(T) == 4) return s ? scalar_kind::int32 : scalar_kind::uint32;
        else return s ? scalar_kind::int64 : scalar_kind::uint64;
    }
}

/// Readable form of a value for messages: "300", "-1", "1.5", "true".
[[nodiscard]] inline std::string to_string(const scalar_value& v) {
    if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (const double* d = std::get_if<double>(&v)) {
        std::string s = std::to_string(*d);
        // to_string gives six decimals; drop the trailing zeros for a readable message.
        if (s.find('.') != std::string::npos) {
            while (s.back() == '0') s.pop_back();
            if (s.back() == '.') s.pop_back();
        }
        return s;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return std::to_string(std::get<std::uint64_t>(v));
}

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_scalar_mismatch(
    const char* operation, std::string_view target, const scalar_value& v, const char* reason,
    std::string_view path = {}) {
    message m(operation);
    if (!path.empty()) m.arg("path", path);
    MEMREG_THROW(bad_argument(m.arg("type", target).arg("value", memreg::to_string(v)).because(reason)));
}

/// std::in_range does not take plain char: compare as the char type of the same sign.
template <class T>
using comparable_int_t =
    std::conditional_t<std::is_same_v<T, char>,
                       std::conditional_t<std::is_signed_v<char>, signed char, unsigned char>, T>;

/// v converted to T. Integers must be in range, doubles stored into integers must
/// be whole, bool only goes to bool, a finite double must fit a float.
template <class T>
[[nodiscard]] T convert_scalar(const scalar_value& v, const char* operation,
                               std::string_view target, std::string_view path = {}) {
    if constexpr (std::is_same_v<T, bool>) {
        if (const bool* b = std::get_if<bool>(&v)) return *b;
        throw_scalar_mismatch(operation, target, v, "a number is not a bool", path);
    } else {
        if (std::holds_alternative<bool>(v))
            throw_scalar_mismatch(operation, target, v, "a bool is not a number", path);
        if constexpr (std::is_floating_point_v<T>) {
            if (const double* d = std::get_if<double>(&v)) {
                if (std::isfinite(*d) && std::fabs(*d) > double(std::numeric_limits<T>::max()))
                    throw_scalar_mismatch(operation, target, v, "value does not fit", path);
                return static_cast<T>(*d);
            }
            if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<T>(*i);
            return static_cast<T>(std::get<std::uint64_t>(v));
        } else {
            if (const double* d = std::get_if<double>(&v)) {
                // 2^63 and 2^64 are exact doubles; compare against them, not max().
                constexpr double limit = std::is_signed_v<T> ? 9223372036854775808.0
                                                             : 18446744073709551616.0;
                if (!std::isfinite(*d) || std::trunc(*d) != *d)
                    throw_scalar_mismatch(operation, target, v, "value is not a whole number", path);
                if (*d >= limit || *d < (std::is_signed_v<T> ? -limit : 0.0))
                    throw_scalar_mismatch(operation, target, v, "value does not fit", path);
                if constexpr (std::is_signed_v<T>)
                    return convert_scalar<T>(scalar_value(static_cast<std::int64_t>(*d)),
                                             operation, target, path);
                else
                    return convert_scalar<T>(scalar_value(static_cast<std::uint64_t>(*d)),
                                             operation, target, path);
            }
            if (const auto* i = std::get_if<std::int64_t>(&v)) {
                if (!std::in_range<comparable_int_t<T>>(*i))
                    throw_scalar_mismatch(operation, target, v, "value does not fit", path);
                return static_cast<T>(*i);
            }
            const auto u = std::get<std::uint64_t>(v);
            if (!std::in_range<comparable_int_t<T>>(u))
                throw_scalar_mismatch(operation, target, v, "value does not fit", path);
            return static_cast<T>(u);
        }
    }
}

/// A stored scalar widened to scalar_value.
template <class T>
[[nodiscard]] scalar_value widen_scalar(T x) noexcept {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(x);
    else if constexpr (std::is_signed_v<T>) return static_cast<std::int64_t>(x);
    else return static_cast<std::uint64_t>(x);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_scalar_outside(
    const char* operation, std::size_t offset, scalar_kind k, std::size_t size) {
    MEMREG_THROW(out_of_range(message(operation)
                                  .arg("offset", offset)
                                  .arg("kind", scalar_name(k))
                                  .because("outside region of size " + std::to_string(size))));
}

/// Converts v to kind k (checked, naming operation and path) and stores it at p.
inline void store_scalar(std::byte* p, scalar_kind k, const scalar_value& v,
                         const char* operation, std::string_view path) {
    visit_kind(k, [&](auto x) {
        using T = decltype(x);
        x = convert_scalar<T>(v, operation, scalar_name(k), path);
        std::memcpy(p, &x, sizeof x);
    });
}

/// The scalar of kind k stored at p.
[[nodiscard]] inline scalar_value fetch_scalar(const std::byte* p, scalar_kind k) noexcept {
    return visit_kind(k, [p](auto x) -> scalar_value {
        using T = decltype(x);
        if constexpr (std::is_same_v<T, bool>) {
            return std::to_integer<unsigned>(*p) != 0;  // no bool load of a non-0/1 byte
        } else {
            std::memcpy(&x, p, sizeof x);
            return widen_scalar(x);
        }
    });
}

}  // namespace detail

/// Reads the scalar of kind k at r[offset] (any alignment). A bool byte other than
/// 0 or 1 reads as true. Throws out_of_range if it does not lie inside r.
[[nodiscard]] inline scalar_value read_scalar(const_region r, std::size_t offset, scalar_kind k) {
    const std::size_t n = scalar_size(k);
    if (offset > r.size() || n > r.size() - offset)
        detail::throw_scalar_outside("read_scalar", offset, k, r.size());
    return detail::fetch_scalar(r.data() + offset, k);
}

/// Writes v as a scalar of kind k at r[offset] (any alignment), after checking it
/// fits: throws bad_argument for a value out of range, a fraction stored into an
/// integer, a bool into a number or a number into a bool; out_of_range if the field
/// does not lie inside r. Nothing is written when it throws.
inline void write_scalar(region r, std::size_t offset, scalar_kind k, const scalar_value& v) {
    const std::size_t n = scalar_size(k);
    if (offset > r.size() || n > r.size() - offset)
        detail::throw_scalar_outside("write_scalar", offset, k, r.size());
    detail::store_scalar(r.data() + offset, k, v, "write_scalar", {});
}

/// A scalar_value as the C++ arithmetic type T, checked the same way as a write.
template <class T>
    requires std::is_arithmetic_v<T>
[[nodiscard]] T scalar_cast(const scalar_value& v) {
    return detail::convert_scalar<T>(v, "scalar_cast", scalar_name(scalar_kind_of<T>()));
}

/// A C++ arithmetic value (or enum, or pointer) as a scalar_value.
template <class T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_pointer_v<T>
[[nodiscard]] scalar_value to_scalar(T x) noexcept {
    if constexpr (std::is_pointer_v<T>)
        return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(x));
    else if constexpr (std::is_enum_v<T>)
        return detail::widen_scalar(static_cast<std::underlying_type_t<T>>(x));
    else
        return detail::widen_scalar(x);
}

}  // namespace memreg
