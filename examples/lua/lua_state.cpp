// A Lua 5.4 state running entirely on a memreg heap with a maximum size: Lua's
// allocations go through memreg::lua::lua_alloc to the heap, a script that wants
// more than the maximum gets Lua's "not enough memory" error, and the state carries
// on once the garbage is collected. The heap's stats show what Lua used.
//
// The garbage here is small: a chain of two-slot tables holding ~100-byte strings,
// so the maximum fills with the heap's size-class chunks. Once it is collected,
// the heap gives the all-free chunks back to its upstream (the host trims it at
// once; a failing allocation would too), and a large table and string fit again
// (see docs/allocators.md, heap).
#include <memreg/heap.hpp>
#include <memreg/lua.hpp>

#include <cstdio>
#include <string>

namespace {

bool run(lua_State* L, const char* code, std::string* error = nullptr) {
    if (luaL_loadstring(L, code) == 0 && lua_pcall(L, 0, 0, 0) == 0) return true;
    if (error != nullptr) *error = lua_tostring(L, -1);
    lua_pop(L, 1);
    return false;
}

}  // namespace

int main() {
    constexpr std::size_t maximum = 2 * 1024 * 1024;
    memreg::heap<> heap(memreg::heap_options{.initial = 256 * 1024, .maximum = maximum});
    {
        const memreg::lua::unique_state state = memreg::lua::new_state(heap);
        lua_State* L = state.get();
        memreg::lua::preload(L);

        if (!run(L, "local memreg = require 'memreg' "
                    "words = {} for i = 1, 10000 do words[i] = 'word' .. i end "
                    "blob = memreg.new(1000) blob:fill(7)")) {
            return 1;
        }
        std::printf("after a small script: %zu bytes live in %zu blocks\n",
                    heap.stats().live_bytes, heap.stats().live_blocks);

        std::string error;
        const bool fitted =
            run(L, "for i = 1, 1e8 do hog = {('x'):rep(72) .. i, hog} end", &error);
        std::printf("a script that wants too much: %s\n", fitted ? "(fitted?)" : error.c_str());
        if (fitted || error.find("not enough memory") == std::string::npos) return 1;
        if (heap.stats().capacity_bytes > maximum) {
            std::printf("the heap passed its maximum: %zu bytes\n", heap.stats().capacity_bytes);
            return 1;
        }

        // The host drops the garbage from C: running Lua code to do it would itself
        // need memory (to compile the chunk) from the full heap.
        lua_pushnil(L);
        lua_setglobal(L, "hog");
        lua_gc(L, LUA_GCCOLLECT, 0);
        // Give the chunks the garbage emptied back now: the next script's first
        // small blocks would otherwise land in them and keep them (Lua 5.1 has no
        // emergency collection to retry with). A failing allocation trims too.
        const std::size_t trimmed = heap.trim();
        std::printf("collected the garbage: %zu bytes of chunks back to the upstream\n", trimmed);
        if (!run(L, "assert(#words == 10000 and blob:read_u8(999) == 7) "
                    "local t = {} for i = 1, 1000 do t[i] = i * i end assert(t[1000] == 1e6) "
                    "local s = ('z'):rep(64 * 1024) assert(#s == 65536)",
                 &error)) {
            std::printf("the state did not recover: %s (%zu bytes held, %zu live)\n", error.c_str(),
                        heap.stats().capacity_bytes, heap.stats().live_bytes);
            return 1;
        }
        std::printf("after collecting the garbage: %zu bytes live, the state works\n",
                    heap.stats().live_bytes);
        heap.validate();
    }
    std::printf("after lua_close: %zu bytes live, peak %zu of a maximum of %zu\n",
                heap.stats().live_bytes, heap.stats().peak_bytes, maximum);
    return heap.stats().live_blocks == 0 ? 0 : 1;
}
