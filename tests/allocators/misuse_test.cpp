// Misuse that arenas, pools and heaps promise to catch (issue 10): each case is
// refused at the call (and reported, by rewind's exception or by validate()) or
// handled correctly, never followed.
#include <memreg/arena.hpp>
#include <memreg/heap.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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
    // Storage + 3 to storage + 15 (+ 7 where the default alignment is 8, as on s390x):
    // no default-alignment boundary after its start, so it serves nothing.
    memreg::arena<> a(region(storage.data() + 3, memreg::default_alignment - 4));
    CHECK(a.try_allocate(4, 4).empty());
    CHECK(a.try_allocate(1, 1).empty());
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

TEST_CASE("a heap block freed with another alignment than it was allocated with goes back right",
          "[heap][misuse]") {
    memreg::heap<> h;
    const region r = memreg::allocate(h, 100, 64);
    memreg::deallocate(h, r);  // the default alignment, 16: the block is found by its address
    CHECK(h.stats().live_blocks == 0);
    h.validate();
    std::vector<region> blocks;
    for (int i = 0; i < 100; ++i) {
        blocks.push_back(memreg::allocate(h, 100));
        CHECK(blocks.back().data() != r.data());
    }
    h.validate();
    for (region b : blocks) memreg::deallocate(h, b, 64);  // and small ones with a larger one
    CHECK(h.stats().live_blocks == 0);
    h.validate();
}

TEST_CASE("a heap refuses foreign and twice-freed large blocks without reading them",
          "[heap][misuse]") {
    // Under ASan, any read in front of these blocks would be reported.
    memreg::heap<> h;
    SECTION("a block of another allocator") {
        memreg::malloc_allocator system;
        const region foreign = memreg::allocate(system, 600);
        memreg::deallocate(h, foreign);
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=600, address=" +
                                            address_of(foreign.data()) +
                                            "): block was not allocated by this heap, or was "
                                            "freed twice");
        memreg::deallocate(system, foreign);
    }
    SECTION("a large block freed twice") {
        const region a = memreg::allocate(h, 1000);
        memreg::deallocate(h, a);
        memreg::deallocate(h, a);
        CHECK(h.stats().live_blocks == 0);
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=1000, address=" +
                                            address_of(a.data()) +
                                            "): block was not allocated by this heap, or was "
                                            "freed twice");
    }
}

TEST_CASE("free A, allocate B at the same address, free A again: B stays live", "[heap][misuse]") {
    memreg::arena<> upstream;  // gives its newest block back in place: B lands where A was
    memreg::heap<memreg::arena<>> h(upstream);
    const region a = memreg::allocate(h, 1000);
    memreg::deallocate(h, a);
    const region b = memreg::allocate(h, 900);
    REQUIRE(b.data() == a.data());
    std::memset(b.data(), 0x42, b.size());
    memreg::deallocate(h, a);  // stale: A's size, not B's
    CHECK(h.stats().live_blocks == 1);
    CHECK(h.stats().live_bytes == 900);
    CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=1000, address=" + address_of(a.data()) +
                                        "): size differs from the size the block was allocated "
                                        "with");
    const region c = memreg::allocate(h, 900);
    CHECK(c.data() != b.data());
    for (std::byte x : b) REQUIRE(std::to_integer<int>(x) == 0x42);
    memreg::deallocate(h, c);
    memreg::deallocate(h, b);
    CHECK(h.stats().live_blocks == 0);
}

TEST_CASE("a 16-byte heap block freed as 500 bytes is refused, its neighbour kept",
          "[heap][misuse]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 16);
    const region neighbour = memreg::allocate(h, 16);
    REQUIRE(neighbour.data() == a.data() + 16);
    std::memset(neighbour.data(), 0x5a, 16);
    memreg::deallocate(h, region(a.data(), 500));
    CHECK(h.stats().live_blocks == 2);
    const region big = memreg::allocate(h, 500);
    std::memset(big.data(), 0, big.size());
    for (std::byte x : neighbour) CHECK(std::to_integer<int>(x) == 0x5a);
    CHECK_THROWS_AS(h.validate(), memreg::corruption);
    CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=500, address=" + address_of(a.data()) +
                                        "): size differs from the size the block was allocated "
                                        "with");
    // Also refused through try_reallocate, and with a size of another small class.
    memreg::heap<> g;
    const region x = memreg::allocate(g, 40);
    (void)memreg::allocate(g, 40);
    CHECK(g.try_reallocate(region(x.data(), 200), 300, 16).empty());
    memreg::deallocate(g, region(x.data(), 17));
    CHECK(g.stats().live_blocks == 2);
    CHECK_THROWS_WITH(g.validate(), "heap::deallocate(size=200, address=" + address_of(x.data()) +
                                        "): size differs from the size the block was allocated "
                                        "with");
    memreg::deallocate(g, region(x.data(), 33));  // the same 48-byte class: fine
    CHECK(g.stats().live_blocks == 1);
}

TEST_CASE("a heap finds blocks by address among many chunks and large blocks", "[heap][misuse]") {
    counting_allocator upstream;
    {
        memreg::heap<counting_allocator> h(upstream);
        std::vector<region> blocks;
        for (std::size_t i = 0; i < 40000; ++i) {
            const std::size_t n = i % 97 == 0 ? 600 + i % 5000 : 1 + i % 512;
            blocks.push_back(memreg::allocate(h, n, i % 7 == 0 ? 32 : 16));
        }
        h.validate();
        CHECK(h.stats().capacity_bytes == upstream.bytes);
        for (std::size_t i = 0; i < blocks.size(); i += 2) memreg::deallocate(h, blocks[i]);
        h.validate();
        for (std::size_t i = 1; i < blocks.size(); i += 2) memreg::deallocate(h, blocks[i]);
        CHECK(h.stats().live_blocks == 0);
        h.validate();
        CHECK(h.trim() > 0);
        h.validate();
        CHECK(h.stats().capacity_bytes == upstream.bytes);
    }
    CHECK(upstream.live == 0);
}
