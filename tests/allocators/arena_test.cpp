#include <memreg/arena.hpp>
#include <memreg/heap.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using memreg::region;

TEST_CASE("arena models the allocator concepts", "[arena]") {
    STATIC_REQUIRE(memreg::allocator<memreg::arena<>>);
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::arena<>>);
    STATIC_REQUIRE(memreg::arena_allocator<memreg::arena<>>);
    STATIC_REQUIRE(memreg::arena_allocator<memreg::arena<counting_allocator>>);
}

TEST_CASE("an arena over a buffer bumps through it and never grows", "[arena]") {
    alignas(64) std::array<std::byte, 256> buffer{};
    memreg::arena<> a(region(buffer.data(), buffer.size()));
    CHECK(a.capacity() == 256);
    CHECK(a.chunks() == 1);

    const region first = memreg::allocate(a, 10, 1);
    CHECK(first.data() == buffer.data());
    const region second = memreg::allocate(a, 8, 8);
    CHECK(second.data() == buffer.data() + 16);  // padded up to 8 from offset 10
    CHECK(a.remaining() == 256 - 24);
    CHECK(a.owns(second.data()));
    CHECK_FALSE(a.owns(buffer.data() + 256));

    CHECK(a.try_allocate(233, 1).empty());  // 232 left
    const region rest = a.try_allocate(232, 1);
    CHECK(rest.size() == 232);
    CHECK(a.remaining() == 0);
    CHECK(a.try_allocate(1, 1).empty());
    CHECK_THROWS_WITH(memreg::allocate(a, 1, 1),
                      "allocate(size=1, alignment=1): the allocator could not provide the memory");
}

TEST_CASE("a growing arena takes geometrically larger chunks from its upstream", "[arena]") {
    counting_allocator upstream;
    {
        memreg::arena<counting_allocator> a(upstream, {.first_chunk = 256});
        CHECK(a.chunks() == 0);  // the first chunk comes with the first allocation
        CHECK(upstream.live == 0);

        std::vector<region> blocks;
        for (int i = 0; i < 100; ++i) {
            region r = memreg::allocate(a, 40);
            std::memset(r.data(), i, r.size());
            blocks.push_back(r);
        }
        CHECK(a.chunks() > 1);
        CHECK(upstream.live == a.chunks());
        CHECK(upstream.sizes.at(0) == 256);
        for (std::size_t i = 1; i < upstream.sizes.size(); ++i)
            CHECK(upstream.sizes[i] == 2 * upstream.sizes[i - 1]);
        CHECK(a.capacity() == std::accumulate(upstream.sizes.begin(), upstream.sizes.end(),
                                              std::size_t{0}));
        // Every block kept its bytes: no chunk overlapped another.
        for (int i = 0; i < 100; ++i)
            CHECK(std::to_integer<int>(blocks[static_cast<std::size_t>(i)].data()[39]) == i);

        // A block larger than the next chunk gets a chunk of its own size.
        const region big = memreg::allocate(a, 100000);
        CHECK(big.size() == 100000);
        CHECK(upstream.sizes.back() >= 100000);
    }
    CHECK(upstream.live == 0);  // the destructor gave every chunk back
}

TEST_CASE("arena honours every power-of-two alignment up to 4096", "[arena]") {
    memreg::arena<> a({.first_chunk = 128});
    for (std::size_t alignment = 1; alignment <= 4096; alignment *= 2) {
        (void)memreg::allocate(a, 3, 1);  // knock the top off any alignment
        const region r = memreg::allocate(a, 24, alignment);
        CHECK(aligned(r.data(), alignment));
        CHECK(r.size() == 24);
    }
    alignas(4096) static std::array<std::byte, 8192> buffer;
    memreg::arena<> fixed(region(buffer.data(), buffer.size()));
    (void)memreg::allocate(fixed, 1, 1);
    CHECK(memreg::allocate(fixed, 8, 4096).data() == buffer.data() + 4096);
}

