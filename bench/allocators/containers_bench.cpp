// std containers: build a std::list<int> of 1000 nodes, or a std::vector<int> by
// 1000 push_backs, then drop it. std::allocator vs memreg::arena through
// std_allocator vs std::pmr::monotonic_buffer_resource through
// polymorphic_allocator (both given back at once after each round).
#include <memreg/arena.hpp>
#include <memreg/std_adapters.hpp>

#include <benchmark/benchmark.h>

#include <list>
#include <memory_resource>
#include <vector>

namespace {

constexpr int count = 1000;
using arena_alloc = memreg::std_allocator<int, memreg::arena<>>;

template <class Container>
void fill(Container& c) {
    for (int i = 0; i < count; ++i) c.push_back(i);
    benchmark::DoNotOptimize(c.back());
}

template <template <class, class> class Container>
void with_std(benchmark::State& state) {
    for (auto _ : state) {
        Container<int, std::allocator<int>> c;
        fill(c);
    }
    state.SetItemsProcessed(state.iterations() * count);
}

template <template <class, class> class Container>
void with_arena(benchmark::State& state) {
    memreg::arena<> a({.first_chunk = 64 * 1024});
    for (auto _ : state) {
        {
            Container<int, arena_alloc> c{arena_alloc(a)};
            fill(c);
        }
        a.reset();
    }
    state.SetItemsProcessed(state.iterations() * count);
}

template <template <class, class> class Container>
void with_pmr(benchmark::State& state) {
    std::pmr::monotonic_buffer_resource r(64 * 1024);
    for (auto _ : state) {
        {
            Container<int, std::pmr::polymorphic_allocator<int>> c{&r};
            fill(c);
        }
        r.release();
    }
    state.SetItemsProcessed(state.iterations() * count);
}

}  // namespace

BENCHMARK(with_std<std::list>)->Name("list/std_allocator");
BENCHMARK(with_arena<std::list>)->Name("list/memreg_arena");
BENCHMARK(with_pmr<std::list>)->Name("list/pmr_monotonic");
BENCHMARK(with_std<std::vector>)->Name("vector/std_allocator");
BENCHMARK(with_arena<std::vector>)->Name("vector/memreg_arena");
BENCHMARK(with_pmr<std::vector>)->Name("vector/pmr_monotonic");
