-- LuaRocks build of the `memreg` Lua module: `luarocks make` in the source tree.
-- Needs a C++20 compiler (g++ 12 or clang 16) and Boost's headers (1.81+; the
-- mapped-file functions use Boost.Interprocess). CXX picks another compiler.
rockspec_format = "3.0"
package = "memreg"
version = "scm-1"
source = {
    url = "git+file:///work/main",
}
description = {
    summary = "Memory regions for Lua: fixed buffers, typed access, heaps, arenas, mapped files",
    detailed = [[
        The Lua binding of memreg, a C++20 header-only toolkit for memory regions:
        regions that never move, typed reads and writes at byte offsets, string.pack
        formats on every Lua version, Luau's buffer library, struct views, memreg's
        heap and arena, and memory-mapped files. Lua 5.1-5.4 and LuaJIT 2.1.
    ]],
    license = "MIT",
}
dependencies = {
    "lua >= 5.1, < 5.5",
}
build = {
    type = "command",
    build_command = [[${CXX:-c++} -std=c++20 -O2 -fPIC -fvisibility=hidden -shared ]] ..
        [[-Iinclude -I"$(LUA_INCDIR)" src/lua/memreg_module.cpp -o memreg.so]],
    install = {
        lib = { memreg = "memreg.so" },
    },
}
