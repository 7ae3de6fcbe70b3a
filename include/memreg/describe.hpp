// memreg/describe.hpp — layout_of<T>(): the runtime layout of a struct described
// with BOOST_DESCRIBE_STRUCT, so struct_view (and the Lua binding) can reach its
// fields by name.
//
// It is its own header, not part of view.hpp as DESIGN.md had it, so that views and
// layouts cost no Boost include; only this header needs Boost.Describe.
//
// The layout is computed with the C ABI rules from the described members and then
// checked against the compiler's own sizeof, alignof and member offsets: a
// description that leaves out a member (or a member attribute the rules cannot see)
// is refused with bad_argument rather than giving wrong offsets.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/describe/bases.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/mp11/algorithm.hpp>

#include "error.hpp"
#include "layout.hpp"

namespace memreg {

/// A class described with BOOST_DESCRIBE_STRUCT whose bytes can be viewed.
template <class T>
concept described_struct =
    std::is_class_v<T> && std::is_trivially_copyable_v<T> &&
    boost::describe::has_describe_members<T>::value;

namespace detail {

/// The compiler's spelling of T, from the function signature (gcc and clang both
/// write "[with T = name]" / "[T = name]").
template <class T>
std::string type_name() {
    const std::string_view s = __PRETTY_FUNCTION__;
    const std::size_t start = s.find("T = ");
    if (start == std::string_view::npos) return "struct <described>";
    const std::size_t stop = s.find_first_of(";]", start);
    return std::string(s.substr(start + 4, stop - start - 4));
}

template <class T>
struct is_std_array : std::false_type {};
template <class E, std::size_t N>
struct is_std_array<std::array<E, N>> : std::true_type {};

template <class T>
layout layout_of_described(std::string name);

/// The layout of a member of type M.
template <class M>
layout member_layout() {
    if constexpr (std::is_pointer_v<M>)
        return layout::pointer_to(type_name<std::remove_pointer_t<M>>());
    else if constexpr (std::is_arithmetic_v<M> || std::is_enum_v<M>)
        return layout::of_scalar(scalar_kind_of<M>());
    else if constexpr (std::is_array_v<M>)
        return layout::array_of(member_layout<std::remove_extent_t<M>>(), std::extent_v<M>);
    else if constexpr (is_std_array<M>::value)
        return layout::array_of(member_layout<typename M::value_type>(), std::tuple_size_v<M>);
    else if constexpr (described_struct<M>)
        return layout_of_described<M>(type_name<M>());
    else
        static_assert(described_struct<M>,
                      "layout_of: a member is neither a scalar, an array, nor a described struct");
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_describe_mismatch(
    const std::string& type, const std::string& what, std::size_t described, std::size_t actual) {
    MEMREG_THROW(bad_argument(message("layout_of")
                                  .arg("type", type)
                                  .because(what + " is " + std::to_string(described) +
                                           " from the described members but " + std::to_string(actual) +
                                           " in the compiler's layout; describe every member")));
}

template <class T>
layout layout_of_described(std::string name) {
    namespace bd = boost::describe;
    using members = bd::describe_members<T, bd::mod_public | bd::mod_protected | bd::mod_private>;
    using bases = bd::describe_bases<T, bd::mod_any_access>;

    // The natural alignment tells packing (alignof(T) smaller) and an aligned
    // attribute on the struct (larger) apart from the plain case.
    std::size_t natural = 1;
    boost::mp11::mp_for_each<members>([&](auto d) {
        using M = std::remove_cvref_t<decltype(std::declval<T&>().*d.pointer)>;
        natural = std::max(natural, member_layout<M>().alignment());
    });
    boost::mp11::mp_for_each<bases>([&](auto d) {
        using B = typename decltype(d)::type;
        natural = std::max(natural, alignof(B));
    });

    layout_builder builder(layout_kind::struct_, name);
    if (alignof(T) < natural) builder.pack(alignof(T));
    if (alignof(T) > natural) builder.align(alignof(T));
    // Base classes come first in memory; their fields are reached by their own names.
    boost::mp11::mp_for_each<bases>([&](auto d) {
        using B = typename decltype(d)::type;
        if constexpr (std::is_empty_v<B>) return;
        else builder.add({}, layout_of_described<B>(type_name<B>()));
    });
    boost::mp11::mp_for_each<members>([&](auto d) {
        using M = std::remove_cvref_t<decltype(std::declval<T&>().*d.pointer)>;
        builder.add(d.name, member_layout<M>());
    });
    const layout result = builder.build();

    if constexpr (std::is_default_constructible_v<T>) {
        const T object{};
        const auto* base = reinterpret_cast<const std::byte*>(&object);
        boost::mp11::mp_for_each<members>([&](auto d) {
            const auto* at = reinterpret_cast<const std::byte*>(&(object.*d.pointer));
            const auto actual = static_cast<std::size_t>(at - base);
            const std::size_t computed = result.offset_of(d.name);
            if (computed != actual)
                throw_describe_mismatch(name, std::string("the offset of ") + d.name, computed, actual);
        });
    }
    if (result.size() != sizeof(T)) throw_describe_mismatch(name, "the size", result.size(), sizeof(T));
    if (result.alignment() != alignof(T))
        throw_describe_mismatch(name, "the alignment", result.alignment(), alignof(T));
    return result;
}

}  // namespace detail

/// The runtime layout of T, a struct described with BOOST_DESCRIBE_STRUCT (its
/// members: scalars, enums, pointers, C arrays, std::arrays and described structs;
/// its described bases become anonymous members), named with the compiler's
/// spelling of T. Built once per T (layouts are immutable, so one is shared).
/// Throws bad_argument if the description does not account for T's size,
/// alignment or member offsets.
template <described_struct T>
[[nodiscard]] const layout& layout_of() {
    static const layout cached = detail::layout_of_described<T>(detail::type_name<T>());
    return cached;
}

/// The same layout under another name ("struct sample" for a C caller's messages).
template <described_struct T>
[[nodiscard]] layout layout_of(std::string name) {
    return layout_of<T>().renamed(std::move(name));
}

}  // namespace memreg