TEST_CASE("arena rejects bad alignments and overflowing sizes", "[arena]") {
    memreg::arena<> a;
    CHECK(a.try_allocate(8, 3).empty());
    CHECK(a.try_allocate(8, 0).empty());
    CHECK(a.try_allocate(0, 8).empty());
    CHECK(a.try_allocate(SIZE_MAX, 8).empty());
    CHECK(a.try_allocate(SIZE_MAX - 8, 4096).empty());
    CHECK_THROWS_AS(memreg::allocate(a, 8, 48), memreg::bad_alignment);
    CHECK_THROWS_WITH(memreg::allocate(a, 8, 48),
                      "allocate(size=8, alignment=48): alignment is not a power of two");
    CHECK_THROWS_WITH(memreg::allocate(a, SIZE_MAX - 8, 16),
                      "allocate(size=" + std::to_string(SIZE_MAX - 8) +
                          ", alignment=16): the allocator could not provide the memory");
    CHECK(a.try_reallocate(region(), 8, 6).empty());
}

TEST_CASE("arena limit bounds what it takes from upstream", "[arena]") {
    counting_allocator upstream;
    memreg::arena<counting_allocator> a(upstream, {.first_chunk = 1024, .limit = 3000});
    std::size_t got = 0;
    while (!a.try_allocate(100, 8).empty()) got += 100;
    CHECK(a.capacity() <= 3000);
    CHECK(upstream.bytes <= 3000);
    CHECK(got >= 2500);
    CHECK(a.try_allocate(4000, 8).empty());
    a.reset(memreg::reset_mode::release);
    CHECK(upstream.bytes == 0);
    CHECK(memreg::allocate(a, 2900, 8).size() == 2900);  // the limit is for what is held
}

TEST_CASE("freeing and resizing the newest allocation happen in place", "[arena]") {
    memreg::arena<> a({.first_chunk = 1024});
    const region r = memreg::allocate(a, 100, 8);
    const std::size_t left = a.remaining();
    memreg::deallocate(a, r, 8);
    CHECK(a.remaining() == left + 100);
    CHECK(memreg::allocate(a, 100, 8).data() == r.data());

    std::memset(r.data(), 7, 100);
    const region grown = memreg::reallocate(a, r, 300, 8);
    CHECK(grown.data() == r.data());
    CHECK(std::to_integer<int>(grown.data()[99]) == 7);
    const region shrunk = memreg::reallocate(a, grown, 50, 8);
    CHECK(shrunk.data() == r.data());
    CHECK(a.remaining() == left + 100 - 50);

    // An older block moves when it grows, keeping its contents.
    const region newer = memreg::allocate(a, 16, 8);
    const region moved = memreg::reallocate(a, shrunk, 80, 8);
    CHECK(moved.data() != shrunk.data());
    CHECK(moved.data() > newer.data());
    CHECK(std::to_integer<int>(moved.data()[49]) == 7);
    // ... and shrinks in place.
    CHECK(memreg::reallocate(a, moved, 10, 8).data() == moved.data());
    CHECK(memreg::reallocate(a, moved.first(10), 0, 8).empty());
}

TEST_CASE("rewind gives back everything since the marker, across chunks", "[arena]") {
    counting_allocator upstream;
    memreg::arena<counting_allocator> a(upstream, {.first_chunk = 256});
    (void)memreg::allocate(a, 64);
    const auto m = a.mark();
    CHECK(m.chunk() == 1);
    CHECK(m.offset() == 64);
    for (int i = 0; i < 50; ++i) (void)memreg::allocate(a, 64);
    const std::size_t chunks = a.chunks();
    CHECK(chunks > 2);
    a.rewind(m);
    CHECK(a.chunks() == 1);
    CHECK(a.mark() == m);
    CHECK(upstream.live == chunks);  // kept as spare capacity
    // The spare chunks are used again before asking the upstream for more.
    for (int i = 0; i < 50; ++i) (void)memreg::allocate(a, 64);
    CHECK(upstream.allocations == chunks);
    CHECK(a.chunks() == chunks);

    const auto empty = memreg::arena<counting_allocator>(upstream).mark();
    CHECK(empty.chunk() == 0);
}

