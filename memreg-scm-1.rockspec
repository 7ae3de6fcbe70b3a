-- LuaRocks build of the `memreg` Lua module from the source tree: `luarocks make
-- memreg-scm-1.rockspec` in a checkout (`luarocks install` of it builds the main branch).
-- The release's rockspec is memreg-<version>-1.rockspec, the same but for version and source.
-- Needs a C++20 compiler (g++ 12 or clang 16) and Boost's headers (1.81+; the
-- mapped-file functions use Boost.Interprocess). CXX picks another compiler. The module
-- is built in build/luarocks/ (the source tree stays clean) and linked -z nodelete, as
-- CMake links it: LuaJIT's lua_close unloads C modules before its last finalizers run.
rockspec_format = "3.0"
package = "memreg"
version = "scm-1"
source = {
    url = "git+https://github.com/memreg/memreg.git",
}
description = {
    summary = "Memory regions for Lua: fixed buffers, typed access, heaps, arenas, mapped files",
    detailed = [[
        The Lua binding of memreg, a C++20 header-only toolkit for memory regions:
        regions that never move, typed reads and writes at byte offsets, string.pack
        formats on every Lua version, Luau's buffer library, struct views, memreg's
        heap and arena, and memory-mapped files. Lua 5.1-5.5 and LuaJIT 2.1.
    ]],
    homepage = "https://github.com/memreg/memreg",
    license = "Zlib",
}
dependencies = {
    "lua >= 5.1, < 5.6",
}
build = {
    type = "command",
    build_command = [[mkdir -p build/luarocks && ${CXX:-c++} -std=c++20 -O2 -fPIC ]] ..
        [[-fvisibility=hidden -shared -Wl,-z,nodelete -Iinclude -I"$(LUA_INCDIR)" ]] ..
        [[src/lua/memreg_module.cpp -o build/luarocks/memreg.so]],
    install = {
        lib = { memreg = "build/luarocks/memreg.so" },
    },
}
