// Arena: batches of 1000 allocations of 16, 32 or 64 bytes, then everything is
// given back at once. Against a hand-written pointer bump (the floor),
// std::pmr::monotonic_buffer_resource, and malloc/free.
#include <memreg/arena.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory_resource>
#include <vector>

namespace {

constexpr int batch = 1000;
constexpr std::size_t alignment = 16;
constexpr std::size_t buffer_size = 128 * 1024;

void arena_bump(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    memreg::arena<> a({.first_chunk = buffer_size});
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(a.try_allocate(size, alignment).data());
        a.reset();
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

void arena_fixed_buffer(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> buffer(buffer_size);
    memreg::arena<> a(memreg::region(buffer.data(), buffer.size()));
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(a.try_allocate(size, alignment).data());
        a.reset();
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

/// The floor: what a hand-written bump allocator with a bounds check costs.
void raw_bump(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> buffer(buffer_size);
    std::byte* const begin = buffer.data();
    std::byte* const end = begin + buffer.size();
    for (auto _ : state) {
        std::byte* top = begin;
        for (int i = 0; i < batch; ++i) {
            auto at = (reinterpret_cast<std::uintptr_t>(top) + alignment - 1) & ~(alignment - 1);
            auto* p = reinterpret_cast<std::byte*>(at);
            if (static_cast<std::size_t>(end - p) < size) std::abort();
            top = p + size;
            benchmark::DoNotOptimize(p);
        }
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

void pmr_monotonic(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> buffer(buffer_size);
    std::pmr::monotonic_buffer_resource r(buffer.data(), buffer.size());
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(r.allocate(size, alignment));
        r.release();
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

/// The same bump, but kept in an object whose state lives in memory, as any
/// allocator's does: every allocation loads and stores the top.
struct bump_object {
    std::byte* top;
    std::byte* end;
};

void raw_bump_object(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> buffer(buffer_size);
    bump_object b{buffer.data(), buffer.data() + buffer.size()};
    benchmark::DoNotOptimize(&b);
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) {
            auto at = (reinterpret_cast<std::uintptr_t>(b.top) + alignment - 1) & ~(alignment - 1);
            auto* p = reinterpret_cast<std::byte*>(at);
            if (static_cast<std::size_t>(b.end - p) < size) std::abort();
            b.top = p + size;
            benchmark::DoNotOptimize(p);
        }
        b.top = buffer.data();
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

/// pmr as generic code uses it: through a memory_resource pointer (no devirtualizing).
void pmr_monotonic_virtual(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> buffer(buffer_size);
    std::pmr::monotonic_buffer_resource monotonic(buffer.data(), buffer.size());
    std::pmr::memory_resource* r = &monotonic;
    benchmark::DoNotOptimize(r);
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(r->allocate(size, alignment));
        monotonic.release();
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

void malloc_free(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<void*> blocks(batch);
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(blocks[i] = std::malloc(size));
        for (int i = 0; i < batch; ++i) std::free(blocks[i]);
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

}  // namespace

BENCHMARK(arena_bump)->Name("arena/memreg_arena")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(arena_fixed_buffer)->Name("arena/memreg_arena_fixed")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(raw_bump)->Name("arena/raw_bump")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(raw_bump_object)->Name("arena/raw_bump_object")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(pmr_monotonic)->Name("arena/pmr_monotonic")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(pmr_monotonic_virtual)->Name("arena/pmr_monotonic_virtual")->Arg(16)->Arg(32)->Arg(64);
BENCHMARK(malloc_free)->Name("arena/malloc")->Arg(16)->Arg(32)->Arg(64);