TEST_CASE("rewind rejects markers it cannot honour", "[arena]") {
    memreg::arena<> a({.first_chunk = 256});
    memreg::arena<> other;
    (void)memreg::allocate(a, 16);
    const auto early = a.mark();
    (void)memreg::allocate(a, 32);
    const auto late = a.mark();

    CHECK_THROWS_AS(a.rewind(other.mark()), memreg::bad_argument);
    CHECK_THROWS_WITH(a.rewind(other.mark()),
                      "arena::rewind(chunk=0, offset=0): the marker belongs to another arena");
    a.rewind(early);
    CHECK_THROWS_WITH(a.rewind(late),
                      "arena::rewind(chunk=1, offset=48): the marker is newer than the arena's "
                      "top (chunk=1, offset=16)");
    for (int i = 0; i < 20; ++i) (void)memreg::allocate(a, 64);
    const auto in_chunk_3 = a.mark();
    REQUIRE(in_chunk_3.chunk() >= 3);
    a.rewind(early);
    CHECK_THROWS_WITH(a.rewind(in_chunk_3),
                      "arena::rewind(chunk=" + std::to_string(in_chunk_3.chunk()) +
                          ", offset=" + std::to_string(in_chunk_3.offset()) +
                          "): the marker is newer than the arena's top (chunk=1, offset=16)");
    CHECK_THROWS_WITH(other.rewind(in_chunk_3),
                      "arena::rewind(chunk=" + std::to_string(in_chunk_3.chunk()) +
                          ", offset=" + std::to_string(in_chunk_3.offset()) +
                          "): the marker belongs to another arena");
}

TEST_CASE("rewind rejects a marker that no longer fits its chunk", "[arena]") {
    memreg::arena<> a({.first_chunk = 256});
    const auto start = a.mark();
    (void)memreg::allocate(a, 8, 8);    // chunk 1: 256 B
    (void)memreg::allocate(a, 300, 8);  // chunk 2: 512 B
    const auto stale = a.mark();
    REQUIRE(stale.chunk() == 2);
    REQUIRE(stale.offset() == 300);
    a.rewind(start);              // both chunks kept as spares (a reset would refuse it sooner)
    (void)memreg::allocate(a, 400, 8);  // only the 512 B spare fits: it is chunk 1 now
    (void)memreg::allocate(a, 200, 8);  // the 256 B spare becomes chunk 2
    (void)memreg::allocate(a, 100, 8);  // chunk 3
    REQUIRE(a.chunks() == 3);
    CHECK_THROWS_AS(a.rewind(stale), memreg::bad_argument);
    CHECK_THROWS_WITH(a.rewind(stale),
                      "arena::rewind(chunk=2, offset=300): the marker is outside its chunk of "
                      "240 bytes (a marker from before a rewind or reset?)");
    CHECK(a.chunks() == 3);  // nothing was given back
}

TEST_CASE("reset keeps or releases capacity", "[arena]") {
    counting_allocator upstream;
    memreg::arena<counting_allocator> a(upstream, {.first_chunk = 256});
    for (int i = 0; i < 40; ++i) (void)memreg::allocate(a, 64);
    const std::size_t chunks = upstream.live;
    const std::size_t capacity = a.capacity();

    a.reset();  // keep_capacity
    CHECK(a.chunks() == 0);
    CHECK(a.capacity() == capacity);
    CHECK(upstream.live == chunks);
    for (int i = 0; i < 40; ++i) (void)memreg::allocate(a, 64);
    CHECK(upstream.allocations == chunks);

    a.reset(memreg::reset_mode::release);
    CHECK(a.capacity() == 0);
    CHECK(upstream.live == 0);
    (void)memreg::allocate(a, 8);
    CHECK(upstream.sizes.back() == 256);  // growth starts over

    alignas(16) std::array<std::byte, 64> buffer{};
    memreg::arena<> fixed(region(buffer.data(), buffer.size()));
    (void)memreg::allocate(fixed, 64, 1);
    fixed.reset();
    CHECK(memreg::allocate(fixed, 64, 1).data() == buffer.data());
}

TEST_CASE("arena_scope rewinds when it ends", "[arena]") {
    memreg::arena<> a;
    (void)memreg::allocate(a, 24);
    const auto before = a.mark();
    {
        memreg::arena_scope scope(a);
        (void)memreg::allocate(a, 1000);
        CHECK(a.mark() != before);
        CHECK(&scope.get() == &a);
    }
    CHECK(a.mark() == before);
    {
        memreg::arena_scope scope(a);
        (void)memreg::allocate(a, 10);
        a.reset();  // inside the scope: nothing left for it to rewind
    }
    CHECK(a.chunks() == 0);
}

