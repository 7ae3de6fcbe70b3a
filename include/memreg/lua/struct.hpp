// memreg/lua/struct.hpp — struct views in Lua: memreg.cdef, memreg.typeof,
// memreg.sizeof / alignof / offsetof, r:view and r:array.
//
//   memreg.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel; ]]
//   local img = memreg.new(n * memreg.sizeof("rgba_pixel")):array("rgba_pixel", n)
//   img[0].green = 255
//
// Types: struct_types.hpp; views: struct_view.hpp. sizeof, alignof and typeof take
// a type name, a ctype or a view (the view's type). memreg.constant(name) reads an
// enumerator or a static const integer cdef declared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

inline int module_sizeof(lua_State* L) {
    prepare_type_or_view(L, 1, "sizeof");
    push_size(L, type_or_view_at(L, 1, "sizeof").size(), "sizeof");
    return 1;
}

inline int module_alignof(lua_State* L) {
    prepare_type_or_view(L, 1, "alignof");
    push_size(L, type_or_view_at(L, 1, "alignof").alignment(), "alignof");
    return 1;
}

/// memreg.typeof(type or view) -> ctype
inline int module_typeof_any(lua_State* L) {
    prepare_type_or_view(L, 1, "typeof");
    layout& result = new_ctype(L);
    result = type_or_view_at(L, 1, "typeof");
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
