#include <memreg/recording.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "test_support.hpp"

using memreg::allocation_event;
using memreg::region;

TEST_CASE("recording_allocator logs every call", "[recording]") {
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::recording_allocator<>>);
    memreg::recording_allocator<> a;
    const region r = memreg::allocate(a, 40, 8);
    const region moved = memreg::reallocate(a, r, 4000, 8);
    memreg::deallocate(a, moved, 8);
    const auto& events = a.events();
    REQUIRE(events.size() == 3);
    CHECK(events[0].what == allocation_event::kind::allocate);
    CHECK(events[0].size == 40);
    CHECK(events[0].alignment == 8);
    CHECK(events[0].result == r.data());
    CHECK(events[1].what == allocation_event::kind::reallocate);
    CHECK(events[1].block == r.data());
    CHECK(events[1].result == moved.data());
    CHECK(events[2].what == allocation_event::kind::deallocate);
    CHECK(events[2].size == 4000);
    CHECK(a.live_blocks() == 0);
    a.check();
    a.check_no_leaks();
    a.clear_events();
    CHECK(a.events().empty());
}

TEST_CASE("recording_allocator flags double, foreign and mismatched frees", "[recording]") {
    memreg::recording_allocator<> a;
    const region r = memreg::allocate(a, 32, 16);
    const region s = memreg::allocate(a, 64, 16);
    memreg::deallocate(a, r, 16);
    memreg::deallocate(a, r, 16);  // twice: recorded, not passed on
    alignas(16) static std::byte foreign[16];
    // Through a volatile pointer: g++ -O2 cannot see that the recorder keeps a block it
    // does not know from its upstream, and would warn (-Wfree-nonheap-object) of a free()
    // that never runs.
    std::byte* volatile opaque = foreign;
    memreg::deallocate(a, region(opaque, 16), 16);
    memreg::deallocate(a, s.first(60), 8);  // wrong size and alignment: still freed
    CHECK(a.live_blocks() == 0);
    REQUIRE(a.problems().size() == 4);
    CHECK(a.problems()[0] == "deallocate(size=32, alignment=16, address=" + address_of(r.data()) +
                                 "): block not allocated here, or freed already");
    CHECK(a.problems()[2] == "deallocate(size=60, alignment=8, address=" + address_of(s.data()) +
                                 "): block was allocated with size 64");
    CHECK(a.problems()[3] == "deallocate(size=60, alignment=8, address=" + address_of(s.data()) +
                                 "): block was allocated with alignment 16");
    CHECK_THROWS_AS(a.check(), memreg::corruption);
    CHECK_THROWS_WITH(a.check(), a.problems()[0] + "\n" + a.problems()[1] + "\n" +
                                     a.problems()[2] + "\n" + a.problems()[3]);
    CHECK(a.problems()[1] == "deallocate(size=16, alignment=16, address=" + address_of(foreign) +
                                 "): block not allocated here, or freed already");
}

TEST_CASE("recording_allocator refuses a bad reallocate and reports leaks", "[recording]") {
    memreg::recording_allocator<> a;
    const region r = memreg::allocate(a, 100);
    CHECK(a.try_reallocate(r.first(50), 200, memreg::default_alignment).empty());
    CHECK(a.problems().size() == 1);
    CHECK(a.live_blocks() == 1);
    CHECK(a.live_bytes() == 100);
    CHECK_THROWS_WITH(a.check_no_leaks(),
                      "recording_allocator::check_no_leaks(blocks=1, bytes=100): blocks were "
                      "never freed");
    memreg::deallocate(a, r);
    a.check_no_leaks();
}

TEST_CASE("recording_allocator fails on demand", "[recording]") {
    memreg::recording_allocator<> a;
    a.fail_after(2);
    const region one = memreg::allocate(a, 8);
    region two = memreg::allocate(a, 8);
    CHECK(a.try_allocate(8, 8).empty());
    CHECK_THROWS_AS(memreg::allocate(a, 8), std::bad_alloc);
    CHECK(a.try_reallocate(two, 100, memreg::default_alignment).empty());  // two untouched, still live
    CHECK(a.live_blocks() == 2);
    a.never_fail();
    two = memreg::reallocate(a, two, 100);
    CHECK(two.size() == 100);
    CHECK(a.events().back().result == two.data());
    memreg::deallocate(a, one);
    CHECK(memreg::reallocate(a, two, 0).empty());
    a.check();
    a.check_no_leaks();
}
