// memreg/span.hpp — a region as typed elements.
//
// as_span<T>(r) is a std::span<T> over the region's bytes, after checking that the
// address is aligned for T and the size is a whole number of T (as_span_truncating
// drops a partial last element instead). load<T>/store<T> read and write one value
// at any offset and byte order; unaligned_span<T> is a range of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "error.hpp"
#include "region.hpp"
#include "to_region.hpp"
#include "span/load_store.hpp"
#include "span/unaligned_span.hpp"

namespace memreg {

/// An element type a region can be viewed as: trivially copyable, and const when
/// the region is a const_region.
template <class T, class Byte>
concept span_element_for = std::is_trivially_copyable_v<std::remove_const_t<T>> &&
                           !std::is_volatile_v<T> &&
                           (std::is_const_v<T> || !std::is_const_v<Byte>);

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_misaligned(const char* operation,
                                                                    const void* address,
                                                                    std::size_t size,
                                                                    std::size_t alignment) {
    MEMREG_THROW(bad_alignment(message(operation)
                                   .arg("size", size)
                                   .arg("alignment", alignment)
                                   .because("address ", address, " is not a multiple of the alignment")));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_not_multiple(const char* operation,
                                                                      std::size_t size,
                                                                      std::size_t element) {
    MEMREG_THROW(bad_argument(message(operation)
                                  .arg("size", size)
                                  .arg("element_size", element)
                                  .because("size is not a multiple of the element size")));
}

template <class T, class Byte>
[[nodiscard]] std::span<T> span_of(basic_region<Byte> r, std::size_t count) noexcept {
    using byte_type_t = std::conditional_t<std::is_const_v<T>, const std::byte, std::byte>;
    byte_type_t* bytes = r.data();
    // Trivially copyable elements in storage the caller provides: the bytes are
    // taken to be the objects (the memory-regions contract), as with a read() into
    // a buffer.
    return {std::launder(reinterpret_cast<T*>(bytes)), count};
}

}  // namespace detail

/// The region's bytes as elements of T. Throws bad_alignment if the address is not
/// a multiple of alignof(T), bad_argument if the size is not a multiple of sizeof(T).
template <class T, byte_type Byte>
    requires span_element_for<T, Byte>
[[nodiscard]] std::span<T> as_span(basic_region<Byte> r) {
    if (reinterpret_cast<std::uintptr_t>(r.data()) % alignof(T) != 0)
        detail::throw_misaligned("as_span", r.data(), r.size(), alignof(T));
    if (r.size() % sizeof(T) != 0) detail::throw_not_multiple("as_span", r.size(), sizeof(T));
    return detail::span_of<T>(r, r.size() / sizeof(T));
}

/// Like as_span, but a partial element at the end is left out instead of refused.
template <class T, byte_type Byte>
    requires span_element_for<T, Byte>
[[nodiscard]] std::span<T> as_span_truncating(basic_region<Byte> r) {
    if (reinterpret_cast<std::uintptr_t>(r.data()) % alignof(T) != 0)
        detail::throw_misaligned("as_span_truncating", r.data(), r.size(), alignof(T));
    return detail::span_of<T>(r, r.size() / sizeof(T));
}

/// as_span of anything to_region takes (a vector of bytes, a std::array, ...).
template <class T, class R>
    requires(region_convertible<R> && !region_type<R>)
[[nodiscard]] std::span<T> as_span(R&& x) {
    const auto r = to_region(std::forward<R>(x));
    return as_span<T>(r);
}

}  // namespace memreg
