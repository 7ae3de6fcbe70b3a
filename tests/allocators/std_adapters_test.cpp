#include <memreg/arena.hpp>
#include <memreg/heap.hpp>
#include <memreg/pool.hpp>
#include <memreg/recording.hpp>
#include <memreg/std_adapters.hpp>
#include <memreg/synchronized.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <memory_resource>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "test_support.hpp"

using memreg::region;

namespace {

/// Runs std containers on allocator a, through std_allocator and through
/// memory_resource_adapter + std::pmr, and checks their contents.
template <class A>
void exercise_containers(A& a) {
    {
        std::vector<long, memreg::std_allocator<long, A>> v{memreg::std_allocator<long, A>(a)};
        for (long i = 0; i < 2000; ++i) v.push_back(i);
        CHECK(std::accumulate(v.begin(), v.end(), 0L) == 1999L * 2000 / 2);
        std::list<int, memreg::std_allocator<int, A>> l{memreg::std_allocator<int, A>(a)};
        for (int i = 0; i < 500; ++i) l.push_back(i);
        l.remove_if([](int i) { return i % 2 == 0; });
        CHECK(l.size() == 250);
        using string = std::basic_string<char, std::char_traits<char>, memreg::std_allocator<char, A>>;
        std::map<int, string, std::less<>, memreg::std_allocator<std::pair<const int, string>, A>> m{
            memreg::std_allocator<std::pair<const int, string>, A>(a)};
        for (int i = 0; i < 100; ++i)
            m.emplace(i, string("a string long enough to be on the heap",
                                memreg::std_allocator<char, A>(a)));
        CHECK(m.at(42).size() == 38);
    }
    {
        memreg::memory_resource_adapter<A> resource(a);
        std::pmr::vector<std::pmr::string> v(&resource);
        for (int i = 0; i < 300; ++i) v.emplace_back("pmr strings also live in the allocator");
        CHECK(v.back() == "pmr strings also live in the allocator");
        std::pmr::list<int> l(&resource);
        for (int i = 0; i < 300; ++i) l.push_front(i);
        CHECK(l.front() == 299);
    }
}

}  // namespace

TEST_CASE("std and pmr containers run on an arena", "[std_adapters]") {
    memreg::arena<> a;
    exercise_containers(a);
    memreg::recording_allocator<> recorded;
    {
        memreg::arena<memreg::recording_allocator<>> over(recorded, {.first_chunk = 1024});
        exercise_containers(over);
    }
    recorded.check();
    recorded.check_no_leaks();

    static std::byte buffer[1 << 20];
    memreg::arena<> fixed(region(buffer, sizeof buffer));
    exercise_containers(fixed);

    memreg::synchronized<memreg::arena<>> shared;
    exercise_containers(shared);
}

TEST_CASE("std and pmr containers run on a heap, bounded or not", "[std_adapters]") {
    memreg::heap<> h;
    exercise_containers(h);
    CHECK(h.stats().live_blocks == 0);
    h.validate();

    memreg::heap<> small({.maximum = 64 * 1024});
    std::vector<char, memreg::std_allocator<char, memreg::heap<>>> v{
        memreg::std_allocator<char, memreg::heap<>>(small)};
    CHECK_THROWS_AS(v.resize(100 * 1024), std::bad_alloc);
}

TEST_CASE("std and pmr containers run on the system heap, recorded", "[std_adapters]") {
    memreg::recording_allocator<> recorded;
    exercise_containers(recorded);
    recorded.check();
    recorded.check_no_leaks();
    CHECK(recorded.events().size() > 100);
}

TEST_CASE("list nodes run on a pool", "[std_adapters]") {
    memreg::pool<> p(64);
    {
        std::list<int, memreg::std_allocator<int, memreg::pool<>>> l{
            memreg::std_allocator<int, memreg::pool<>>(p)};
        for (int i = 0; i < 1000; ++i) l.push_back(i);
        CHECK(p.live_blocks() == 1000);
        memreg::memory_resource_adapter<memreg::pool<>> resource(p);
        std::pmr::list<int> pl(&resource);
        pl.assign(10, 7);
        CHECK(p.live_blocks() == 1010);
    }
    CHECK(p.live_blocks() == 0);
    p.validate();
}

TEST_CASE("containers run on a synchronized heap and a pmr resource", "[std_adapters]") {
    memreg::synchronized<memreg::heap<>> shared;
    exercise_containers(shared);
    shared.with_lock([](memreg::heap<>& h) { h.validate(); });

    std::pmr::monotonic_buffer_resource monotonic;
    memreg::from_memory_resource from(&monotonic);
    exercise_containers(from);
    memreg::from_memory_resource system;
    CHECK(system.resource() == std::pmr::get_default_resource());
    CHECK(from == memreg::from_memory_resource(&monotonic));
    CHECK_FALSE(from == system);
}

