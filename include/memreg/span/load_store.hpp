// memreg/span/load_store.hpp — load<T> and store<T>: one value at any byte offset
// of a region, in any byte order, bounds checked. The byte order itself is
// byte_order.hpp's.
#pragma once

#include <bit>
#include <cstddef>
#include <type_traits>

#include "../byte_order.hpp"
#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

/// The T stored at r[offset], at any alignment. Throws out_of_range if the
/// sizeof(T) bytes do not all lie inside r.
template <class T>
    requires std::is_trivially_copyable_v<T>
[[nodiscard]] T load(const_region r, std::size_t offset) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("load", offset, sizeof(T), r.size());
    return detail::load_bytes<T>(r.data() + offset, std::endian::native);
}

/// The T stored at r[offset] in byte order `order` (std::endian::big for network
/// order), at any alignment. Only for values whose byte order can change.
template <byte_order_value T>
[[nodiscard]] T load(const_region r, std::size_t offset, std::endian order) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("load", offset, sizeof(T), r.size());
    return detail::load_bytes<T>(r.data() + offset, order);
}

/// Stores value at r[offset], at any alignment. Throws out_of_range (writing
/// nothing) if the bytes do not all lie inside r.
template <class T>
    requires std::is_trivially_copyable_v<T>
void store(region r, std::size_t offset, const T& value) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("store", offset, sizeof(T), r.size());
    detail::store_bytes<T>(r.data() + offset, value, std::endian::native);
}

/// Stores value at r[offset] in byte order `order`.
template <byte_order_value T>
void store(region r, std::size_t offset, T value, std::endian order) {
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("store", offset, sizeof(T), r.size());
    detail::store_bytes<T>(r.data() + offset, value, order);
}

}  // namespace memreg
