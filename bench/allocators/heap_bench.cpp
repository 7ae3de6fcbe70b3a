// Heap: a Lua-like churn of small blocks (8-512 B): allocations, reallocs that
// grow and shrink, frees with the size given back, around 2000 live blocks.
// The same pre-generated script runs on memreg::heap and on malloc/realloc/free.
#include <memreg/heap.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

struct step {
    enum kind : std::uint8_t { allocate, reallocate, free } what;
    std::uint32_t slot;
    std::uint32_t size;
};

constexpr std::size_t slots = 4000;

/// 20000 steps over 4000 slots: about half of them live at any time.
const std::vector<step>& script() {
    static const std::vector<step> steps = [] {
        std::mt19937 random(42);
        std::uniform_int_distribution<std::uint32_t> size(8, 512);
        std::uniform_int_distribution<std::uint32_t> slot(0, slots - 1);
        std::vector<bool> live(slots, false);
        std::vector<step> s;
        for (int i = 0; i < 20000; ++i) {
            const std::uint32_t at = slot(random);
            if (!live[at]) {
                s.push_back({step::allocate, at, size(random)});
                live[at] = true;
            } else if (random() % 2 == 0) {
                s.push_back({step::reallocate, at, size(random)});
            } else {
                s.push_back({step::free, at, 0});
                live[at] = false;
            }
        }
        for (std::uint32_t at = 0; at < slots; ++at)
            if (live[at]) s.push_back({step::free, at, 0});
        return s;
    }();
    return steps;
}

void heap_memreg(benchmark::State& state) {
    memreg::heap<> h;
    std::vector<memreg::region> blocks(slots);
    const auto& steps = script();
    for (auto _ : state) {
        for (const step& s : steps) {
            memreg::region& r = blocks[s.slot];
            switch (s.what) {
            case step::allocate: r = h.try_allocate(s.size, 16); break;
            case step::reallocate: r = h.try_reallocate(r, s.size, 16); break;
            case step::free: h.deallocate(r, 16); break;
            }
            benchmark::DoNotOptimize(r.data());
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * steps.size()));
}

void heap_malloc(benchmark::State& state) {
    std::vector<void*> blocks(slots);
    const auto& steps = script();
    for (auto _ : state) {
        for (const step& s : steps) {
            void*& p = blocks[s.slot];
            switch (s.what) {
            case step::allocate: p = std::malloc(s.size); break;
            case step::reallocate: p = std::realloc(p, s.size); break;
            case step::free: std::free(p); break;
            }
            benchmark::DoNotOptimize(p);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * steps.size()));
}

}  // namespace

BENCHMARK(heap_memreg)->Name("heap/memreg_heap");
BENCHMARK(heap_malloc)->Name("heap/malloc");
