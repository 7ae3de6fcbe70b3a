// A whole Lua 5.4 state on memreg::heap through lua_Alloc, against the stock
// allocator (realloc/free, as luaL_newstate uses). Each iteration creates a
// state (and, for memreg, its heap), runs a script that builds tables, strings
// and closures and collects them, and closes it.
#include <memreg/heap.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace {

constexpr const char* script = R"(
local rows = {}
for i = 1, 20000 do rows[i] = {i, tostring(i), twice = i * 2} end
local parts = {}
for i = 1, 5000 do parts[#parts + 1] = string.rep("x", i % 50) .. i end
local text = table.concat(parts)
local closures = {}
for i = 1, 5000 do local k = i; closures[i] = function() return k end end
rows, parts, closures = nil, nil, nil
collectgarbage()
return #text
)";

void* system_alloc(void*, void* p, std::size_t, std::size_t n) {
    if (n == 0) {
        std::free(p);
        return nullptr;
    }
    return std::realloc(p, n);
}

void* heap_alloc(void* ud, void* p, std::size_t old_size, std::size_t n) {
    auto& h = *static_cast<memreg::heap<>*>(ud);
    if (p == nullptr) return h.try_allocate(n, 16).data();  // old_size is a type tag here
    const memreg::region r(static_cast<std::byte*>(p), old_size);
    if (n == 0) {
        h.deallocate(r, 16);
        return nullptr;
    }
    return h.try_reallocate(r, n, 16).data();
}

void run(lua_State* L, benchmark::State& state) {
    luaL_openlibs(L);
    if (luaL_dostring(L, script) != LUA_OK) state.SkipWithError(lua_tostring(L, -1));
    benchmark::DoNotOptimize(lua_tointeger(L, -1));
    lua_close(L);
}

void lua_on_malloc(benchmark::State& state) {
    for (auto _ : state) run(lua_newstate(system_alloc, nullptr), state);
}

void lua_on_heap(benchmark::State& state) {
    for (auto _ : state) {
        memreg::heap<> h;
        run(lua_newstate(heap_alloc, &h), state);
    }
}

/// One heap for every state, as a host running many scripts would keep it.
void lua_on_kept_heap(benchmark::State& state) {
    memreg::heap<> h;
    for (auto _ : state) run(lua_newstate(heap_alloc, &h), state);
}

}  // namespace

BENCHMARK(lua_on_kept_heap)->Name("lua/memreg_heap_kept")->Unit(benchmark::kMicrosecond);
BENCHMARK(lua_on_heap)->Name("lua/memreg_heap")->Unit(benchmark::kMicrosecond);
BENCHMARK(lua_on_malloc)->Name("lua/malloc")->Unit(benchmark::kMicrosecond);
