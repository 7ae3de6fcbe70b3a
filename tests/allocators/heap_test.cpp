#include <memreg/heap.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "test_support.hpp"

using memreg::region;

TEST_CASE("heap models the allocator concepts", "[heap]") {
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::heap<>>);
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::heap<counting_allocator>>);
    STATIC_REQUIRE_FALSE(memreg::arena_allocator<memreg::heap<>>);
}

TEST_CASE("heap serves small blocks from size classes and reuses freed ones", "[heap]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 24);
    const region b = memreg::allocate(h, 24);
    CHECK(a.size() == 24);
    CHECK(b.data() == a.data() + 32);  // 24 rounds up to the 32-byte class
    CHECK(aligned(a.data(), 16));
    memreg::deallocate(h, a);
    CHECK(memreg::allocate(h, 30).data() == a.data());  // same class: reused first
    const region c = memreg::allocate(h, 33);
    CHECK(c.data() != a.data());  // another class
    for (std::size_t alignment : {1, 2, 4, 8, 16}) {
        const region r = memreg::allocate(h, 7, alignment);
        CHECK(aligned(r.data(), alignment));
    }
    h.validate();
}

TEST_CASE("heap stats count live bytes, blocks, the peak and the capacity", "[heap]") {
    counting_allocator upstream;
    {
        memreg::heap<counting_allocator> h(upstream, {.initial = 8192});
        CHECK(h.stats().capacity_bytes == 8192);
        CHECK(upstream.bytes == 8192);
        const region a = memreg::allocate(h, 100);
        const region b = memreg::allocate(h, 5000);  // large: straight from upstream
        auto s = h.stats();
        CHECK(s.live_bytes == 5100);
        CHECK(s.live_blocks == 2);
        CHECK(s.peak_bytes == 5100);
        CHECK(s.capacity_bytes == upstream.bytes);
        CHECK(s.capacity_bytes > 8192 + 5000);
        CHECK(s.maximum_bytes == 0);
        memreg::deallocate(h, b);
        memreg::deallocate(h, a);
        s = h.stats();
        CHECK(s.live_bytes == 0);
        CHECK(s.live_blocks == 0);
        CHECK(s.peak_bytes == 5100);
        CHECK(s.capacity_bytes == 8192);
        h.validate();
    }
    CHECK(upstream.live == 0);
}

TEST_CASE("heap honours large alignments up to 4096", "[heap]") {
    memreg::heap<> h;
    std::vector<std::pair<region, std::size_t>> blocks;
    for (std::size_t alignment = 1; alignment <= 4096; alignment *= 2) {
        for (std::size_t n : {std::size_t{8}, std::size_t{600}}) {
            const region r = memreg::allocate(h, n, alignment);
            CHECK(aligned(r.data(), alignment));
            std::memset(r.data(), 1, n);
            blocks.emplace_back(r, alignment);
        }
    }
    h.validate();
    for (auto [r, alignment] : blocks) memreg::deallocate(h, r, alignment);
    CHECK(h.stats().live_blocks == 0);
    h.validate();
}

TEST_CASE("heap reallocates in place where it can", "[heap]") {
    memreg::heap<> h;
    region r = memreg::allocate(h, 20);
    std::memset(r.data(), 5, 20);
    const std::byte* at = r.data();
    r = memreg::reallocate(h, r, 32);  // same 32-byte class
    CHECK(r.data() == at);
    r = memreg::reallocate(h, r, 100);  // newest block: grows into the chunk
    CHECK(r.data() == at);
    CHECK(std::to_integer<int>(r.data()[19]) == 5);

    const region pin = memreg::allocate(h, 16);
    r = memreg::reallocate(h, r, 200);  // not the newest any more: moves
    CHECK(r.data() != at);
    CHECK(std::to_integer<int>(r.data()[19]) == 5);
    CHECK(h.stats().live_bytes == 216);

    r = memreg::reallocate(h, r, 3000);  // small to large
    std::memset(r.data() + 200, 6, 2800);
    r = memreg::reallocate(h, r, 50000);  // large to large, through realloc
    CHECK(std::to_integer<int>(r.data()[19]) == 5);
    CHECK(std::to_integer<int>(r.data()[2999]) == 6);
    r = memreg::reallocate(h, r, 40);  // large to small
    CHECK(std::to_integer<int>(r.data()[19]) == 5);
    CHECK(h.stats().live_bytes == 56);
    h.validate();
    CHECK(memreg::reallocate(h, r, 0).empty());
    memreg::deallocate(h, pin);
    CHECK(h.stats().live_bytes == 0);
    CHECK(h.try_reallocate(pin, 10, 3).empty());
}

