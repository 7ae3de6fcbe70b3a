// memreg/lua/pack_methods.hpp — r:pack, r:unpack and memreg.packsize: string.pack's
// format language on every Lua version (5.1 and LuaJIT too), over a region.
//
//   local next = r:pack(off, "<I2 s1 d", 513, "name", 1.5)  -- 0-based offset after the data
//   local n, s, d, next = r:unpack(off, "<I2 s1 d")          -- values, then that offset
//
// The engine is pack.hpp (pure C++). Here the values come from and go to the Lua
// stack. Messages follow Lua 5.4 ("bad argument #4 to 'pack' (integer overflow)"),
// counting arguments from the region itself (#1) as the other methods do; errors
// Lua raises without an argument (e.g. "invalid format option 'y'") are reported
// against the format argument so that they name the function too. 64-bit values
// follow the policy in config.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pack.hpp"
#include "protect.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

/// Values for pack(): value k is at stack index first + k - 1.
struct stack_source {
    lua_State* L;
    int first;
    const char* fname;

    [[nodiscard]] int index(int k) const noexcept { return first + k - 1; }
    [[nodiscard]] std::int64_t integer(int k) const { return check_int64(L, index(k), fname); }
    [[nodiscard]] double number(int k) const { return check_number(L, index(k), fname); }
    [[nodiscard]] std::string_view string(int k) const {
        // Like luaL_checklstring: numbers are taken as their text.
        if (lua_type(L, index(k)) == LUA_TNUMBER) lua_tolstring(L, index(k), nullptr);
        std::size_t n = 0;
        const char* s = check_string(L, index(k), fname, n);
        return {s, n};
    }
};

/// Results of unpack(), pushed as they come.
struct stack_sink {
    lua_State* L;
    const char* fname;

    void room() const {
        if (!lua_checkstack(L, 2))
            throw out_of_range(std::string(fname) + ": too many results for the Lua stack");
    }
    void integer(std::int64_t v) const {
        room();
        push_int64(L, v, fname);
    }
    void number(double v) const {
        room();
        lua_pushnumber(L, static_cast<lua_Number>(v));
    }
    void string(std::string_view s) const {
        room();
        lua_pushlstring(L, s.empty() ? "" : s.data(), s.size());
    }
};

/// Turns a pack_error into the "bad argument" Lua 5.4 gives (format at format_arg).
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pack_argument(const pack_error& e,
                                                                       int format_arg,
                                                                       const char* fname) {
    const int arg = e.argument() <= 0 ? format_arg : format_arg + e.argument();
    throw_argument(arg, fname, e.what());
}

inline std::string_view check_format(lua_State* L, int arg, const char* fname) {
    std::size_t n = 0;
    const char* s = check_string(L, arg, fname, n);
    return {s, n};
}

/// r:pack(off, fmt, ...) -> offset after the packed data
inline int region_pack(lua_State* L) {
    constexpr const char* fname = "pack";
    const region bytes = check_writable(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::string_view format = check_format(L, 3, fname);
    std::size_t end = 0;
    try {
        end = memreg::lua::pack(bytes, offset, format, stack_source{L, 4, fname});
    } catch (const pack_error& e) {
        throw_pack_argument(e, 3, fname);
    }
    push_size(L, end);
    return 1;
}

/// r:unpack(off, fmt) -> values..., offset after the data
inline int region_unpack(lua_State* L) {
    constexpr const char* fname = "unpack";
    const region bytes = check_bytes(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::string_view format = check_format(L, 3, fname);
    const int top = lua_gettop(L);
    std::size_t end = 0;
    try {
        end = memreg::lua::unpack(bytes, offset, format, stack_sink{L, fname});
    } catch (const pack_error& e) {
        lua_settop(L, top);
        throw_pack_argument(e, 3, fname);
    }
    if (!lua_checkstack(L, 1))
        throw out_of_range(std::string(fname) + ": too many results for the Lua stack");
    push_size(L, end);
    return lua_gettop(L) - top;
}

/// memreg.packsize(fmt) -> bytes, as string.packsize
inline int module_packsize(lua_State* L) {
    constexpr const char* fname = "packsize";
    const std::string_view format = check_format(L, 1, fname);
    std::size_t size = 0;
    try {
        size = memreg::lua::packsize(format);
    } catch (const pack_error& e) {
        throw_pack_argument(e, 1, fname);
    }
    push_size(L, size);
    return 1;
}

/// Adds r:pack and r:unpack to the method table at `methods` and packsize to the
/// module table at `module`.
inline void register_pack(lua_State* L, int module, int methods) {
    module = absolute(L, module);
    methods = absolute(L, methods);
    static const luaL_Reg method_functions[] = {
        {"pack", protect<region_pack>},
        {"unpack", protect<region_unpack>},
        {nullptr, nullptr},
    };
    static const luaL_Reg module_functions[] = {
        {"packsize", protect<module_packsize>},
        {nullptr, nullptr},
    };
    set_functions(L, methods, method_functions);
    set_functions(L, module, module_functions);
}

}  // namespace memreg::lua::detail
