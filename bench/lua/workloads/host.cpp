// lua_workload_host: runs one Lua 5.4 script in a state whose allocations go to
//   system  realloc/free, as luaL_newstate's allocator does (so to glibc, or to the
//           allocator LD_PRELOAD puts in front of it: jemalloc, tcmalloc, mimalloc)
//   heap    memreg::heap<> through memreg::lua::lua_alloc (its chunks from malloc)
// One process per run, so compare.py can read the peak RSS of each from the kernel.
//
//   lua_workload_host system|heap script.lua [args...]
//
// The script's arguments are passed to its chunk (`...`); what it prints is its
// checksum, which compare.py checks is the same under every allocator. With
// MEMREG_HEAP_STATS set, the heap row also prints the heap's stats to stderr.
#include <memreg/heap.hpp>
#include <memreg/lua.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace {

void* system_alloc(void*, void* p, std::size_t, std::size_t n) noexcept {
    if (n == 0) {
        std::free(p);
        return nullptr;
    }
    return std::realloc(p, n);
}

int traceback(lua_State* L) {
    luaL_traceback(L, L, lua_tostring(L, 1), 1);
    return 1;
}

/// Loads and runs the script with argv[first...] as its arguments; 0 on success.
int run(lua_State* L, int argc, char** argv, int first) {
    luaL_openlibs(L);
    lua_pushcfunction(L, traceback);
    if (luaL_loadfile(L, argv[first]) != LUA_OK) {
        std::fprintf(stderr, "%s\n", lua_tostring(L, -1));
        return 1;
    }
    for (int i = first + 1; i < argc; ++i) lua_pushstring(L, argv[i]);
    if (lua_pcall(L, argc - first - 1, 0, 1) != LUA_OK) {
        std::fprintf(stderr, "%s\n", lua_tostring(L, -1));
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || (std::strcmp(argv[1], "system") != 0 && std::strcmp(argv[1], "heap") != 0)) {
        std::fprintf(stderr, "usage: %s system|heap script.lua [args...]\n", argv[0]);
        return 2;
    }
    if (std::strcmp(argv[1], "system") == 0) {
        lua_State* L = lua_newstate(system_alloc, nullptr);
        if (L == nullptr) return 1;
        const int status = run(L, argc, argv, 2);
        lua_close(L);
        return status;
    }
    try {
        memreg::heap<> heap;
        int status = 0;
        {
            memreg::lua::unique_state L = memreg::lua::new_state(heap, false);
            status = run(L.get(), argc, argv, 2);
        }
        if (std::getenv("MEMREG_HEAP_STATS") != nullptr) {
            const memreg::heap_stats s = heap.stats();
            std::fprintf(stderr, "heap: peak_bytes=%zu capacity_bytes=%zu (after close)\n",
                         s.peak_bytes, s.capacity_bytes);
        }
        return status;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lua_workload_host: %s\n", e.what());
        return 1;
    }
}
