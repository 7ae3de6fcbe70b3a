// memreg/lua/pack_methods.hpp — r:pack, r:unpack and memreg.packsize: string.pack's
// format language on every Lua version (5.1 and LuaJIT too), over a region.
//
//   local next = r:pack(off, "<I2 s1 d", 513, "name", 1.5)  -- 0-based offset after the data
//   local n, s, d, next = r:unpack(off, "<I2 s1 d")          -- values, then that offset
//
// The engine is memreg/pack.hpp (pure C++). Here the values come from and go to
// the Lua stack, under the binding's rule: pack converts every value (numbers to
// strings, which allocates and so can run any finalizer) before it resolves the
// region; unpack copies the bytes it reads before it pushes the first string
// (numbers push without allocating).
//
// Messages follow Lua 5.4 ("bad argument #4 to 'pack' (integer overflow)"),
// counting arguments from the region itself (#1) as the other methods do; errors
// Lua raises without an argument (e.g. "invalid format option 'y'", unpack's
// "does not fit into Lua Integer") are reported against the format argument so
// that they name the function too. 64-bit values follow the policy in config.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "../pack.hpp"
#include "protect.hpp"
#include "resolve.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

/// Values for pack(): value k is at stack index first + k - 1. A number asked for
/// as a string is converted in place on the stack (as luaL_checklstring does), so
/// asking again later allocates nothing.
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

inline std::string_view check_format(lua_State* L, int arg, const char* fname) {
    std::size_t n = 0;
    const char* s = check_string(L, arg, fname, n);
    return {s, n};
}

/// r:pack(off, fmt, ...) -> offset after the packed data
inline int region_pack(lua_State* L) {
    constexpr const char* fname = "pack";
    const region_arg target(L, 1, fname, access_mode::write);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::string_view format = check_format(L, 3, fname);
    const stack_source values{L, 4, fname};
    std::size_t end = 0;
    try {
        // Converts every value: the last step that can allocate.
        end = memreg::check_pack(format, offset, values);
        memreg::write_pack(target.bytes(), offset, format, values, end);
    } catch (const pack_value_error& e) {
        throw_argument(3 + e.value(), fname, e.reason());
    } catch (const pack_error& e) {
        throw_argument(3, fname, e.reason());
    }
    push_size(L, end, fname);
    return 1;
}

/// Whether a format may unpack strings ('c', 's' and 'z' are only ever options).
inline bool has_string_option(std::string_view format) noexcept {
    for (const char c : format)
        if (c == 'c' || c == 's' || c == 'z') return true;
    return false;
}

/// Takes no values: unpack with it only checks the data and finds its end.
struct measure_sink {
    void integer(std::int64_t) const noexcept {}
    void number(double) const noexcept {}
    void string(std::string_view) const noexcept {}
};

/// Bytes [base, end) of the region at argument 1, copied where no finalizer can
/// change them: into `local` (small_string bytes, on the C stack) when they fit,
/// else into a userdata left on the stack.
/// base is offset rounded down to 16, the largest alignment a format can ask for,
/// so that alignment inside the copy is what it is in the region.
struct unpack_copy {
    const_region bytes;
    std::size_t base = 0;
    bool on_stack = false;  // the copy is a userdata on top of the stack
};

inline unpack_copy copy_for_unpack(lua_State* L, const region_arg& source, std::size_t offset,
                                   std::string_view format,
                                   std::byte (&local)[small_string]) {
    unpack_copy copy;
    copy.base = offset & ~std::size_t{15};
    const_region r = source.bytes();
    std::size_t n = memreg::unpack(r, offset, format, measure_sink{}) - copy.base;
    std::byte* into = local;
    if (n > small_string) {
        // Allocating can run a finalizer: measure again in the region as it is then.
        into = static_cast<std::byte*>(lua_newuserdata(L, n));
        copy.on_stack = true;
        r = source.bytes();
        const std::size_t again = memreg::unpack(r, offset, format, measure_sink{}) - copy.base;
        if (again > n)
            throw out_of_range(memreg::detail::message(source.function())
                                   .arg("offset", offset)
                                   .because("the region changed while its data was copied"));
        n = again;
    }
    if (n != 0) std::memcpy(into, r.data() + copy.base, n);
    copy.bytes = const_region(into, n);
    return copy;
}

/// r:unpack(off, fmt) -> values..., offset after the data
inline int region_unpack(lua_State* L) {
    constexpr const char* fname = "unpack";
    const region_arg source(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::string_view format = check_format(L, 3, fname);
    const int top = lua_gettop(L);
    std::size_t end = 0;
    try {
        if (!has_string_option(format)) {
            // Numbers only: pushing them allocates nothing, so no finalizer runs.
            end = memreg::unpack(source.bytes(), offset, format, stack_sink{L, fname});
        } else {
            // A string push can run a finalizer that frees or changes the region:
            // the values are read from a copy made before the first push.
            std::byte local[small_string];
            const unpack_copy copy = copy_for_unpack(L, source, offset, format, local);
            end = copy.base + memreg::unpack(copy.bytes, offset - copy.base, format,
                                             stack_sink{L, fname});
            if (copy.on_stack) lua_remove(L, top + 1);
        }
    } catch (const pack_error& e) {
        lua_settop(L, top);
        throw_argument(3, fname, e.reason());
    }
    if (!lua_checkstack(L, 1))
        throw out_of_range(std::string(fname) + ": too many results for the Lua stack");
    push_size(L, end, fname);
    return lua_gettop(L) - top;
}

/// memreg.packsize(fmt) -> bytes, as string.packsize
inline int module_packsize(lua_State* L) {
    constexpr const char* fname = "packsize";
    const std::string_view format = check_format(L, 1, fname);
    std::size_t size = 0;
    try {
        size = memreg::packsize(format);
    } catch (const pack_error& e) {
        throw_argument(1, fname, e.reason());
    }
    push_size(L, size, fname);
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
