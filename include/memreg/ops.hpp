// memreg/ops.hpp — whole-region operations at memset/memmove/memcmp speed.
//
// Each takes anything to_region() accepts; copy() also takes what only
// with_region() accepts as its source (std::deque, std::list, views). Each is
// noexcept unless to_region of an argument can throw.
#pragma once

#include <compare>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "region.hpp"
#include "to_region.hpp"
#include "with_region.hpp"

namespace memreg {

namespace detail {

inline std::string_view chars_of(const_region r) noexcept {
    return {reinterpret_cast<const char*>(r.data()), r.size()};
}

}  // namespace detail

/// Sets every byte of dst to zero.
template <writable_region_convertible R>
void clear(R&& dst) noexcept(nothrow_region_convertible<R>) {
    const region r = to_region(std::forward<R>(dst));
    if (!r.empty()) std::memset(r.data(), 0, r.size());
}

/// Sets every byte of dst to value.
template <writable_region_convertible R>
void fill(R&& dst, std::byte value) noexcept(nothrow_region_convertible<R>) {
    const region r = to_region(std::forward<R>(dst));
    if (!r.empty()) std::memset(r.data(), std::to_integer<unsigned char>(value), r.size());
}

/// Repeats pattern over dst (the last repetition may be cut short). An empty
/// pattern leaves dst as it is.
template <writable_region_convertible R, region_convertible P>
void fill(R&& dst, P&& pattern) noexcept(nothrow_region_convertible<R> && nothrow_region_convertible<P>) {
    const region r = to_region(std::forward<R>(dst));
    const const_region p = to_region(std::forward<P>(pattern));
    if (p.empty() || r.empty()) return;
    // Copy the pattern once, then double the filled prefix: log2(n) memcpy calls.
    std::size_t filled = std::min(p.size(), r.size());
    std::memmove(r.data(), p.data(), filled);
    while (filled < r.size()) {
        const std::size_t step = std::min(filled, r.size() - filled);
        std::memcpy(r.data() + filled, r.data(), step);
        filled += step;
    }
}

/// Copies src into dst; the two may overlap. Copies min(dst size, src size) bytes
/// and returns that count. src may be anything with_region() accepts.
template <writable_region_convertible D, class S>
std::size_t copy(D&& dst, S&& src) {
    const region to = to_region(std::forward<D>(dst));
    return with_region(std::forward<S>(src), [to](const_region from) noexcept {
        const std::size_t count = std::min(to.size(), from.size());
        if (count != 0) std::memmove(to.data(), from.data(), count);
        return count;
    });
}

/// The name of copy() in memreg 0.x.
template <writable_region_convertible D, class S>
[[deprecated("use memreg::copy")]] std::size_t replace(D&& dst, S&& src) {
    return copy(std::forward<D>(dst), std::forward<S>(src));
}

/// Same size and same bytes.
template <region_convertible A, region_convertible B>
[[nodiscard]] bool equal(A&& a, B&& b) noexcept(nothrow_region_convertible<A> && nothrow_region_convertible<B>) {
    return detail::chars_of(to_region(std::forward<A>(a))) ==
           detail::chars_of(to_region(std::forward<B>(b)));
}

/// Lexicographic order of the bytes as unsigned values; a proper prefix is less.
template <region_convertible A, region_convertible B>
[[nodiscard]] std::strong_ordering compare(A&& a, B&& b) noexcept(nothrow_region_convertible<A> &&
                                                                     nothrow_region_convertible<B>) {
    // char_traits<char>::compare works as memcmp does: on unsigned byte values.
    const int c = detail::chars_of(to_region(std::forward<A>(a)))
                      .compare(detail::chars_of(to_region(std::forward<B>(b))));
    return c <=> 0;
}

/// Offset of the first occurrence of needle in haystack at or after `from`, or
/// nothing. An empty needle is found at `from` (if from <= size).
template <region_convertible H, region_convertible N>
[[nodiscard]] std::optional<std::size_t> find(H&& haystack, N&& needle, std::size_t from = 0) noexcept(
    nothrow_region_convertible<H> && nothrow_region_convertible<N>) {
    const auto at = detail::chars_of(to_region(std::forward<H>(haystack)))
                        .find(detail::chars_of(to_region(std::forward<N>(needle))), from);
    if (at == std::string_view::npos) return std::nullopt;
    return at;
}

/// Offset of the first byte equal to value at or after `from`, or nothing.
template <region_convertible H>
[[nodiscard]] std::optional<std::size_t> find(H&& haystack, std::byte value,
                                              std::size_t from = 0) noexcept(nothrow_region_convertible<H>) {
    const auto at = detail::chars_of(to_region(std::forward<H>(haystack)))
                        .find(static_cast<char>(value), from);
    if (at == std::string_view::npos) return std::nullopt;
    return at;
}

}  // namespace memreg
