// Checksum of a file, page cache warm: through mapped_file, through read() in
// 1 MiB chunks, and through std::ifstream in 1 MiB chunks. Each iteration opens
// the file, checksums every byte and closes it, as a tool would.
//
// Two sizes: 256 MiB (the mapping saves a copy of every byte) and 4 KiB (where
// setting up and tearing down a mapping costs more than one small read()).
#include <memreg/file.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

constexpr std::size_t chunk = 1 << 20;

/// Sum of the little 64-bit words (and the tail bytes): cheap enough that the
/// way the bytes arrive is what the benchmark measures.
std::uint64_t checksum(const std::byte* p, std::size_t n) {
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        sum += word;
    }
    for (; i < n; ++i) sum += static_cast<std::uint64_t>(p[i]);
    return sum;
}

/// The two test files, made once in a temporary directory and removed at exit.
class files {
public:
    files() {
        std::string pattern = "/tmp/memreg-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        dir_ = pattern;
        make(large(), std::size_t{256} << 20);
        make(small(), 4096);
    }
    ~files() { std::filesystem::remove_all(dir_); }
    [[nodiscard]] std::string large() const { return (dir_ / "large.bin").string(); }
    [[nodiscard]] std::string small() const { return (dir_ / "small.bin").string(); }
    [[nodiscard]] std::string path(std::int64_t size) const { return size > 4096 ? large() : small(); }

private:
    static void make(const std::string& path, std::size_t size) {
        std::vector<std::uint64_t> block(chunk / 8);
        std::mt19937_64 random(42);
        std::ofstream out(path, std::ios::binary);
        for (std::size_t done = 0; done < size; done += chunk) {
            for (auto& w : block) w = random();
            out.write(reinterpret_cast<const char*>(block.data()),
                      static_cast<std::streamsize>(std::min(chunk, size - done)));
        }
    }
    std::filesystem::path dir_;
};

const files& test_files() {
    static const files f;
    return f;
}

/// The checksum the other methods must agree with, read once with read().
std::uint64_t expected(const std::string& path);

void by_mapped_file(benchmark::State& state) {
    const std::string path = test_files().path(state.range(0));
    const std::uint64_t want = expected(path);
    for (auto _ : state) {
        memreg::read_only_file f = memreg::read_only_file::open(path);
        f.advise(memreg::advice::sequential);
        const std::uint64_t sum = checksum(f.const_region().data(), f.size());
        if (sum != want) state.SkipWithError("wrong checksum");
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

/// A page-aligned 1 MiB buffer: read() copies fastest into one.
class chunk_buffer {
public:
    chunk_buffer() : data_(static_cast<std::byte*>(std::aligned_alloc(4096, chunk))) {
        if (data_ == nullptr) std::abort();
        std::memset(data_, 0, chunk);  // fault the pages in before timing
    }
    chunk_buffer(const chunk_buffer&) = delete;
    chunk_buffer& operator=(const chunk_buffer&) = delete;
    ~chunk_buffer() { std::free(data_); }
    [[nodiscard]] std::byte* data() const { return data_; }
    [[nodiscard]] std::size_t size() const { return chunk; }

private:
    std::byte* data_;
};

std::uint64_t checksum_by_read(const std::string& path, const chunk_buffer& buffer) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) std::abort();
    std::uint64_t sum = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n <= 0) break;
        // Chunks are multiples of 8 bytes except the last, so the sum is the same.
        sum += checksum(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return sum;
}

std::uint64_t expected(const std::string& path) {
    chunk_buffer buffer;
    return checksum_by_read(path, buffer);
}

void by_read(benchmark::State& state) {
    const std::string path = test_files().path(state.range(0));
    const std::uint64_t want = expected(path);
    chunk_buffer buffer;
    for (auto _ : state) {
        const std::uint64_t sum = checksum_by_read(path, buffer);
        if (sum != want) state.SkipWithError("wrong checksum");
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

void by_ifstream(benchmark::State& state) {
    const std::string path = test_files().path(state.range(0));
    const std::uint64_t want = expected(path);
    chunk_buffer buffer;
    for (auto _ : state) {
        std::ifstream in(path, std::ios::binary);
        std::uint64_t sum = 0;
        while (in) {
            in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
            sum += checksum(buffer.data(), static_cast<std::size_t>(in.gcount()));
        }
        if (sum != want) state.SkipWithError("wrong checksum");
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(by_mapped_file)->Arg(std::int64_t{256} << 20)->Arg(4096)->Unit(benchmark::kMicrosecond);
BENCHMARK(by_read)->Arg(std::int64_t{256} << 20)->Arg(4096)->Unit(benchmark::kMicrosecond);
BENCHMARK(by_ifstream)->Arg(std::int64_t{256} << 20)->Arg(4096)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
