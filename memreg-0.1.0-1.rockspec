-- LuaRocks build of the `memreg` Lua module, release 0.1.0 (MEMREG_VERSION in
-- include/memreg/version.hpp). scripts/check-packaging checks that this file's version
-- and tag are that version's, that it differs from memreg-scm-1.rockspec only in its
-- version and source, and builds it with `luarocks make` for Lua 5.1, 5.4 and LuaJIT.
-- `luarocks install` fetches the tag v0.1.0 from the project's repository (the tag is
-- made on the release commit); `luarocks make` in a checkout builds from the files there.
-- Needs a C++20 compiler (g++ 12 or clang 16) and Boost's headers (1.81+; the
-- mapped-file functions use Boost.Interprocess). CXX picks another compiler. The module
-- is built in build/luarocks/ (the source tree stays clean) and linked -z nodelete, as
-- CMake links it: LuaJIT's lua_close unloads C modules before its last finalizers run.
-- For LuaJIT: luarocks --lua-version 5.1 make LUA_INCDIR=/usr/include/luajit-2.1 (docs/lua.md).
rockspec_format = "3.0"
package = "memreg"
version = "0.1.0-1"
source = {
    url = "git+https://github.com/memreg/memreg.git",
    tag = "v0.1.0",
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
