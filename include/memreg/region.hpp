// memreg/region.hpp — the memory region: a pointer and a size, checked.
//
// basic_region<Byte> is a non-owning view of bytes someone else owns, like
// std::span<std::byte>, with checked slicing that names the numbers when it fails.
// The region alone: to_region() (anything with stable contiguous storage as a
// region) is in to_region.hpp, with_region() in with_region.hpp, so that this
// header, which every other one includes, stays cheap.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>  // the smallest standard header declaring std::ranges::enable_borrowed_range
#include <type_traits>

#include "error.hpp"

/// Debug-build check for the unchecked accessors (operator[], unchecked
/// constructors). Define MEMREG_ASSERT before including memreg to route it elsewhere.
#ifndef MEMREG_ASSERT
#define MEMREG_ASSERT(condition) assert(condition)
#endif

namespace memreg {

template <class Byte>
concept byte_type = std::is_same_v<std::remove_const_t<Byte>, std::byte>;

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
