// memreg/to_region.hpp — anything with stable contiguous bytes as a region.
//
// to_region(x) is x itself for a region, x.region(), an ADL memreg_to_region(x),
// or the bytes of a contiguous range of trivially copyable elements; the concepts
// say which arguments the checked operations accept and which they may write to.
// bytes_of(object) is the region of one trivially copyable object.
#pragma once

#include <cstddef>
#include <concepts>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

#include "region.hpp"

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

}  // namespace memreg
