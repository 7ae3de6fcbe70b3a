// memreg/view/typed.hpp — view<T> and view_array<T>: C++ objects in a region,
// after size and alignment checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>

#include "../error.hpp"
#include "../region.hpp"
#include "../span.hpp"

namespace memreg {

/// The T at r[offset]: T& for a region, const T& for a const_region. Throws
/// out_of_range if sizeof(T) bytes do not fit at offset, bad_alignment if the
/// address is not a multiple of alignof(T). T must be trivially copyable: its bytes
/// in the region are taken to be the object, as with memory read from a file.
template <class T, byte_type Byte>
    requires span_element_for<T, Byte> || span_element_for<const T, Byte>
[[nodiscard]] auto& view(basic_region<Byte> r, std::size_t offset = 0) {
    using U = std::conditional_t<std::is_const_v<Byte>, const T, T>;
    if (offset > r.size() || sizeof(T) > r.size() - offset)
        detail::throw_outside("view", offset, sizeof(T), r.size());
    Byte* p = r.data() + offset;
    if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0)
        detail::throw_misaligned("view", p, sizeof(T), alignof(T));
    return *std::launder(reinterpret_cast<U*>(p));
}

/// count objects of T starting at r[offset], as a std::span (const elements for a
/// const_region); checked like view<T>.
template <class T, byte_type Byte>
    requires span_element_for<T, Byte> || span_element_for<const T, Byte>
[[nodiscard]] auto view_array(basic_region<Byte> r, std::size_t offset, std::size_t count) {
    using U = std::conditional_t<std::is_const_v<Byte>, const T, T>;
    if (count > SIZE_MAX / sizeof(T) || offset > r.size() || count * sizeof(T) > r.size() - offset)
        MEMREG_THROW(out_of_range(detail::message("view_array")
                                      .arg("offset", offset)
                                      .arg("count", count)
                                      .arg("element_size", sizeof(T))
                                      .because("outside region of size ", r.size())));
    return as_span<U>(r.subregion(offset, count * sizeof(T)));
}

}  // namespace memreg
