// The `memreg` module for stock Lua interpreters: `require "memreg"` loads this
// shared object (memreg.so on LUA_CPATH). It does not link liblua: the Lua API
// symbols come from the interpreter that loads it.
#include <memreg/lua.hpp>

extern "C" __attribute__((visibility("default"))) int luaopen_memreg(lua_State* L) {
    return memreg::lua::open(L);
}
