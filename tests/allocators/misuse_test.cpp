// Misuse that arenas, pools and heaps promise to catch (issue 10): each case is
// refused at the call (and reported, by rewind's exception or by validate()) or
// handled correctly, never followed.
#include <memreg/arena.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "test_support.hpp"

using memreg::region;

TEST_CASE("an arena over a small buffer whose ends are not 16-aligned stays inside it",
          "[arena][misuse]") {
    alignas(16) std::array<std::byte, 64> storage{};
    for (std::size_t start = 0; start < 16; ++start) {
        for (std::size_t size = 1; start + size <= storage.size(); ++size) {
            for (std::size_t alignment : {1, 2, 4, 8, 16, 32}) {
                memreg::arena<> a(region(storage.data() + start, size));
                for (std::size_t n : {1, 3, 4, 8, 17}) {
                    const region r = a.try_allocate(n, alignment);
                    if (r.empty()) continue;
                    INFO("start=" << start << " size=" << size << " alignment=" << alignment
                                  << " n=" << n);
                    CHECK(r.data() >= storage.data() + start);
                    CHECK(r.data() + r.size() <= storage.data() + start + size);
                    CHECK(aligned(r.data(), alignment));
                }
                const auto m = a.mark();
                a.reset();
                CHECK(a.mark() != m);  // a new generation
                CHECK(a.remaining() <= size);
            }
        }
    }
    memreg::arena<> a(region(storage.data() + 3, 5));
    CHECK(a.try_allocate(4, 8).empty());  // storage + 8 is past the buffer's end
    CHECK(a.try_allocate(1, 1).empty());  // no 16-byte boundary after its start: serves nothing
    CHECK(a.remaining() == 0);
    memreg::arena<> b(region(storage.data() + 3, 29));  // up to storage + 32
    CHECK(b.try_allocate(4, 8).data() == storage.data() + 8);
    CHECK(b.try_allocate(1, 1).data() == storage.data() + 12);
    CHECK(b.try_allocate(17, 16).empty());
    CHECK(b.try_allocate(16, 16).data() == storage.data() + 16);
    CHECK(b.try_allocate(1, 1).empty());
}

TEST_CASE("a marker from before a reset is refused, even where it still fits", "[arena][misuse]") {
    SECTION("growing arena") {
        memreg::arena<> a({.first_chunk = 4096});
        (void)memreg::allocate(a, 64);
        const auto before = a.mark();
        a.reset();
        const region live = memreg::allocate(a, 256);
        CHECK_THROWS_AS(a.rewind(before), memreg::bad_argument);
        CHECK_THROWS_WITH(a.rewind(before),
                          "arena::rewind(chunk=1, offset=64): the marker was taken before a reset "
                          "(marker generation 0, arena generation 1)");
        // Nothing was rewound: the next block follows the live one.
        CHECK(memreg::allocate(a, 16).data() >= live.data() + live.size());
        a.rewind(a.mark());  // a fresh marker still works
    }
    SECTION("fixed buffer") {
        alignas(16) std::array<std::byte, 256> buffer{};
        memreg::arena<> a(region(buffer.data(), buffer.size()));
        (void)memreg::allocate(a, 16);
        const auto before = a.mark();
        a.reset();
        a.reset();
        const region live = memreg::allocate(a, 128);
        CHECK_THROWS_WITH(a.rewind(before),
                          "arena::rewind(chunk=1, offset=16): the marker was taken before a reset "
                          "(marker generation 0, arena generation 2)");
        CHECK(memreg::allocate(a, 16).data() == live.data() + 128);
    }
}