TEST_CASE("std_allocator compares, rebinds and reports overflow", "[std_adapters]") {
    memreg::arena<> a;
    memreg::arena<> b;
    const memreg::std_allocator<int, memreg::arena<>> x(a);
    const memreg::std_allocator<double, memreg::arena<>> y(x);
    CHECK(&y.get() == &a);
    CHECK(x == y);
    CHECK_FALSE(x == memreg::std_allocator<int, memreg::arena<>>(b));
    CHECK(memreg::std_allocator<int, memreg::malloc_allocator>() ==
          memreg::std_allocator<long, memreg::malloc_allocator>());

    memreg::std_allocator<std::uint64_t, memreg::arena<>> big(a);
    CHECK_THROWS_AS(big.allocate(SIZE_MAX / 4), std::bad_alloc);
    CHECK_THROWS_WITH(big.allocate(SIZE_MAX / 4),
                      "std_allocator::allocate(count=" + std::to_string(SIZE_MAX / 4) +
                          ", size=8): count * size overflows");

    memreg::memory_resource_adapter<memreg::arena<>> ra(a);
    memreg::memory_resource_adapter<memreg::arena<>> ra2(a);
    memreg::memory_resource_adapter<memreg::arena<>> rb(b);
    CHECK(ra.is_equal(ra2));
    CHECK_FALSE(ra.is_equal(rb));
    CHECK_FALSE(ra.is_equal(*std::pmr::new_delete_resource()));
    void* zero = ra.allocate(0, 8);
    CHECK(zero != nullptr);
    ra.deallocate(zero, 0, 8);
}

TEST_CASE("memory_resource_adapter reports failure as bad_alloc", "[std_adapters]") {
    alignas(16) std::byte buffer[64];
    memreg::arena<> a(region(buffer, sizeof buffer));
    memreg::memory_resource_adapter<memreg::arena<>> resource(a);
    CHECK_THROWS_AS(resource.allocate(128, 8), std::bad_alloc);
    CHECK_THROWS_WITH(resource.allocate(128, 8),
                      "allocate(size=128, alignment=8): the allocator could not provide the memory");

    memreg::recording_allocator<> failing;
    failing.fail_after(0);
    memreg::memory_resource_adapter<memreg::recording_allocator<>> refusing(failing);
    memreg::from_memory_resource from(&refusing);
    CHECK(from.try_allocate(16, 8).empty());  // the exception became an empty region
    CHECK(from.try_allocate(0, 8).empty());
    CHECK(from.try_allocate(16, 5).empty());
}

TEST_CASE("std_allocator converts from its allocator and says how much it can ask for", "[std_adapters]") {
    STATIC_REQUIRE(std::is_convertible_v<memreg::arena<>&, memreg::std_allocator<int, memreg::arena<>>>);
    STATIC_REQUIRE(std::is_nothrow_constructible_v<memreg::std_allocator<int, memreg::arena<>>, memreg::arena<>&>);
    memreg::arena<> a;
    std::vector<int, memreg::std_allocator<int, memreg::arena<>>> v(a);  // no std_allocator(a) to spell out
    v.assign(100, 7);
    CHECK(&v.get_allocator().get() == &a);
    CHECK(a.owns(v.data()));

    using traits = std::allocator_traits<memreg::std_allocator<std::uint64_t, memreg::arena<>>>;
    const memreg::std_allocator<std::uint64_t, memreg::arena<>> big(a);
    CHECK(traits::max_size(big) == SIZE_MAX / 8);
    CHECK(v.max_size() <= SIZE_MAX / sizeof(int));
    CHECK_THROWS_AS(v.reserve(v.max_size() + 1), std::length_error);  // the container refuses it first
}

TEST_CASE("std_allocator equality follows the allocator, in both directions", "[std_adapters]") {
    memreg::arena<> a;
    memreg::arena<> b;
    const memreg::std_allocator<int, memreg::arena<>> x(a);
    const memreg::std_allocator<char, memreg::arena<>> y(a);
    const memreg::std_allocator<char, memreg::arena<>> z(b);
    CHECK(x == y);
    CHECK(y == x);
    CHECK(x != z);
    CHECK(z != x);
    STATIC_REQUIRE_FALSE(memreg::std_allocator<int, memreg::arena<>>::is_always_equal::value);
    STATIC_REQUIRE(memreg::std_allocator<int, memreg::malloc_allocator>::is_always_equal::value);
}

TEST_CASE("memory_resource, the old name of memory_resource_adapter, still works", "[std_adapters][deprecated]") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    STATIC_REQUIRE(std::is_same_v<memreg::memory_resource<memreg::arena<>>,
                                  memreg::memory_resource_adapter<memreg::arena<>>>);
#pragma GCC diagnostic pop
}
