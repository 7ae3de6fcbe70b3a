// memreg/region.hpp — the memory region: a pointer and a size, checked.
//
// basic_region<Byte> is a non-owning view of bytes someone else owns, like
// std::span<std::byte>, with checked slicing that names the numbers when it fails.
// to_region() turns anything with stable contiguous storage into a region;
// with_region() also takes non-contiguous ranges by copying them in and out for
// the length of one call.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <concepts>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"

/// Debug-build check for the unchecked accessors (operator[], unchecked
/// constructors). Define MEMREG_ASSERT before including memreg to route it elsewhere.
#ifndef MEMREG_ASSERT
#define MEMREG_ASSERT(condition) assert(condition)
#endif

namespace memreg {

template <class Byte>
concept byte_type = std::same_as<std::remove_const_t<Byte>, std::byte>;

template <byte_type Byte>
class basic_region {
public:
    using element_type = Byte;
    using value_type = std::byte;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using pointer = Byte*;
    using reference = Byte&;
    using iterator = Byte*;
    /// void* for a mutable region, const void* for a const one (for C interop).
    using void_pointer = std::conditional_t<std::is_const_v<Byte>, const void*, void*>;

    constexpr basic_region() noexcept = default;

    /// Trusts the caller: [data, data + size) must be memory the caller may use.
    constexpr basic_region(pointer data, size_type size) noexcept : data_(data), size_(size) {
        MEMREG_ASSERT(data != nullptr || size == 0);
    }
    basic_region(void_pointer data, size_type size) noexcept
        : basic_region(static_cast<pointer>(data), size) {}

    /// A region converts to a const_region, never the other way.
    template <byte_type Other>
        requires(std::is_const_v<Byte> && !std::is_const_v<Other>)
    constexpr basic_region(basic_region<Other> other) noexcept  // NOLINT(google-explicit-constructor)
        : data_(other.data()), size_(other.size()) {}

    [[nodiscard]] constexpr pointer data() const noexcept { return data_; }
    [[nodiscard]] constexpr size_type size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] constexpr iterator begin() const noexcept { return data_; }
    [[nodiscard]] constexpr iterator end() const noexcept { return data_ + size_; }

    /// Unchecked; asserts in debug builds. Use at() where the index is untrusted.
    [[nodiscard]] constexpr reference operator[](size_type index) const noexcept {
        MEMREG_ASSERT(index < size_);
        return data_[index];
    }

    [[nodiscard]] constexpr reference at(size_type index) const {
        if (index >= size_) detail::throw_index("at", index, size_);
        return data_[index];
    }

    /// The count bytes starting at offset; throws out_of_range if they do not all lie
    /// inside this region (offset + count is never computed, so it cannot wrap).
    [[nodiscard]] constexpr basic_region subregion(size_type offset, size_type count) const {
        if (offset > size_ || count > size_ - offset)
            detail::throw_outside("subregion", offset, count, size_);
        return {data_ + offset, count};
    }
    /// Everything from offset to the end.
    [[nodiscard]] constexpr basic_region subregion(size_type offset) const {
        if (offset > size_) detail::throw_outside("subregion", offset, 0, size_);
        return {data_ + offset, size_ - offset};
    }
    [[nodiscard]] constexpr basic_region first(size_type count) const {
        if (count > size_) detail::throw_count("first", count, size_);
        return {data_, count};
    }
    [[nodiscard]] constexpr basic_region last(size_type count) const {
        if (count > size_) detail::throw_count("last", count, size_);
        return {data_ + (size_ - count), count};
    }

    /// True if every byte of `inner` lies inside this region.
    [[nodiscard]] bool contains(basic_region<const std::byte> inner) const noexcept {
        const auto lo = reinterpret_cast<std::uintptr_t>(data_);
        const auto p = reinterpret_cast<std::uintptr_t>(inner.data());
        return p >= lo && p - lo <= size_ && inner.size() <= size_ - (p - lo);
    }

private:
    pointer data_ = nullptr;
    size_type size_ = 0;
};

using region = basic_region<std::byte>;
using const_region = basic_region<const std::byte>;

template <class T>
inline constexpr bool is_region_v = false;
template <class Byte>
inline constexpr bool is_region_v<basic_region<Byte>> = true;

