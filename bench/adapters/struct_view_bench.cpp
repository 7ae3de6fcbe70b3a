// struct_view field access by name (what the Lua binding does per r.field access),
// against the same access with a path resolved once and a plain C++ member access.
#include <memreg/cdecl.hpp>
#include <memreg/view.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

const memreg::layout& packet() {
    static const memreg::layout l = memreg::cdecl::parse(R"(
        struct point { int16_t x, y; };
        struct packet {
            struct { uint8_t version; uint16_t len; uint32_t seq; } hdr;
            struct point items[8];
            double weight;
            bool urgent;
        };
    )", "struct packet");
    return l;
}

struct native_packet {
    struct { std::uint8_t version; std::uint16_t len; std::uint32_t seq; } hdr;
    struct { std::int16_t x, y; } items[8];
    double weight;
    bool urgent;
};

void get_top_level(benchmark::State& state) {
    std::vector<std::byte> memory(packet().size());
    const memreg::struct_view v(packet(), memreg::to_region(memory));
    for (auto _ : state) benchmark::DoNotOptimize(v.get<double>("weight"));
}

void get_nested_path(benchmark::State& state) {
    std::vector<std::byte> memory(packet().size());
    const memreg::struct_view v(packet(), memreg::to_region(memory));
    for (auto _ : state) benchmark::DoNotOptimize(v.get<int>("hdr.len"));
}

void get_array_path(benchmark::State& state) {
    std::vector<std::byte> memory(packet().size());
    const memreg::struct_view v(packet(), memreg::to_region(memory));
    for (auto _ : state) benchmark::DoNotOptimize(v.get<int>("items[5].y"));
}

void set_nested_path(benchmark::State& state) {
    std::vector<std::byte> memory(packet().size());
    const memreg::struct_view v(packet(), memreg::to_region(memory));
    int i = 0;
    for (auto _ : state) {
        v.set("items[5].y", i++ & 0x3fff);
        benchmark::ClobberMemory();
    }
}

void get_resolved_once(benchmark::State& state) {
    std::vector<std::byte> memory(packet().size());
    const memreg::region r = memreg::to_region(memory);
    const memreg::layout_member m = packet().resolve("items[5].y");
    const memreg::scalar_kind kind = m.type->scalar();
    for (auto _ : state)
        benchmark::DoNotOptimize(memreg::scalar_cast<int>(memreg::read_scalar(r, m.offset, kind)));
}

void native_member(benchmark::State& state) {
    native_packet p{};
    native_packet* volatile where = &p;
    for (auto _ : state) benchmark::DoNotOptimize(where->items[5].y);
}

}  // namespace

BENCHMARK(get_top_level);
BENCHMARK(get_nested_path);
BENCHMARK(get_array_path);
BENCHMARK(set_nested_path);
BENCHMARK(get_resolved_once);
BENCHMARK(native_member);

BENCHMARK_MAIN();
