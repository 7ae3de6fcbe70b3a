// memreg/lua/struct.hpp — struct views in Lua: memreg.cdef, memreg.typeof,
// memreg.sizeof / alignof / offsetof, r:view and r:array.
//
//   memreg.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel; ]]
//   local img = memreg.new(n * memreg.sizeof("rgba_pixel")):array("rgba_pixel", n)
//   img[0].green = 255
//
// Types: struct_types.hpp; views: struct_view.hpp. sizeof, alignof and typeof take
// a type name, a ctype or a view (the view's type). A variable-length type (LuaJIT's
// "int[?]", a struct whose last member is "T tail[?]") has a size only for a count:
// memreg.sizeof(type, n), and memreg.typeof(type, n) is the fixed type views take. memreg.constant(name) reads an
// enumerator or a static const integer cdef declared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "struct_types.hpp"
#include "struct_view.hpp"

namespace memreg::lua::detail {

/// Phase 1 (may allocate): argument arg becomes a ctype unless it is a live view.
inline void prepare_type_or_view(lua_State* L, int arg, const char* fname) {
    prepare_type(L, arg, fname,
                 [fname](lua_State* S, int i) { return to_live_view(S, i, fname) != nullptr; });
}

/// Phase 2 (allocates nothing): the type of the view or ctype at arg.
inline const layout& type_or_view_at(lua_State* L, int arg, const char* fname) {
    if (const view_userdata* v = to_live_view(L, arg, fname)) return v->type;
    return ctype_at(L, arg, fname);
}

/// The count argument of a variable-length type (T[?], or a struct ending in one) at
/// arg: a whole number from 0 up. Allocates nothing.
inline std::size_t check_count(lua_State* L, int arg, const char* fname, const layout& t) {
    if (!t.is_variable())
        throw_argument(arg, fname, t.name() + " is not a variable-length type: it takes no count");
    return check_offset(L, arg, fname, "count");
}

/// The size of the variable-length type t for n elements, or the reason there is none:
/// it overflows size_t, or exceeds max_size (no region can be that large).
inline std::optional<std::size_t> try_variable_size(const layout& t, std::size_t n, std::string& why) {
    std::size_t size = 0;
    try {
        size = t.size(n);
    } catch (const bad_argument& e) {
        why = e.what();
        return std::nullopt;
    }
    if (size > max_size) {
        why = "the size " + std::to_string(size) + " of " + t.name() + " for " + std::to_string(n) +
              " elements is larger than the maximum region size " + std::to_string(max_size);
        return std::nullopt;
    }
    return size;
}

/// The same, a bad argument arg when there is none.
inline std::size_t variable_size(const layout& t, std::size_t n, int arg, const char* fname) {
    std::string why;
    if (const auto size = try_variable_size(t, n, why)) return *size;
    throw_argument(arg, fname, why);
}

/// memreg.sizeof(type or view [, n]) -> bytes; a variable-length type ("int[?]", a
/// struct ending in "T tail[?]") requires n, as LuaJIT's ffi.sizeof does.
inline int module_sizeof(lua_State* L) {
    constexpr const char* fname = "sizeof";
    prepare_type_or_view(L, 1, fname);
    const layout& t = type_or_view_at(L, 1, fname);
    if (!lua_isnoneornil(L, 2)) {
        const std::size_t n = check_count(L, 2, fname, t);
        push_size(L, variable_size(t, n, 2, fname), fname);
        return 1;
    }
    if (t.is_variable())
        throw_argument(2, fname, "count of " + t.name() + " expected (a variable-length type), got no value");
    push_size(L, t.size(), fname);
    return 1;
}

inline int module_alignof(lua_State* L) {
    prepare_type_or_view(L, 1, "alignof");
    push_size(L, type_or_view_at(L, 1, "alignof").alignment(), "alignof");
    return 1;
}

/// memreg.typeof(type or view [, n]) -> ctype; with n, the fixed type a variable-length
/// one has for n elements ("int[?]" and 3 give int[3]; a struct its tail as an array of
/// n), which r:view and r:array take.
inline int module_typeof_any(lua_State* L) {
    constexpr const char* fname = "typeof";
    prepare_type_or_view(L, 1, fname);
    // The count is checked once, before the allocation (a bad one costs nothing); it
    // is a number on the stack, which no finalizer can change. The type is looked up
    // again after the allocation (a finalizer may have collected a view by hand).
    std::optional<std::size_t> count;
    if (!lua_isnoneornil(L, 2)) {
        const layout& t = type_or_view_at(L, 1, fname);
        count = check_count(L, 2, fname, t);
        (void)variable_size(t, *count, 2, fname);
    }
    layout& result = new_ctype(L);
    const layout& t = type_or_view_at(L, 1, fname);  // after the last allocation
    result = count ? t.with_count(*count) : t;
    return 1;
}

/// memreg.offsetof(type, "field.path[2]") -> byte offset; for a bit-field, as
/// LuaJIT's ffi.offsetof: its storage unit's byte offset, its bit position in the
/// unit and its width in bits.
inline int module_offsetof(lua_State* L) {
    constexpr const char* fname = "offsetof";
    prepare_type_or_view(L, 1, fname);
    std::size_t n = 0;
    const char* path = check_string(L, 2, fname, n);
    const layout& t = type_or_view_at(L, 1, fname);
    layout_member m{};
    try {
        m = t.resolve(std::string_view(path, n), fname, true);
    } catch (const error& e) {
        throw_argument(2, fname, e.what());
    }
    push_size(L, m.offset, fname);
    if (m.bit_width == 0) return 1;
    push_size(L, m.bit_offset, fname);
    push_size(L, m.bit_width, fname);
    return 3;
}

/// memreg.constant(name) -> the value of an enumerator or of a `static const`
/// integer declared by cdef, or nil.
inline int module_constant(lua_State* L) {
    constexpr const char* fname = "constant";
    std::size_t n = 0;
    const char* name = check_string(L, 1, fname, n);
    const cdecl::registry& types = ctypes(L, fname);  // the last allocation
    const std::optional<std::int64_t> value = types.constant(std::string_view(name, n));
    if (!value) {
        lua_pushnil(L);
        return 1;
    }
    push_int64(L, *value, fname);
    return 1;
}

/// Adds cdef, typeof, sizeof, alignof, offsetof, constant to the module and view, array to
/// the region methods.
inline void register_struct(lua_State* L, int module, int methods) {
    module = absolute(L, module);
    methods = absolute(L, methods);
    static const luaL_Reg module_functions[] = {
        {"cdef", protect<module_cdef>},
        {"typeof", protect<module_typeof_any>},
        {"sizeof", protect<module_sizeof>},
        {"alignof", protect<module_alignof>},
        {"offsetof", protect<module_offsetof>},
        {"constant", protect<module_constant>},
        {nullptr, nullptr},
    };
    static const luaL_Reg method_functions[] = {
        {"view", protect<region_view>},
        {"array", protect<region_array>},
        {nullptr, nullptr},
    };
    set_functions(L, module, module_functions);
    set_functions(L, methods, method_functions);
}

}  // namespace memreg::lua::detail
