#include <memreg/arena.hpp>
#include <memreg/heap.hpp>
#include <memreg/pool.hpp>
#include <memreg/synchronized.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
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

namespace {

/// A mutex whose lock() may throw, as std::mutex's may.
struct throwing_mutex {
    void lock() {}
    void unlock() noexcept {}
};

template <class A, class M>
concept can_synchronize = requires { typename memreg::synchronized<A, M>; } && requires(memreg::synchronized<A, M>& s) {
    s.try_allocate(1, 1);
};

}  // namespace

TEST_CASE("synchronized takes only a lock that cannot throw", "[synchronized]") {
    STATIC_REQUIRE(memreg::nothrow_lockable<memreg::nothrow_mutex>);
    STATIC_REQUIRE_FALSE(memreg::nothrow_lockable<throwing_mutex>);
    STATIC_REQUIRE_FALSE(memreg::nothrow_lockable<std::mutex>);  // lock() may throw std::system_error
    STATIC_REQUIRE(can_synchronize<memreg::heap<>, memreg::nothrow_mutex>);
    STATIC_REQUIRE_FALSE(can_synchronize<memreg::heap<>, std::mutex>);
    STATIC_REQUIRE_FALSE(can_synchronize<memreg::heap<>, throwing_mutex>);
    STATIC_REQUIRE(noexcept(std::declval<memreg::synchronized<memreg::heap<>>&>().try_allocate(1, 1)));
    STATIC_REQUIRE(noexcept(std::declval<memreg::synchronized<memreg::heap<>>&>().deallocate({}, 1)));
}

namespace {

/// A copyable allocator that counts its copies.
struct counted {
    explicit counted(int& copies) noexcept : copies_(&copies) {}
    counted(const counted& other) noexcept : copies_(other.copies_) { ++*copies_; }
    counted(counted&&) noexcept = default;
    region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        return memreg::malloc_allocator().try_allocate(n, alignment);
    }
    void deallocate(region r, std::size_t alignment) noexcept { memreg::malloc_allocator().deallocate(r, alignment); }
    int* copies_;
};

}  // namespace

TEST_CASE("synchronized never copies the allocator it is given", "[synchronized]") {
    using sync = memreg::synchronized<counted>;
    STATIC_REQUIRE_FALSE(std::is_constructible_v<sync, counted&>);
    STATIC_REQUIRE_FALSE(std::is_constructible_v<sync, const counted&>);
    STATIC_REQUIRE(std::is_constructible_v<sync, counted&&>);
    STATIC_REQUIRE(std::is_constructible_v<sync, int&>);  // an argument of counted's: built in place
    STATIC_REQUIRE_FALSE(std::is_constructible_v<sync, const char*>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<sync>);
    STATIC_REQUIRE_FALSE(std::is_constructible_v<memreg::synchronized<memreg::pool<>>, memreg::pool<>&&>);

    int copies = 0;
    counted mine(copies);
    sync moved(std::move(mine));
    sync in_place(copies);
    memreg::deallocate(moved, memreg::allocate(moved, 16));
    memreg::deallocate(in_place, memreg::allocate(in_place, 16));
    CHECK(copies == 0);
}

TEST_CASE("nothrow_mutex excludes: 4 threads count to 40 000 under it", "[synchronized]") {
    memreg::nothrow_mutex m;
    CHECK(m.try_lock());
    CHECK_FALSE(m.try_lock());
    m.unlock();
    long count = 0;  // not atomic: only the mutex protects it
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                std::lock_guard lock(m);
                ++count;
            }
        });
    for (std::thread& t : threads) t.join();
    CHECK(count == 40000);
}