TEST_CASE("with_arena makes a scoped arena the current allocator", "[arena][current]") {
    CHECK(memreg::current_allocator().target<memreg::malloc_allocator>() != nullptr);

    const std::size_t chunks = memreg::with_arena(64 * 1024, [](memreg::arena<>& a) {
        memreg::allocator_ref current = memreg::current_allocator();
        CHECK(current.target<memreg::arena<>>() == &a);
        const region r = memreg::allocate(current, 100);
        CHECK(a.owns(r.data()));
        CHECK(a.capacity() == 64 * 1024);
        return a.chunks();
    });
    CHECK(chunks == 1);
    CHECK(memreg::current_allocator().target<memreg::malloc_allocator>() != nullptr);

    const int answer = memreg::with_arena([] {
        CHECK(memreg::current_allocator().target<memreg::arena<>>() != nullptr);
        return 42;
    });
    CHECK(answer == 42);

    memreg::arena<> outer;
    const auto before = outer.mark();
    memreg::with_arena(outer, [&] {
        CHECK(memreg::current_allocator().target<memreg::arena<>>() == &outer);
        memreg::with_arena([&](memreg::arena<>& inner) {
            CHECK(memreg::current_allocator().target<memreg::arena<>>() == &inner);
        });
        CHECK(memreg::current_allocator().target<memreg::arena<>>() == &outer);
        memreg::allocator_ref current = memreg::current_allocator();
        CHECK(outer.owns(memreg::allocate(current, 500).data()));
    });
    CHECK(outer.mark() == before);
}

TEST_CASE("the current allocator is per thread", "[current]") {
    memreg::arena<> a;
    memreg::current_allocator_scope scope(a);
    CHECK(memreg::current_allocator().target<memreg::arena<>>() == &a);
    bool other_thread_sees_system_heap = false;
    std::thread([&] {
        other_thread_sees_system_heap =
            memreg::current_allocator().target<memreg::malloc_allocator>() != nullptr;
    }).join();
    CHECK(other_thread_sees_system_heap);

    memreg::heap<> h;
    {
        memreg::current_allocator_scope inner(h);
        CHECK(memreg::current_allocator().target<memreg::heap<>>() == &h);
    }
    CHECK(memreg::current_allocator().target<memreg::arena<>>() == &a);
}

TEST_CASE("an arena can take its chunks from a bounded heap", "[arena][heap]") {
    memreg::heap<> h({.maximum = 64 * 1024});
    {
        memreg::arena<memreg::heap<>> a(h, {.first_chunk = 4096});
        std::size_t got = 0;
        while (!a.try_allocate(1000, 8).empty()) got += 1000;
        CHECK(got > 32 * 1024);  // the heap's maximum, less headers and chunk tails
        CHECK(h.stats().capacity_bytes <= 64 * 1024);
        CHECK(h.stats().live_blocks == a.chunks());
        a.reset(memreg::reset_mode::release);
        CHECK(h.stats().live_blocks == 0);
        (void)memreg::allocate(a, 100);
        CHECK(h.stats().live_blocks == 1);
    }
    CHECK(h.stats().live_blocks == 0);  // the arena gave its chunk back when it died
    h.validate();
}

TEST_CASE("random allocations, markers and rewinds keep every live block intact", "[arena]") {
    counting_allocator upstream;
    memreg::arena<counting_allocator> a(upstream, {.first_chunk = 256, .limit = 1 << 20});
    std::mt19937 random(3);
    struct block {
        region r;
        unsigned char fill;
    };
    std::vector<block> live;
    std::vector<std::pair<memreg::arena<counting_allocator>::marker, std::size_t>> marks;
    for (int step = 0; step < 5000; ++step) {
        const auto choice = random() % 10;
        if (choice < 7) {
            const std::size_t n = 1 + random() % 300;
            const std::size_t alignment = std::size_t{1} << (random() % 8);
            const region r = a.try_allocate(n, alignment);
            if (r.empty()) continue;  // the limit
            REQUIRE(aligned(r.data(), alignment));
            const auto fill = static_cast<unsigned char>(step);
            std::memset(r.data(), fill, n);
            live.push_back({r, fill});
        } else if (choice < 9 || marks.empty()) {
            marks.emplace_back(a.mark(), live.size());
        } else {
            const std::size_t keep = random() % marks.size();
            a.rewind(marks[keep].first);
            live.resize(marks[keep].second);
            marks.erase(marks.begin() + static_cast<std::ptrdiff_t>(keep) + 1, marks.end());
        }
    }
    for (const block& b : live)
        for (std::size_t i = 0; i < b.r.size(); ++i)
            REQUIRE(std::to_integer<unsigned char>(b.r.data()[i]) == b.fill);
    CHECK(upstream.bytes <= std::size_t{1} << 20);
}