TEST_CASE("heap never holds more than its maximum", "[heap]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 4096, .maximum = 16384});
    std::vector<region> blocks;
    for (region r; !(r = h.try_allocate(64, 16)).empty();) blocks.push_back(r);
    CHECK(upstream.bytes <= 16384);
    CHECK(h.stats().capacity_bytes <= 16384);
    CHECK(blocks.size() * 64 > 16384 - 1024);  // chunk headers and tails cost little
    CHECK(h.try_allocate(5000, 16).empty());
    CHECK_THROWS_AS(h.allocate(64), std::bad_alloc);
    const std::string held = std::to_string(h.stats().capacity_bytes);
    const std::string live = std::to_string(h.stats().live_bytes);
    CHECK_THROWS_WITH(h.allocate(64),
                      "heap::allocate(size=64, alignment=" + default_alignment_text +
                          "): the heap's maximum of 16384 bytes would be exceeded (" + held +
                          " held, " + live + " live)");
    // A full heap still shrinks a small block (in place, as Lua 5.1-5.3 expect)...
    std::vector<region> smalls;
    for (region r; !(r = h.try_allocate(16, 16)).empty();) smalls.push_back(r);
    const region shrunk = h.try_reallocate(blocks.front(), 8, 16);
    CHECK(shrunk.data() == blocks.front().data());
    CHECK(shrunk.size() == 8);
    blocks.front() = shrunk;
    // ... but cannot grow one out of its class.
    CHECK(h.try_reallocate(blocks[1], 65, 16).empty());
    h.validate();
    for (region r : smalls) memreg::deallocate(h, r);
    // Freed blocks are served again within the maximum.
    memreg::deallocate(h, blocks.back());
    blocks.pop_back();
    CHECK_FALSE(h.try_allocate(64, 16).empty());
    h.validate();
}

TEST_CASE("heap reports upstream failure and bad arguments", "[heap]") {
    counting_allocator upstream;
    upstream.budget = 100000;
    memreg::heap<counting_allocator> h(upstream);
    CHECK(h.try_allocate(200000, 16).empty());
    CHECK_THROWS_WITH(h.allocate(200000),
                      "heap::allocate(size=200000, alignment=" + default_alignment_text +
                          "): the upstream allocator could not provide the memory");
    CHECK_THROWS_AS(h.allocate(8, 12), memreg::bad_alignment);
    CHECK_THROWS_WITH(h.allocate(8, 12),
                      "heap::allocate(size=8, alignment=12): alignment is not a power of two");
    CHECK(h.try_allocate(8, 12).empty());
    CHECK(h.try_allocate(0, 16).empty());
    CHECK(h.allocate(0).empty());
    CHECK(h.try_allocate(SIZE_MAX, 16).empty());
    CHECK(h.try_allocate(SIZE_MAX - 20, 4096).empty());

    CHECK_THROWS_AS((memreg::heap<>({.initial = 8192, .maximum = 4096})), memreg::bad_argument);
    CHECK_THROWS_WITH((memreg::heap<>({.initial = 8192, .maximum = 4096})),
                      "heap(initial=8192, maximum=4096): the initial size is larger than the "
                      "maximum");
    CHECK_THROWS_WITH((memreg::heap<>({.initial = 20})),
                      "heap(initial=20, maximum=0): the initial size is too small for one block");
    upstream.budget = 0;
    CHECK_THROWS_AS(memreg::heap<counting_allocator>(upstream, {.initial = 4096}),
                    std::bad_alloc);
    CHECK_THROWS_WITH(memreg::heap<counting_allocator>(upstream, {.initial = 4100}),
                      "heap(size=4096, alignment=65536): the allocator could not provide the memory");
}