template <class T>
concept region_type = is_region_v<std::remove_cvref_t<T>>;

}  // namespace memreg

// A standard library specialization, not memreg API (Doxygen cannot place it).
//! \cond
template <class Byte>
inline constexpr bool std::ranges::enable_borrowed_range<memreg::basic_region<Byte>> = true;
//! \endcond

namespace memreg {
namespace detail {

/// A contiguous, sized range of trivially copyable elements: its bytes are a region.
template <class R>
concept contiguous_bytes = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                           std::is_trivially_copyable_v<std::ranges::range_value_t<R>>;

template <class T>
concept has_region_member = requires(T& t) {
    { t.region() } -> region_type;
};

template <class T>
concept has_region_adl = requires(T& t) {
    { memreg_to_region(t) } -> region_type;
};

/// The region of a contiguous range, const if its elements are const.
template <class R>
auto region_of_range(R& range) {
    auto* first = std::ranges::data(range);
    using element = std::remove_pointer_t<decltype(first)>;
    const std::size_t bytes = std::ranges::size(range) * sizeof(element);
    if constexpr (std::is_const_v<element>)
        return const_region(reinterpret_cast<const std::byte*>(first), bytes);
    else
        return region(reinterpret_cast<std::byte*>(first), bytes);
}

/// An rvalue owner would leave the region dangling: only regions and borrowed
/// ranges (std::span, string_view) may be passed as temporaries.
template <class T>
concept safe_to_view = std::is_lvalue_reference_v<T> || region_type<T> ||
                       std::ranges::borrowed_range<T>;

template <class T>
concept convertible_to_region =
    region_type<T> || has_region_member<std::remove_reference_t<T>> ||
    has_region_adl<std::remove_reference_t<T>> || contiguous_bytes<std::remove_reference_t<T>>;

struct to_region_fn {
    /// The region of x: a region itself, x.region(), an ADL memreg_to_region(x),
    /// or the bytes of a contiguous range of trivially copyable elements.
    template <class T>
        requires convertible_to_region<T> && safe_to_view<T>
    auto operator()(T&& x) const noexcept(nothrow<T>()) {
        if constexpr (region_type<T>)
            return x;
        else if constexpr (has_region_member<std::remove_reference_t<T>>)
            return x.region();
        else if constexpr (has_region_adl<std::remove_reference_t<T>>)
            return memreg_to_region(x);
        else
            return region_of_range(x);
    }

private:
    /// Only a region() member or memreg_to_region of the type's own can throw
    /// (the deprecated runtime-mode mapped_file's does).
    template <class T>
    static constexpr bool nothrow() noexcept {
        using U = std::remove_reference_t<T>;
        if constexpr (region_type<T>)
            return true;
        else if constexpr (has_region_member<U>)
            return noexcept(std::declval<U&>().region());
        else if constexpr (has_region_adl<U>)
            return noexcept(memreg_to_region(std::declval<U&>()));
        else
            return true;
    }
};

}  // namespace detail

/// Customization point: the region of anything with stable contiguous bytes.
/// Const input gives a const_region. Temporaries that own their memory are refused.
inline constexpr detail::to_region_fn to_region{};

template <class T>
concept region_convertible = requires(T&& x) { to_region(std::forward<T>(x)); };

/// to_region(x) is a mutable region: what clear, fill and copy may write to (a
/// const range or a read_only mapping is not).
template <class T>
concept writable_region_convertible =
    region_convertible<T> && std::same_as<decltype(to_region(std::declval<T>())), region>;

/// to_region(x) cannot throw: the noexcept operations of ops.hpp are noexcept for these.
template <class T>
concept nothrow_region_convertible = region_convertible<T> && noexcept(to_region(std::declval<T>()));

/// The bytes of one trivially copyable object.
template <class T>
    requires std::is_trivially_copyable_v<T>
[[nodiscard]] auto bytes_of(T& object) noexcept {
    if constexpr (std::is_const_v<T>)
        return const_region(reinterpret_cast<const std::byte*>(std::addressof(object)), sizeof(T));
    else
        return region(reinterpret_cast<std::byte*>(std::addressof(object)), sizeof(T));
}
template <class T>
void bytes_of(const T&&) = delete;  // the region would outlive the temporary

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
