// Pool: batches of 1000 allocations of 32 bytes, then 1000 frees (in a shuffled
// order, as a program frees them), against std::pmr::unsynchronized_pool_resource
// and malloc/free.
#include <memreg/pool.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory_resource>
#include <numeric>
#include <random>
#include <vector>

namespace {

constexpr std::size_t batch = 1000;
constexpr std::size_t size = 32;
constexpr std::size_t alignment = 16;

/// The order blocks are freed in: the same shuffle for every contender.
const std::vector<std::size_t>& free_order() {
    static const std::vector<std::size_t> order = [] {
        std::vector<std::size_t> o(batch);
        std::iota(o.begin(), o.end(), std::size_t{0});
        std::shuffle(o.begin(), o.end(), std::mt19937(1));
        return o;
    }();
    return order;
}

void pool_memreg(benchmark::State& state) {
    memreg::pool<> p(size);
    std::vector<memreg::region> blocks(batch);
    const auto& order = free_order();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) blocks[i] = p.try_allocate(size, alignment);
        benchmark::DoNotOptimize(blocks.data());
        for (std::size_t i : order) p.deallocate(blocks[i], alignment);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void pool_pmr(benchmark::State& state) {
    std::pmr::unsynchronized_pool_resource r;
    std::vector<void*> blocks(batch);
    const auto& order = free_order();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) blocks[i] = r.allocate(size, alignment);
        benchmark::DoNotOptimize(blocks.data());
        for (std::size_t i : order) r.deallocate(blocks[i], size, alignment);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void pool_malloc(benchmark::State& state) {
    std::vector<void*> blocks(batch);
    const auto& order = free_order();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) blocks[i] = std::malloc(size);
        benchmark::DoNotOptimize(blocks.data());
        for (std::size_t i : order) std::free(blocks[i]);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

}  // namespace

BENCHMARK(pool_memreg)->Name("pool/memreg_pool");
BENCHMARK(pool_pmr)->Name("pool/pmr_unsynchronized_pool");
BENCHMARK(pool_malloc)->Name("pool/malloc");
