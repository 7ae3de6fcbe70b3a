// memreg/cdecl.hpp — C declarations to layouts, like LuaJIT's ffi.cdef for plain data.
//
//   memreg::cdecl::registry types;
//   types.define("typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;");
//   memreg::layout pixel = types.type("rgba_pixel");       // or "struct foo", "int[4]"
//
// A registry keeps what it was told across define() calls, as ffi.cdef does, and a
// define() that fails (a memreg::parse_error naming the line, column and what was
// expected) leaves it exactly as it was. It knows the fixed-width integer names,
// size_t, ssize_t, ptrdiff_t, intptr_t and uintptr_t from the start.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cdecl/lexer.hpp"
#include "cdecl/parser.hpp"
#include "layout.hpp"

namespace memreg::cdecl {

class registry {
public:
    registry() {
        const auto add = [this](const char* name, scalar_kind k) {
            names_.typedefs.emplace(name, layout::of_scalar(k).renamed(name));
        };
        add("int8_t", scalar_kind::int8);
        add("uint8_t", scalar_kind::uint8);
        add("int16_t", scalar_kind::int16);
        add("uint16_t", scalar_kind::uint16);
        add("int32_t", scalar_kind::int32);
        add("uint32_t", scalar_kind::uint32);
        add("int64_t", scalar_kind::int64);
        add("uint64_t", scalar_kind::uint64);
        add("size_t", scalar_kind_of<std::size_t>());
        add("ssize_t", scalar_kind_of<std::ptrdiff_t>());
        add("ptrdiff_t", scalar_kind_of<std::ptrdiff_t>());
        add("intptr_t", scalar_kind_of<std::intptr_t>());
        add("uintptr_t", scalar_kind_of<std::uintptr_t>());
        add("wchar_t", scalar_kind_of<wchar_t>());
    }

    /// Parses declarations (typedefs, struct/union/enum definitions, function
    /// prototypes, extern and static objects, `#pragma pack`) and adds the names they
    /// define. All or nothing: on a parse_error nothing is added.
    /// Costs what the text adds: the registry's names are not copied.
    void define(std::string_view declarations) {
        detail::scope staged(names_);  // #pragma pack starts afresh in each define
        detail::parser(declarations, staged, "cdecl::define").declarations();
        names_.merge(std::move(staged.staged));
    }

    /// The layout a type name denotes: "int", "rgba_pixel", "struct foo",
    /// "uint8_t[16]", "char *". Throws parse_error for an unknown name, an undefined
    /// struct used by value, or text that is not a type name.
    [[nodiscard]] layout type(std::string_view type_name) const {
        detail::scope reading(names_);
        return detail::parser(type_name, reading, "cdecl::type", true).type_name_only();
    }

    /// The typedef, struct tag or union tag called name, if defined.
    [[nodiscard]] std::optional<layout> find_typedef(std::string_view name) const {
        return find(names_.typedefs, name);
    }
    [[nodiscard]] std::optional<layout> find_struct(std::string_view tag) const {
        return find(names_.structs, tag);
    }
    [[nodiscard]] std::optional<layout> find_union(std::string_view tag) const {
        return find(names_.unions, tag);
    }
    /// The value of an enumerator or of a `static const` integer with an initializer.
    [[nodiscard]] std::optional<std::int64_t> constant(std::string_view name) const {
        const auto found = names_.constants.find(name);
        if (found == names_.constants.end()) return std::nullopt;
        return found->second;
    }
    /// The C type of a declared function ("int (const char *, ...)"), recorded but not
    /// callable: memreg lays out data, it does not call.
    [[nodiscard]] std::optional<std::string> function(std::string_view name) const {
        return find(names_.functions, name);
    }
    /// The C type of a declared object (extern int x;, static const int X = 5;).
    [[nodiscard]] std::optional<std::string> variable(std::string_view name) const {
        return find(names_.variables, name);
    }
    /// The names of the constants, functions and objects declared, sorted.
    [[nodiscard]] std::vector<std::string> struct_names() const { return keys(names_.structs); }
    [[nodiscard]] std::vector<std::string> union_names() const { return keys(names_.unions); }
    [[nodiscard]] std::vector<std::string> constant_names() const { return keys(names_.constants); }
    [[nodiscard]] std::vector<std::string> function_names() const { return keys(names_.functions); }
    [[nodiscard]] std::vector<std::string> variable_names() const { return keys(names_.variables); }

    /// The names of all typedefs (built-in ones included), sorted.
    [[nodiscard]] std::vector<std::string> typedef_names() const {
        std::vector<std::string> out;
        for (const auto& entry : names_.typedefs) out.push_back(entry.first);
        for (const auto& entry : names_.opaque_typedefs) out.push_back(entry.first);
        for (const auto& entry : names_.function_typedefs) out.push_back(entry.first);
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    template <class Map>
    static std::optional<typename Map::mapped_type> find(const Map& map, std::string_view name) {
        const auto found = map.find(name);
        if (found == map.end()) return std::nullopt;
        return found->second;
    }
    template <class Map>
    static std::vector<std::string> keys(const Map& map) {
        std::vector<std::string> out;
        out.reserve(map.size());
        for (const auto& entry : map) out.push_back(entry.first);
        return out;
    }

    detail::name_table names_;
};

/// One-shot form: defines `declarations` in a fresh registry and returns the layout
/// of `type_name` in it.
[[nodiscard]] inline layout parse(std::string_view declarations, std::string_view type_name) {
    registry types;
    types.define(declarations);
    return types.type(type_name);
}

}  // namespace memreg::cdecl
