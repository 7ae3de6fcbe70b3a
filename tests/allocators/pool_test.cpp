#include <memreg/pool.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"

using memreg::region;

TEST_CASE("pool models the allocator concept", "[pool]") {
    STATIC_REQUIRE(memreg::allocator<memreg::pool<>>);
    STATIC_REQUIRE_FALSE(memreg::resizable_allocator<memreg::pool<>>);
}

TEST_CASE("pool hands out fixed-size blocks and reuses freed ones first", "[pool]") {
    counting_allocator upstream;
    {
        memreg::pool<counting_allocator> p(upstream, 24);
        CHECK(upstream.allocations == 0);  // the first chunk is lazy
        const region a = memreg::allocate(p, 24);
        CHECK(upstream.allocations == 1);
        const region b = memreg::allocate(p, 10);
        CHECK(a.size() == 24);
        CHECK(b.size() == 10);
        // 24 bytes at the default alignment: 32 (16 on x86-64 and i686), 24 (8 on s390x).
        CHECK(b.data() == a.data() + (24 + memreg::default_alignment - 1) / memreg::default_alignment *
                                         memreg::default_alignment);
        CHECK(p.live_blocks() == 2);
        memreg::deallocate(p, a);
        CHECK(p.live_blocks() == 1);
        CHECK(memreg::allocate(p, 24).data() == a.data());
        p.validate();
    }
    CHECK(upstream.live == 0);
}

TEST_CASE("pool refuses what does not fit its blocks", "[pool]") {
    memreg::pool<> p(32, {.alignment = 8});
    CHECK(p.try_allocate(33, 8).empty());
    CHECK(p.try_allocate(0, 8).empty());
    CHECK(p.try_allocate(8, 16).empty());  // more alignment than the pool's
    CHECK(p.try_allocate(8, 3).empty());
    CHECK(p.try_allocate(SIZE_MAX, 8).empty());
    CHECK_THROWS_WITH(memreg::allocate(p, 33, 8),
                      "allocate(size=33, alignment=8): the allocator could not provide the memory");
    CHECK_THROWS_AS(memreg::pool<>(0), memreg::bad_argument);
    CHECK_THROWS_WITH(memreg::pool<>(0),
                      "pool(block_size=0, alignment=" + default_alignment_text +
                          "): block size must be between 1 and 2^32 bytes");
    CHECK_THROWS_WITH(memreg::pool<>(8, {.alignment = 24}),
                      "pool(block_size=8, alignment=24): alignment is not a power of two");
}

TEST_CASE("pool grows over several chunks and honours its alignment", "[pool]") {
    counting_allocator upstream;
    memreg::pool<counting_allocator> p(upstream, 100, {.alignment = 4096, .first_chunk_blocks = 2});
    std::set<const std::byte*> seen;
    std::vector<region> blocks;
    for (int i = 0; i < 40; ++i) {
        const region r = memreg::allocate(p, 100, 4096);
        CHECK(aligned(r.data(), 4096));
        CHECK(seen.insert(r.data()).second);
        std::memset(r.data(), i, 100);
        blocks.push_back(r);
    }
    CHECK(upstream.allocations > 3);
    CHECK(p.capacity() == upstream.bytes);
    for (int i = 0; i < 40; ++i)
        CHECK(std::to_integer<int>(blocks[static_cast<std::size_t>(i)].data()[99]) == i);
    for (region r : blocks) memreg::deallocate(p, r, 4096);
    CHECK(p.live_blocks() == 0);
    p.validate();
}

TEST_CASE("pool fails cleanly when its upstream does", "[pool]") {
    counting_allocator upstream;
    upstream.budget = 1000;
    memreg::pool<counting_allocator> p(upstream, 64, {.first_chunk_blocks = 8});
    std::size_t got = 0;
    while (!p.try_allocate(64, memreg::default_alignment).empty()) ++got;
    CHECK(got == 8);  // the second chunk (16 blocks) is over the budget
}

TEST_CASE("pool refuses double frees and foreign blocks at the call", "[pool][validate][misuse]") {
    memreg::pool<> p(32);
    const region a = memreg::allocate(p, 32);
    const region b = memreg::allocate(p, 32);
    const auto at = [](const void* q) { return address_of(q); };

    SECTION("twice in a row") {
        memreg::deallocate(p, a);
        memreg::deallocate(p, a);
        CHECK(p.live_blocks() == 1);
        CHECK_THROWS_AS(p.validate(), memreg::corruption);
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=32, address=" + at(a.data()) +
                                            "): block freed twice (it is free already)");
    }
    SECTION("with another free between") {
        memreg::deallocate(p, a);
        memreg::deallocate(p, b);
        memreg::deallocate(p, a);  // reads only the check word: no ASan report either
        CHECK(p.live_blocks() == 0);
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=32, address=" + at(a.data()) +
                                            "): block freed twice (it is free already)");
        // Each block is handed out once.
        const region c = memreg::allocate(p, 32);
        const region d = memreg::allocate(p, 32);
        CHECK(c.data() != d.data());
    }
    SECTION("a static block of someone else") {
        alignas(16) static std::byte foreign[32];
        memreg::deallocate(p, region(foreign, 32));
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=32, address=" + at(foreign) +
                                            "): block is in none of the pool's chunks (another "
                                            "allocator's, or not allocated at all?)");
        CHECK(p.live_blocks() == 2);
    }
    SECTION("a stack buffer is never handed out") {
        alignas(16) std::byte stack[64];
        memreg::deallocate(p, region(stack, 32));
        for (int i = 0; i < 100; ++i) {
            const region r = memreg::allocate(p, 32);
            CHECK((r.data() < stack || r.data() >= stack + sizeof stack));
        }
        CHECK_THROWS_AS(p.validate(), memreg::corruption);
    }
    SECTION("a block off the grid") {
        memreg::deallocate(p, b.subregion(8, 16));
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=16, address=" + at(b.data() + 8) +
                                            "): address is not the start of one of the pool's "
                                            "blocks");
    }
    SECTION("a block larger than the pool's") {
        memreg::deallocate(p, region(b.data(), 48));
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=48, address=" + at(b.data()) +
                                            "): size is larger than the pool's blocks");
    }
    SECTION("a block not carved yet") {
        memreg::deallocate(p, region(b.data() + 32, 32));
        CHECK_THROWS_WITH(p.validate(), "pool::deallocate(size=32, address=" + at(b.data() + 32) +
                                            "): block is in none of the pool's chunks (another "
                                            "allocator's, or not allocated at all?)");
    }
    SECTION("a free-list link overwritten after free") {
        memreg::deallocate(p, a);
        alignas(16) static std::byte elsewhere[32];
        std::byte* const planted = elsewhere;
        memreg::detail::unpoison(a.data(), sizeof planted);
        std::memcpy(a.data(), &planted, sizeof planted);
        CHECK_THROWS_WITH(p.validate(), "pool::validate(address=" + at(elsewhere) +
                                            "): free list points outside the pool's blocks (a "
                                            "write after free, or a foreign block freed?)");
    }
}

TEST_CASE("pool finds the chunk of a block among many", "[pool]") {
    memreg::pool<> p(48, {.first_chunk_blocks = 1});
    std::vector<region> blocks;
    for (int i = 0; i < 3000; ++i) blocks.push_back(memreg::allocate(p, 48));
    for (std::size_t i = 0; i < blocks.size(); i += 2) memreg::deallocate(p, blocks[i]);
    for (std::size_t i = 1; i < blocks.size(); i += 2) memreg::deallocate(p, blocks[i]);
    CHECK(p.live_blocks() == 0);
    p.validate();
}
