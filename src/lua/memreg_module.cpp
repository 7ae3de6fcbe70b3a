// The `memreg` module for stock Lua interpreters: `require "memreg"` loads this
// shared object (memreg.so on LUA_CPATH). It does not link liblua: the Lua API
// symbols come from the interpreter that loads it.
#include <memreg/lua.hpp>
#include <memreg/lua/ffi.hpp>

extern "C" __attribute__((visibility("default"))) int luaopen_memreg(lua_State* L) {
    return memreg::lua::open(L);
}

// `require "memreg.ffi"`: Lua's loaders find this symbol in memreg.so too.
extern "C" __attribute__((visibility("default"))) int luaopen_memreg_ffi(lua_State* L) {
    return memreg::lua::open_ffi(L);
}
