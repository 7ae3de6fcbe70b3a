// binary-trees (the Benchmarks Game's allocation benchmark) in a Lua 5.4 state,
// with Lua's allocations going to:
//   default        luaL_newstate's allocator (realloc/free from glibc)
//   memreg_heap    memreg::heap<> through memreg::lua::lua_alloc (new_state)
//   memreg_malloc  memreg::malloc_allocator through lua_alloc (the adapter's own cost)
// Each iteration makes a state, runs the benchmark at the given depth, and closes
// it. Counters: peak_kib (the heap's peak live bytes, memreg_heap only).
//
//   lua_binary_trees --benchmark_min_time=0.1 --benchmark_repetitions=3
//   GLIBC_TUNABLES=glibc.malloc.mxfast=0 lua_binary_trees ...   (glibc without fastbins)
#include <memreg/heap.hpp>
#include <memreg/lua.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// The Benchmarks Game's Lua program (binary-trees #2), with its output replaced by
// a checksum that the C++ side checks.
constexpr const char* program = R"lua(
local function BottomUpTree(depth)
    if depth > 0 then
        depth = depth - 1
        local left, right = BottomUpTree(depth), BottomUpTree(depth)
        return { left, right }
    else
        return { }
    end
end

local function ItemCheck(tree)
    if tree[1] then
        return 1 + ItemCheck(tree[1]) + ItemCheck(tree[2])
    else
        return 1
    end
end

local N = ...
local mindepth = 4
local maxdepth = mindepth + 2
if maxdepth < N then maxdepth = N end
local total = 0
do
    local stretchdepth = maxdepth + 1
    total = total + ItemCheck(BottomUpTree(stretchdepth))
end
local longlivedtree = BottomUpTree(maxdepth)
for depth = mindepth, maxdepth, 2 do
    local iterations = 2 ^ (maxdepth - depth + mindepth)
    local check = 0
    for i = 1, iterations do
        check = check + ItemCheck(BottomUpTree(depth))
    end
    total = total + check
end
total = total + ItemCheck(longlivedtree)
return total
)lua";

/// The checksum the program returns for depth n (computed, not trusted).
double expected(int n) {
    const int mindepth = 4;
    const int maxdepth = n > mindepth + 2 ? n : mindepth + 2;
    auto nodes = [](int depth) { return static_cast<double>((1LL << (depth + 1)) - 1); };
    double total = nodes(maxdepth + 1);
    for (int depth = mindepth; depth <= maxdepth; depth += 2)
        total += static_cast<double>(1LL << (maxdepth - depth + mindepth)) * nodes(depth);
    return total + nodes(maxdepth);
}

void run(benchmark::State& state, lua_State* L) {
    luaL_openlibs(L);
    const int depth = static_cast<int>(state.range(0));
    if (luaL_loadstring(L, program) != 0) std::abort();
    lua_pushinteger(L, depth);
    if (lua_pcall(L, 1, 1, 0) != 0) {
        std::fprintf(stderr, "binary-trees: %s\n", lua_tostring(L, -1));
        std::abort();
    }
    if (lua_tonumber(L, -1) != expected(depth)) std::abort();
}

void default_allocator(benchmark::State& state) {
    for (auto _ : state) {
        lua_State* L = luaL_newstate();
        run(state, L);
        lua_close(L);
    }
}

void memreg_heap(benchmark::State& state) {
    double peak = 0;
    for (auto _ : state) {
        memreg::heap<> heap;
        {
            auto L = memreg::lua::new_state(heap, false);
            run(state, L.get());
        }
        peak = static_cast<double>(heap.stats().peak_bytes);
    }
    state.counters["peak_kib"] = peak / 1024;
}

void memreg_malloc(benchmark::State& state) {
    memreg::malloc_allocator system;
    for (auto _ : state) {
        auto L = memreg::lua::new_state(system, false);
        run(state, L.get());
    }
}

}  // namespace

BENCHMARK(default_allocator)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK(memreg_heap)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK(memreg_malloc)->Arg(15)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