TEST_CASE("heap(options, error): bad options and upstream failure reported, the heap usable",
          "[heap][error_code]") {
    std::error_code error = std::make_error_code(std::errc::io_error);  // cleared on success
    {
        memreg::heap<> h({.initial = 8192, .maximum = 1 << 20}, error);
        CHECK_FALSE(error);
        CHECK(h.stats().capacity_bytes >= 8192);
    }
    {
        memreg::heap<> h({.initial = 8192, .maximum = 4096}, error);
        CHECK(error == std::errc::invalid_argument);
        CHECK(h.stats().capacity_bytes == 0);
        CHECK(h.stats().maximum_bytes == 4096);  // kept: the heap still keeps to it
        CHECK(h.try_allocate(8192, 16).empty());
        const region r = h.allocate(100);
        h.deallocate(r, 16);
        h.validate();
    }
    {
        memreg::heap<> h({.initial = 20}, error);
        CHECK(error == std::errc::invalid_argument);
        CHECK(h.stats().capacity_bytes == 0);
    }

    counting_allocator upstream;
    upstream.budget = 0;
    {
        memreg::heap<counting_allocator> h(upstream, {.initial = 4096}, error);
        CHECK(error == std::errc::not_enough_memory);
        CHECK(h.stats().capacity_bytes == 0);
        CHECK(upstream.live == 0);
    }
    // The first 64 KiB chunk is given, the second refused: the first goes back too.
    upstream.budget = 100000;
    {
        memreg::heap<counting_allocator> h(upstream, {.initial = 3 * 65536}, error);
        CHECK(error == std::errc::not_enough_memory);
        CHECK(upstream.allocations >= 1);            // the first chunk was given
        CHECK(upstream.bytes < 65536);               // the chunk went back; the table stays
        CHECK(h.stats().capacity_bytes == upstream.bytes);
        h.validate();
        const region r = h.allocate(100);            // usable: a chunk taken on demand
        CHECK(h.stats().capacity_bytes == upstream.bytes);
        h.deallocate(r, 16);
        h.validate();
    }
    CHECK(upstream.live == 0);
    upstream.budget = SIZE_MAX;
    memreg::heap<counting_allocator> h(upstream, {.initial = 3 * 65536}, error);
    CHECK_FALSE(error);
    CHECK(h.stats().capacity_bytes >= 3 * 65536);
    STATIC_REQUIRE(noexcept(memreg::heap<>(memreg::heap_options{}, error)));
}

TEST_CASE("validate catches blocks freed twice", "[heap][validate]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 40);
    const region b = memreg::allocate(h, 40);
    h.validate();

    SECTION("twice in a row: seen at the free, reported by validate") {
        memreg::deallocate(h, a);
        memreg::deallocate(h, a);
        CHECK_THROWS_AS(h.validate(), memreg::corruption);
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=40, address=" + address_of(a.data()) +
                                            "): block freed twice (it is free already)");
        CHECK(h.stats().live_blocks == 1);  // the second free was not counted
    }
    SECTION("with another free between: refused at the free too") {
        memreg::deallocate(h, a);
        memreg::deallocate(h, b);
        memreg::deallocate(h, a);  // reads only the check word, without ASan's check
        CHECK(h.stats().live_blocks == 0);
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=40, address=" + address_of(a.data()) +
                                            "): block freed twice (it is free already)");
        const region c = memreg::allocate(h, 40);
        CHECK(memreg::allocate(h, 40).data() != c.data());  // each handed out once
    }
}

TEST_CASE("validate catches a free-list link overwritten after free", "[heap][validate]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 64);
    (void)memreg::allocate(h, 64);
    memreg::deallocate(h, a);
    static std::byte elsewhere[64];
    std::byte* const planted = elsewhere;
    memreg::detail::unpoison(a.data(), sizeof planted);  // let the planted write through ASan
    std::memcpy(a.data(), &planted, sizeof planted);       // what a write after free does
    CHECK_THROWS_WITH(h.validate(), "heap::validate(size_class=64, address=" +
                                        address_of(elsewhere) +
                                        "): free list points outside the heap's chunks (a write "
                                        "after free, or a foreign block freed?)");
}

