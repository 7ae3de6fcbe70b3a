// Iterating a region's elements through as_span, view_array and unaligned_span,
// against a raw pointer loop over the same memory: the checks are paid once per
// view, not per element.
#include <memreg/span.hpp>
#include <memreg/view.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

constexpr std::size_t count = 16 * 1024;  // 64 KiB of uint32_t: in L2, loop-bound

std::vector<std::uint32_t>& data() {
    static std::vector<std::uint32_t> v = [] {
        std::vector<std::uint32_t> d(count);
        for (std::size_t i = 0; i < count; ++i) d[i] = static_cast<std::uint32_t>(i * 2654435761u);
        return d;
    }();
    return v;
}

void items(benchmark::State& state) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}

void raw_pointer(benchmark::State& state) {
    const std::uint32_t* p = data().data();
    benchmark::DoNotOptimize(p);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < count; ++i) sum += p[i];
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

/// The raw loop with the length known only at run time, as as_span's is.
void raw_pointer_runtime_length(benchmark::State& state) {
    const std::uint32_t* p = data().data();
    std::size_t n = data().size();
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(n);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += p[i];
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

void as_span(benchmark::State& state) {
    memreg::const_region r = memreg::to_region(std::as_const(data()));
    benchmark::DoNotOptimize(r);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (const std::uint32_t x : memreg::as_span<const std::uint32_t>(r)) sum += x;
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

void view_array(benchmark::State& state) {
    memreg::const_region r = memreg::to_region(std::as_const(data()));
    benchmark::DoNotOptimize(r);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (const std::uint32_t x : memreg::view_array<std::uint32_t>(r, 0, count)) sum += x;
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

void unaligned_span(benchmark::State& state) {
    memreg::const_region r = memreg::to_region(std::as_const(data()));
    benchmark::DoNotOptimize(r);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (const std::uint32_t x : memreg::unaligned_span<const std::uint32_t>(r)) sum += x;
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

void unaligned_span_big_endian(benchmark::State& state) {
    memreg::const_region r = memreg::to_region(std::as_const(data()));
    benchmark::DoNotOptimize(r);
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (const std::uint32_t x : memreg::unaligned_span<const std::uint32_t, std::endian::big>(r))
            sum += x;
        benchmark::DoNotOptimize(sum);
    }
    items(state);
}

}  // namespace

BENCHMARK(raw_pointer)->Unit(benchmark::kMicrosecond);
BENCHMARK(raw_pointer_runtime_length)->Unit(benchmark::kMicrosecond);
BENCHMARK(as_span)->Unit(benchmark::kMicrosecond);
BENCHMARK(view_array)->Unit(benchmark::kMicrosecond);
BENCHMARK(unaligned_span)->Unit(benchmark::kMicrosecond);
BENCHMARK(unaligned_span_big_endian)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
