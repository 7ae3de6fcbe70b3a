#include <memreg/arena.hpp>
#include <memreg/heap.hpp>
#include <memreg/pool.hpp>
#include <memreg/synchronized.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

using memreg::region;

TEST_CASE("synchronized forwards the allocator's abilities", "[synchronized]") {
    STATIC_REQUIRE(memreg::arena_allocator<memreg::synchronized<memreg::arena<>>>);
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::synchronized<memreg::heap<>>>);
    STATIC_REQUIRE_FALSE(memreg::arena_allocator<memreg::synchronized<memreg::heap<>>>);
    STATIC_REQUIRE_FALSE(memreg::resizable_allocator<memreg::synchronized<memreg::pool<>>>);

    memreg::synchronized<memreg::arena<>> a(memreg::arena_options{.first_chunk = 256});
    const auto m = a.mark();
    (void)memreg::allocate(a, 1000);
    a.rewind(m);
    CHECK(a.mark() == m);
    (void)memreg::allocate(a, 10);
    a.reset(memreg::reset_mode::release);
    CHECK(a.with_lock([](memreg::arena<>& inner) { return inner.capacity(); }) == 0);
}

TEST_CASE("a synchronized heap survives several threads at once", "[synchronized]") {
    memreg::synchronized<memreg::heap<>> shared(memreg::heap_options{.maximum = 64 << 20});
    std::atomic<int> wrong{0};  // Catch's assertions are not thread-safe: count here
    auto work = [&shared, &wrong](int seed) {
        std::vector<region> mine;
        for (int i = 0; i < 5000; ++i) {
            const std::size_t n = 8 + static_cast<std::size_t>((i * 37 + seed) % 500);
            region r = memreg::allocate(shared, n);
            std::memset(r.data(), seed, n);
            mine.push_back(r);
            if (i % 3 == 2) {
                region& old = mine[static_cast<std::size_t>(i) / 2];
                if (std::to_integer<int>(old.data()[0]) != seed) ++wrong;
                old = memreg::reallocate(shared, old, n + 100);
            }
        }
        for (region r : mine) {
            if (std::to_integer<int>(r.data()[0]) != seed) ++wrong;
            memreg::deallocate(shared, r);
        }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t <= 4; ++t) threads.emplace_back(work, t);
    for (std::thread& t : threads) t.join();
    CHECK(wrong == 0);
    shared.with_lock([](memreg::heap<>& h) {
        h.validate();
        CHECK(h.stats().live_blocks == 0);
    });
}
