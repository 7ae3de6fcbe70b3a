// memreg/byte_order.hpp — the one place that turns values into bytes in a given
// byte order and back: spans (load/store, unaligned_span), pack and the Lua
// binding's scalars and buffer all go through it.
//
// The functions take raw pointers and check nothing: callers check the range
// first (load_store.hpp does, for regions). The byte shuffling is Boost.Endian's
// endian_load / endian_store: a memcpy (one move at any alignment) plus a byte
// swap instruction when the order is foreign.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include <boost/endian/conversion.hpp>

namespace memreg {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "memreg needs a little- or big-endian machine");

/// A value whose byte order can change: an integer, enum or float of 1, 2, 4 or 8
/// bytes.
template <class T>
concept byte_order_value =
    (std::is_arithmetic_v<T> || std::is_enum_v<T>) && !std::is_same_v<T, bool> &&
    (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);

namespace detail {

inline const unsigned char* as_uchars(const std::byte* p) noexcept {
    return reinterpret_cast<const unsigned char*>(p);
}
inline unsigned char* as_uchars(std::byte* p) noexcept {
    return reinterpret_cast<unsigned char*>(p);
}

/// The T in the sizeof(T) bytes at p (any alignment), stored in byte order
/// `order`. Types whose order cannot change (structs, bool) are copied as they are.
template <class T>
    requires std::is_trivially_copyable_v<T>
[[nodiscard]] T load_bytes(const std::byte* p, std::endian order) noexcept {
    if constexpr (byte_order_value<T>) {
        using boost::endian::endian_load;
        if (order == std::endian::big)
            return endian_load<T, sizeof(T), boost::endian::order::big>(as_uchars(p));
        return endian_load<T, sizeof(T), boost::endian::order::little>(as_uchars(p));
    } else {
        T value;
        std::memcpy(&value, p, sizeof(T));
        return value;
    }
}

/// Stores value's sizeof(T) bytes at p (any alignment) in byte order `order`.
template <class T>
    requires std::is_trivially_copyable_v<T>
void store_bytes(std::byte* p, const T& value, std::endian order) noexcept {
    if constexpr (byte_order_value<T>) {
        using boost::endian::endian_store;
        if (order == std::endian::big)
            endian_store<T, sizeof(T), boost::endian::order::big>(as_uchars(p), value);
        else
            endian_store<T, sizeof(T), boost::endian::order::little>(as_uchars(p), value);
    } else {
        std::memcpy(p, &value, sizeof(T));
    }
}

template <std::size_t Size>
std::uint64_t load_unsigned_of(const std::byte* p, std::endian order) noexcept {
    using boost::endian::endian_load;
    if (order == std::endian::big)
        return endian_load<std::uint64_t, Size, boost::endian::order::big>(as_uchars(p));
    return endian_load<std::uint64_t, Size, boost::endian::order::little>(as_uchars(p));
}

template <std::size_t Size>
void store_unsigned_of(std::byte* p, std::uint64_t value, std::endian order) noexcept {
    using boost::endian::endian_store;
    if (order == std::endian::big)
        endian_store<std::uint64_t, Size, boost::endian::order::big>(as_uchars(p), value);
    else
        endian_store<std::uint64_t, Size, boost::endian::order::little>(as_uchars(p), value);
}

/// The unsigned integer in the `size` bytes (1 to 8) at p, in byte order `order`.
[[nodiscard]] inline std::uint64_t load_unsigned(const std::byte* p, std::size_t size,
                                                 std::endian order) noexcept {
    switch (size) {
        case 1: return load_unsigned_of<1>(p, order);
        case 2: return load_unsigned_of<2>(p, order);
        case 3: return load_unsigned_of<3>(p, order);
        case 4: return load_unsigned_of<4>(p, order);
        case 5: return load_unsigned_of<5>(p, order);
        case 6: return load_unsigned_of<6>(p, order);
        case 7: return load_unsigned_of<7>(p, order);
        default: return load_unsigned_of<8>(p, order);
    }
}

/// Stores the low `size` bytes (1 to 8) of value at p in byte order `order`.
inline void store_unsigned(std::byte* p, std::uint64_t value, std::size_t size,
                           std::endian order) noexcept {
    switch (size) {
        case 1: return store_unsigned_of<1>(p, value, order);
        case 2: return store_unsigned_of<2>(p, value, order);
        case 3: return store_unsigned_of<3>(p, value, order);
        case 4: return store_unsigned_of<4>(p, value, order);
        case 5: return store_unsigned_of<5>(p, value, order);
        case 6: return store_unsigned_of<6>(p, value, order);
        case 7: return store_unsigned_of<7>(p, value, order);
        default: return store_unsigned_of<8>(p, value, order);
    }
}

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
}  // namespace memreg