TEST_CASE("validate catches a foreign small block and large blocks misused", "[heap][validate]") {
    memreg::heap<> h;
    (void)memreg::allocate(h, 16);

    SECTION("a small block of another allocator") {
        alignas(16) static std::byte foreign[32];
        memreg::deallocate(h, region(foreign, 32));
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=32, address=" +
                                            address_of(foreign) +
                                            "): block was not allocated by this heap, or was "
                                            "freed twice");
        CHECK(h.stats().live_blocks == 1);
        CHECK(memreg::allocate(h, 32).data() != foreign);
    }
    SECTION("a large block of another allocator is left alone") {
        memreg::malloc_allocator system;
        const region foreign = memreg::allocate(system, 1000);
        std::memset(foreign.data(), 0, 1000);
        const region inside = foreign.subregion(64, 600);
        memreg::deallocate(h, inside);
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=600, address=" +
                                            address_of(inside.data()) +
                                            "): block was not allocated by this heap, or was "
                                            "freed twice");
        memreg::deallocate(system, foreign);
    }
    SECTION("a large block given back with the wrong size") {
        const region big = memreg::allocate(h, 1000);
        memreg::deallocate(h, big.first(900));
        CHECK(h.stats().live_bytes == 1016);  // refused: left alone
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=900, address=" +
                                            address_of(big.data()) +
                                            "): size differs from the size the block was "
                                            "allocated with");
        memreg::deallocate(h, big);
        CHECK(h.stats().live_bytes == 16);
    }
    SECTION("a large block header overwritten") {
        const region big = memreg::allocate(h, 1000);
        // An underrun of one word clobbers the check word (the header's last, on 32-bit
        // machines too, where the header's padding comes before it).
        std::memset(big.data() - sizeof(std::uintptr_t), 0, sizeof(std::uintptr_t));
        CHECK_THROWS_WITH(h.validate(), "heap::validate(address=" + address_of(big.data()) +
                                            "): large block header overwritten");
    }
}

TEST_CASE("heap survives a Lua-like churn of small allocs, reallocs and frees", "[heap]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.maximum = 4 * 1024 * 1024});
    std::mt19937 random(7);
    std::vector<region> live;
    std::size_t expected = 0;
    for (int step = 0; step < 20000; ++step) {
        if (step % 2000 == 0) h.validate();
        const auto n = std::uniform_int_distribution<std::size_t>(8, 512)(random);
        const int op = static_cast<int>(random() % 3);
        if (op == 0 || live.empty()) {
            region r = memreg::allocate(h, n);
            std::memset(r.data(), static_cast<int>(n & 0xff), n);
            expected += n;
            live.push_back(r);
        } else {
            const std::size_t i = random() % live.size();
            region& r = live[i];
            CHECK(std::to_integer<std::size_t>(r.data()[r.size() - 1]) == (r.size() & 0xff));
            expected -= r.size();
            if (op == 1) {
                r = memreg::reallocate(h, r, n);
                std::memset(r.data(), static_cast<int>(n & 0xff), n);
                expected += n;
            } else {
                memreg::deallocate(h, r);
                r = live.back();
                live.pop_back();
            }
        }
    }
    CHECK(h.stats().live_bytes == expected);
    CHECK(h.stats().live_blocks == live.size());
    h.validate();
    for (region r : live) memreg::deallocate(h, r);
    h.validate();
    CHECK(h.stats().live_bytes == 0);
}

