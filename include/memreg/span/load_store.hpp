// memreg/span/load_store.hpp — load<T> and store<T>: one value at any byte offset,
// in any byte order. memcpy for the access (the compiler turns it into one move,
// unaligned or not) and a byte swap instruction for foreign byte order.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

/// A value load/store can change the byte order of: an integer, enum or float of
/// 1, 2, 4 or 8 bytes.
template <class T>
concept byte_order_value =
    (std::is_arithmetic_v<T> || std::is_enum_v<T>) && !std::is_same_v<T, bool> &&
    (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);

namespace detail {

template <std::size_t N>
using unsigned_of_size = std::conditional_t<
    N == 1, std::uint8_t,
    std::conditional_t<N == 2, std::uint16_t, std::conditional_t<N == 4, std::uint32_t, std::uint64_t>>>;

/// std::byteswap where the library has it (C++23), the compiler's builtin otherwise:
/// both are one bswap/rev instruction.
template <class U>
[[nodiscard]] constexpr U byteswap_unsigned(U x) noexcept {
#if defined(__cpp_lib_byteswap)
    return std::byteswap(x);
#else
    if constexpr (sizeof(U) == 1) return x;
    else if constexpr (sizeof(U) == 2) return __builtin_bswap16(x);
    else if constexpr (sizeof(U) == 4) return __builtin_bswap32(x);
    else return __builtin_bswap64(x);
#endif
}

/// x with its bytes in `order` (from native) or back (the swap is its own inverse).
template <byte_order_value T>
[[nodiscard]] constexpr T to_order(T x, std::endian order) noexcept {
    if (order == std::endian::native || sizeof(T) == 1) return x;
    using U = unsigned_of_size<sizeof(T)>;
    return std::bit_cast<T>(byteswap_unsigned(std::bit_cast<U>(x)));
}

}  // namespace detail

/// The T stored at r[offset], at any alignment. Throws out_of_range if the
/// sizeof(T) bytes do not all lie inside r.
template <class T>
    requires std::is_trivially_copyable_v<T>
[[nodiscard]] T load(const_region r, std::size_t offset) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("load", offset, sizeof(T), r.size());
    T value;
    std::memcpy(&value, r.data() + offset, sizeof(T));
    return value;
}

/// The T stored at r[offset] in byte order `order` (std::endian::big for network
/// order), at any alignment.
template <byte_order_value T>
[[nodiscard]] T load(const_region r, std::size_t offset, std::endian order) {
    return detail::to_order(load<T>(r, offset), order);
}

/// Stores value at r[offset], at any alignment. Throws out_of_range (writing
/// nothing) if the bytes do not all lie inside r.
template <class T>
    requires std::is_trivially_copyable_v<T>
void store(region r, std::size_t offset, const T& value) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("store", offset, sizeof(T), r.size());
    std::memcpy(r.data() + offset, &value, sizeof(T));
}

/// Stores value at r[offset] in byte order `order`.
template <byte_order_value T>
void store(region r, std::size_t offset, T value, std::endian order) {
    store<T>(r, offset, detail::to_order(value, order));
}

}  // namespace memreg
