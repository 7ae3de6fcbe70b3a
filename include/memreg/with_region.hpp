// memreg/with_region.hpp — a region of any range for the length of one call.
//
// with_region(x, f) calls f with to_region(x) when x has stable contiguous bytes,
// and otherwise (std::deque, std::list, views) with a buffer the elements are
// copied into, and back out of for a writable range, so no write is lost.
#pragma once

#include <algorithm>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "to_region.hpp"

namespace memreg {

namespace detail {

/// An input range whose elements can be copied byte-wise into a buffer.
template <class R>
concept copyable_input = std::ranges::input_range<R> &&
                         std::is_trivially_copyable_v<std::ranges::range_value_t<R>>;

/// A range whose elements can be assigned back after the call (not for const ranges,
/// single-pass ranges or rvalues, whose changes nobody could see).
template <class R>
concept writable_back =
    std::is_lvalue_reference_v<R> && std::ranges::forward_range<R> &&
    std::ranges::output_range<std::remove_reference_t<R>, std::ranges::range_value_t<R>>;

}  // namespace detail

/// Calls f with a region of x and returns what f returns. Works on everything
/// to_region() accepts, and also on non-contiguous or unstable ranges (std::deque,
/// std::list, views): their elements are copied into a temporary buffer, f runs
/// on it, and for a non-const lvalue range the buffer is copied back — also when f
/// throws, so no write is lost. The region must not escape f.
template <class T, class F>
    requires region_convertible<T> || detail::copyable_input<T>
decltype(auto) with_region(T&& x, F&& f) {
    if constexpr (region_convertible<T>) {
        return std::forward<F>(f)(to_region(std::forward<T>(x)));
    } else {
        using element = std::ranges::range_value_t<T>;
        std::vector<element> buffer;
        if constexpr (std::ranges::sized_range<T>) buffer.reserve(std::ranges::size(x));
        for (auto&& e : x) buffer.push_back(e);

        if constexpr (detail::writable_back<T>) {
            struct copy_back {
                std::remove_reference_t<T>& target;
                std::vector<element>& source;
                ~copy_back() { std::ranges::copy(source, std::ranges::begin(target)); }
            } guard{x, buffer};
            return std::forward<F>(f)(detail::region_of_range(buffer));
        } else {
            const auto& frozen = buffer;
            return std::forward<F>(f)(detail::region_of_range(frozen));
        }
    }
}

}  // namespace memreg