TEST_CASE("validate catches free blocks that overlap or are off the grid", "[heap][validate]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 48);
    (void)memreg::allocate(h, 48);  // keeps a away from the chunk's carving edge

    SECTION("the same block freed with two sizes") {
        memreg::deallocate(h, a);
        memreg::deallocate(h, a.first(32));
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=32, address=" +
                                            address_of(a.data()) +
                                            "): size differs from the size the block was "
                                            "allocated with");
    }
    SECTION("a free block inside another") {
        memreg::deallocate(h, a);
        memreg::deallocate(h, a.subregion(16, 16));
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=16, address=" +
                                            address_of(a.data() + 16) +
                                            "): address is not the start of a block of this heap");
    }
    SECTION("a block freed at a pointer off the 16-byte grid") {
        memreg::deallocate(h, a.subregion(8, 16));
        CHECK_THROWS_WITH(h.validate(), "heap::deallocate(size=16, address=" +
                                            address_of(a.data() + 8) +
                                            "): address is not the start of a block of this heap");
        CHECK(h.stats().live_blocks == 2);
    }
    SECTION("a free-list link moved inside a block") {
        const region b = memreg::allocate(h, 48);
        memreg::deallocate(h, b);
        std::byte* const inside = a.data() + 16;  // a live block's middle
        memreg::detail::unpoison(b.data(), sizeof inside);
        std::memcpy(b.data(), &inside, sizeof inside);
        CHECK_THROWS_AS(h.validate(), memreg::corruption);
    }
    SECTION("a link cut short after free") {
        const region b = memreg::allocate(h, 40);
        memreg::deallocate(h, a);
        memreg::deallocate(h, b);                       // the list is b -> a
        memreg::detail::unpoison(b.data(), sizeof(void*));
        std::memset(b.data(), 0, sizeof(void*));        // a write after free ends it at b
        CHECK_THROWS_WITH(h.validate(), "heap::validate(size_class=48, address=0x0): free list "
                                        "shorter than its count (a link overwritten?)");
    }
}

TEST_CASE("validate cross-checks the large block list and the capacity", "[heap][validate]") {
    memreg::heap<> h;
    const region a = memreg::allocate(h, 1000);
    const region b = memreg::allocate(h, 2000);  // b is first on the list, then a
    auto* header = reinterpret_cast<memreg::detail::heap_parts::large_header*>(b.data()) - 1;
    const auto saved = *header;
    h.validate();

    SECTION("a link cut") {
        header->next = nullptr;
        CHECK_THROWS_WITH(h.validate(),
                          "heap::validate(count=2): large block list shorter than its count");
    }
    SECTION("a link looping back") {
        header->next = header;
        header->prev = header;
        CHECK_THROWS_WITH(h.validate(), "heap::validate(address=" + address_of(b.data()) +
                                            "): large block list longer than its count");
    }
    SECTION("a size changed") {
        header->size = 3000;
        const std::string capacity = std::to_string(h.stats().capacity_bytes);
        const std::string held = std::to_string(h.stats().capacity_bytes + 1000);
        CHECK_THROWS_WITH(h.validate(), "heap::validate(capacity=" + capacity +
                                            "): chunks and large blocks add up to " + held +
                                            " bytes");
    }
    *header = saved;  // so that the heap can give everything back
    h.validate();
    memreg::deallocate(h, a);
    memreg::deallocate(h, b);
}

namespace {
// An upstream that hands out the same 64 KiB-aligned memory again after it is freed, as
// malloc often does: what a heap made at the same address as an earlier one sees.
struct reusing_upstream {
    alignas(65536) static inline std::byte storage[8 * 65536];
    std::size_t used = 0;
    std::size_t live = 0;
    memreg::region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        const std::size_t at = (used + alignment - 1) / alignment * alignment;
        if (alignment > 65536 || at > sizeof storage || n > sizeof storage - at) return {};
        used = at + n;
        ++live;
        return {storage + at, n};
    }
    void deallocate(memreg::region, std::size_t) noexcept {
        if (--live == 0) used = 0;  // all back: the same memory goes out again
    }
};
}  // namespace

TEST_CASE("a heap over memory an earlier heap at the same address used frees its blocks",
          "[heap]") {
    // The check word that marks a free block is the address xor a key taken from the
    // heap's own address: a fresh block carved from reused memory must not pass for free.
    reusing_upstream upstream;
    for (int round = 0; round < 2; ++round) {
        memreg::heap<reusing_upstream> h(upstream);
        std::vector<memreg::region> blocks;
        for (int i = 0; i < 64; ++i) blocks.push_back(memreg::allocate(h, 4));
        for (memreg::region& b : blocks) b = memreg::reallocate(h, b, 8);
        for (memreg::region b : blocks) memreg::deallocate(h, b);
        CHECK_NOTHROW(h.validate());
        CHECK(h.stats().live_blocks == 0);
    }
}
