// Reading a region through memreg::istream (a direct Boost.Iostreams device) against
// std::istringstream, std::ispanstream and plain memcpy: one bulk read of 64 MiB,
// and 4-byte reads through 1 MiB.
#include <memreg/span.hpp>
#include <memreg/stream.hpp>

#include <benchmark/benchmark.h>

#include <cstring>
#include <span>
#include <spanstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr std::size_t bulk_size = std::size_t{64} << 20;
constexpr std::size_t small_size = std::size_t{1} << 20;

const std::string& source(std::size_t n) {
    static std::string bulk(bulk_size, 'x');
    static std::string small(small_size, 'y');
    return n == bulk_size ? bulk : small;
}

memreg::const_region region_of(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void bytes(benchmark::State& state, std::size_t n) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// ---- one 64 MiB read ----------------------------------------------------------------
void bulk_memcpy(benchmark::State& state) {
    const std::string& src = source(bulk_size);
    std::vector<char> dst(bulk_size);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), bulk_size);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    bytes(state, bulk_size);
}

void bulk_memreg_istream(benchmark::State& state) {
    const std::string& src = source(bulk_size);
    std::vector<char> dst(bulk_size);
    memreg::istream in(region_of(src));
    for (auto _ : state) {
        in.seekg(0);
        in.read(dst.data(), static_cast<std::streamsize>(bulk_size));
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    if (static_cast<std::size_t>(in.gcount()) != bulk_size) state.SkipWithError("short read");
    bytes(state, bulk_size);
}

void bulk_istringstream(benchmark::State& state) {
    std::vector<char> dst(bulk_size);
    std::istringstream in(source(bulk_size));  // the copy into the stream is not timed
    for (auto _ : state) {
        in.seekg(0);
        in.read(dst.data(), static_cast<std::streamsize>(bulk_size));
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    bytes(state, bulk_size);
}

void bulk_ispanstream(benchmark::State& state) {
    const std::string& src = source(bulk_size);
    std::vector<char> dst(bulk_size);
    std::ispanstream in(std::span<const char>(src.data(), src.size()));
    for (auto _ : state) {
        in.seekg(0);
        in.read(dst.data(), static_cast<std::streamsize>(bulk_size));
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    bytes(state, bulk_size);
}

// ---- 4-byte reads through 1 MiB ---------------------------------------------------------
template <class Stream>
void read_words(benchmark::State& state, Stream& in) {
    char word[4];
    for (auto _ : state) {
        in.clear();
        in.seekg(0);
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < small_size / 4; ++i) {
            in.read(word, 4);
            sum += static_cast<unsigned char>(word[0]);
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (small_size / 4)));
    bytes(state, small_size);
}

/// The same reads one level down, on the stream buffer: no sentry per call.
template <class Stream>
void sgetn_words(benchmark::State& state, Stream& in) {
    char word[4];
    std::streambuf* buffer = in.rdbuf();
    for (auto _ : state) {
        buffer->pubseekpos(0, std::ios_base::in);
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < small_size / 4; ++i) {
            buffer->sgetn(word, 4);
            sum += static_cast<unsigned char>(word[0]);
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (small_size / 4)));
    bytes(state, small_size);
}

void words_memcpy(benchmark::State& state) {
    const std::string& src = source(small_size);
    char word[4];
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < small_size / 4; ++i) {
            std::memcpy(word, src.data() + 4 * i, 4);
            benchmark::DoNotOptimize(word);
            sum += static_cast<unsigned char>(word[0]);
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (small_size / 4)));
    bytes(state, small_size);
}

void words_memreg_istream(benchmark::State& state) {
    memreg::istream in(region_of(source(small_size)));
    read_words(state, in);
}

void words_istringstream(benchmark::State& state) {
    std::istringstream in(source(small_size));
    read_words(state, in);
}

void words_ispanstream(benchmark::State& state) {
    const std::string& src = source(small_size);
    std::ispanstream in(std::span<const char>(src.data(), src.size()));
    read_words(state, in);
}

void sgetn_memreg_istream(benchmark::State& state) {
    memreg::istream in(region_of(source(small_size)));
    sgetn_words(state, in);
}

void sgetn_istringstream(benchmark::State& state) {
    std::istringstream in(source(small_size));
    sgetn_words(state, in);
}

void sgetn_ispanstream(benchmark::State& state) {
    const std::string& src = source(small_size);
    std::ispanstream in(std::span<const char>(src.data(), src.size()));
    sgetn_words(state, in);
}

/// No stream: memreg::load<uint32_t> at each offset of the region (checked).
void words_memreg_load(benchmark::State& state) {
    const memreg::const_region r = region_of(source(small_size));
    for (auto _ : state) {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < small_size / 4; ++i) sum += memreg::load<std::uint32_t>(r, 4 * i) & 0xff;
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (small_size / 4)));
    bytes(state, small_size);
}

}  // namespace

BENCHMARK(bulk_memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_memreg_istream)->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_istringstream)->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_ispanstream)->Unit(benchmark::kMillisecond);
BENCHMARK(words_memcpy)->Unit(benchmark::kMicrosecond);
BENCHMARK(words_memreg_istream)->Unit(benchmark::kMicrosecond);
BENCHMARK(words_istringstream)->Unit(benchmark::kMicrosecond);
BENCHMARK(words_ispanstream)->Unit(benchmark::kMicrosecond);
BENCHMARK(sgetn_memreg_istream)->Unit(benchmark::kMicrosecond);
BENCHMARK(sgetn_istringstream)->Unit(benchmark::kMicrosecond);
BENCHMARK(sgetn_ispanstream)->Unit(benchmark::kMicrosecond);
BENCHMARK(words_memreg_load)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
