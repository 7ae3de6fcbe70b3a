// memreg/span/unaligned_span.hpp — a random-access range of T over packed bytes
// that need not be aligned for T, optionally in a foreign byte order.
//
// Elements cannot be handed out as T& (the address may be misaligned, the bytes
// swapped), so the range's reference type is a proxy, unaligned_ref, that loads
// on conversion to T and stores on assignment. Standard algorithms that work with
// proxy iterators (std::ranges::sort, copy, find, ...) work on it.
#pragma once

#include <bit>
#include <compare>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <type_traits>

#include "../error.hpp"
#include "../region.hpp"
#include "load_store.hpp"

namespace memreg {

namespace detail {
template <class T>
using region_for = std::conditional_t<std::is_const_v<T>, const_region, region>;
template <class T>
using byte_for = std::conditional_t<std::is_const_v<T>, const std::byte, std::byte>;
}  // namespace detail

/// A reference to one element of an unaligned_span: converts to T, assigns from T.
template <class T, std::endian Order = std::endian::native>
class unaligned_ref {
public:
    using value_type = std::remove_const_t<T>;

    explicit unaligned_ref(detail::byte_for<T>* p) noexcept : p_(p) {}

    operator value_type() const noexcept {  // NOLINT(google-explicit-constructor): a reference
        return detail::load_bytes<value_type>(p_, Order);
    }
    [[nodiscard]] value_type get() const noexcept { return *this; }

    const unaligned_ref& operator=(const value_type& v) const noexcept
        requires(!std::is_const_v<T>)
    {
        detail::store_bytes<value_type>(p_, v, Order);
        return *this;
    }
    /// Assigns the referred value, as T& would (it does not rebind).
    const unaligned_ref& operator=(const unaligned_ref& other) const noexcept
        requires(!std::is_const_v<T>)
    {
        return *this = other.get();
    }
    unaligned_ref(const unaligned_ref&) noexcept = default;

    friend void swap(const unaligned_ref& a, const unaligned_ref& b) noexcept
        requires(!std::is_const_v<T>)
    {
        const value_type t = a.get();
        a = b.get();
        b = t;
    }

private:
    detail::byte_for<T>* p_;
};

template <class T, std::endian Order = std::endian::native>
class unaligned_span {
public:
    using value_type = std::remove_const_t<T>;
    using element_type = T;
    using reference = unaligned_ref<T, Order>;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;

    class iterator {
    public:
        using iterator_concept = std::random_access_iterator_tag;
        using iterator_category = std::input_iterator_tag;  // proxies are not C++17 forward
        using value_type = unaligned_span::value_type;
        using difference_type = std::ptrdiff_t;
        using reference = unaligned_span::reference;

        iterator() noexcept = default;
        explicit iterator(detail::byte_for<T>* p) noexcept : p_(p) {}

        reference operator*() const noexcept { return reference(p_); }
        reference operator[](difference_type n) const noexcept { return *(*this + n); }
        iterator& operator++() noexcept { p_ += sizeof(value_type); return *this; }
        iterator operator++(int) noexcept { iterator t = *this; ++*this; return t; }
        iterator& operator--() noexcept { p_ -= sizeof(value_type); return *this; }
        iterator operator--(int) noexcept { iterator t = *this; --*this; return t; }
        iterator& operator+=(difference_type n) noexcept {
            p_ += n * static_cast<difference_type>(sizeof(value_type));
            return *this;
        }
        iterator& operator-=(difference_type n) noexcept { return *this += -n; }
        friend iterator operator+(iterator i, difference_type n) noexcept { return i += n; }
        friend iterator operator+(difference_type n, iterator i) noexcept { return i += n; }
        friend iterator operator-(iterator i, difference_type n) noexcept { return i -= n; }
        friend difference_type operator-(const iterator& a, const iterator& b) noexcept {
            return (a.p_ - b.p_) / static_cast<difference_type>(sizeof(value_type));
        }
        friend bool operator==(const iterator&, const iterator&) noexcept = default;
        friend auto operator<=>(const iterator&, const iterator&) noexcept = default;

        friend value_type iter_move(const iterator& i) noexcept { return (*i).get(); }
        friend void iter_swap(const iterator& a, const iterator& b) noexcept
            requires(!std::is_const_v<T>)
        {
            swap(*a, *b);
        }

    private:
        detail::byte_for<T>* p_ = nullptr;
    };

    unaligned_span() noexcept = default;

    /// The elements of r, which must hold a whole number of them (else bad_argument).
    explicit unaligned_span(detail::region_for<T> r) : unaligned_span(r, false) {}

    /// Drops a partial element at the end instead of refusing it.
    [[nodiscard]] static unaligned_span truncating(detail::region_for<T> r) noexcept {
        return unaligned_span(r, true);
    }

    [[nodiscard]] size_type size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] iterator begin() const noexcept { return iterator(data_); }
    [[nodiscard]] iterator end() const noexcept { return iterator(data_ + size_ * sizeof(value_type)); }

    /// Unchecked (asserts in debug builds), like std::span.
    [[nodiscard]] reference operator[](size_type i) const noexcept {
        MEMREG_ASSERT(i < size_);
        return reference(data_ + i * sizeof(value_type));
    }
    [[nodiscard]] reference at(size_type i) const {
        if (i >= size_) detail::throw_index("unaligned_span::at", i, size_);
        return (*this)[i];
    }

private:
    unaligned_span(detail::region_for<T> r, bool truncate) : data_(r.data()) {
        if (!truncate && r.size() % sizeof(value_type) != 0)
            MEMREG_THROW(bad_argument(detail::message("unaligned_span")
                                          .arg("size", r.size())
                                          .arg("element_size", sizeof(value_type))
                                          .because("size is not a multiple of the element size")));
        size_ = r.size() / sizeof(value_type);
    }

    detail::byte_for<T>* data_ = nullptr;
    size_type size_ = 0;
};

}  // namespace memreg

// A standard library specialization, not memreg API (Doxygen cannot place it).
//! \cond
template <class T, std::endian O>
inline constexpr bool std::ranges::enable_borrowed_range<memreg::unaligned_span<T, O>> = true;
//! \endcond

// The proxy and T share T as their common reference, so the iterator models
// std::indirectly_readable and the span is a std::ranges::random_access_range.
template <class T, std::endian O, template <class> class TQ, template <class> class UQ>
struct std::basic_common_reference<memreg::unaligned_ref<T, O>, std::remove_const_t<T>, TQ, UQ> {
    using type = std::remove_const_t<T>;
};
template <class T, std::endian O, template <class> class TQ, template <class> class UQ>
struct std::basic_common_reference<std::remove_const_t<T>, memreg::unaligned_ref<T, O>, TQ, UQ> {
    using type = std::remove_const_t<T>;
};
