// The heap's failure path: a bounded heap filled with small blocks and then freed
// gives its all-free chunks back to the upstream, so other sizes fit again.
#include <memreg/heap.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "test_support.hpp"

using memreg::region;

namespace {

constexpr std::size_t maximum = 256 * 1024;

/// Allocates n-byte blocks until the heap refuses one.
std::vector<region> fill(memreg::heap<counting_allocator>& h, std::size_t n) {
    std::vector<region> blocks;
    for (region r; !(r = h.try_allocate(n, 16)).empty();) blocks.push_back(r);
    return blocks;
}

}  // namespace

TEST_CASE("heap full of freed small blocks gives its chunks back for other sizes", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 16384, .maximum = maximum});
    std::vector<region> blocks = fill(h, 100);
    CHECK(blocks.size() * 112 > maximum - 4096);  // the budget went to 112-byte blocks
    CHECK(upstream.live > 1);
    const std::size_t full = h.stats().capacity_bytes;
    CHECK(full > maximum - 1024);
    for (region r : blocks) memreg::deallocate(h, r);
    h.validate();
    CHECK(h.stats().capacity_bytes == full);  // kept until an allocation needs them

    // A large block: every chunk is all free, so they all go back first.
    const region large = memreg::allocate(h, 1024);
    CHECK(h.stats().capacity_bytes < full);
    CHECK(h.stats().capacity_bytes == upstream.bytes);
    CHECK(upstream.live == 1);
    std::memset(large.data(), 1, large.size());
    // A small block of another, larger class: carved from a new chunk.
    const region other = memreg::allocate(h, 300);
    std::memset(other.data(), 2, other.size());
    CHECK(h.stats().live_blocks == 2);
    CHECK(h.stats().capacity_bytes <= maximum);
    h.validate();

    // The whole budget is usable again, by a block of almost the maximum.
    memreg::deallocate(h, other);
    memreg::deallocate(h, large);
    const region huge = memreg::allocate(h, maximum - 1024);
    CHECK(h.stats().capacity_bytes > maximum - 1024);
    memreg::deallocate(h, huge);
    h.validate();
}

TEST_CASE("heap reclaim keeps chunks with live blocks and their contents", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.maximum = maximum});
    std::vector<region> blocks = fill(h, 100);
    std::vector<region> kept;
    // Keep every 50th block live (one in each chunk at least), marked by its index.
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i % 50 == 0) {
            std::memset(blocks[i].data(), static_cast<int>(i & 0xff), blocks[i].size());
            kept.push_back(blocks[i]);
        } else {
            memreg::deallocate(h, blocks[i]);
        }
    }
    const std::size_t full = h.stats().capacity_bytes;
    // No chunk is all free: the large block still fails, and nothing moved.
    CHECK(h.try_allocate(1024, 16).empty());
    CHECK(h.stats().capacity_bytes == full);
    h.validate();
    // The free 112-byte blocks still serve their class, and smaller ones by cutting.
    const region same = memreg::allocate(h, 100);
    const region smaller = memreg::allocate(h, 40);
    CHECK(h.stats().live_blocks == kept.size() + 2);
    h.validate();
    for (std::size_t k = 0; k < kept.size(); ++k) {
        const auto mark = static_cast<unsigned char>((k * 50) & 0xff);
        for (std::byte b : kept[k]) REQUIRE(std::to_integer<unsigned char>(b) == mark);
    }
    memreg::deallocate(h, same);
    memreg::deallocate(h, smaller);
    for (region r : kept) memreg::deallocate(h, r);
    // Now every chunk is all free again.
    CHECK_FALSE(h.try_allocate(1024, 16).empty());
    CHECK(h.stats().capacity_bytes < full);
    h.validate();
}

TEST_CASE("heap reclaim gives back only the chunks that are all free", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 8192, .maximum = maximum});
    std::vector<region> blocks = fill(h, 100);
    // The first blocks live in the initial chunk: keep one of them, free the rest.
    const region pinned = blocks.front();
    std::memset(pinned.data(), 0x5a, pinned.size());
    for (std::size_t i = 1; i < blocks.size(); ++i) memreg::deallocate(h, blocks[i]);
    const region large = memreg::allocate(h, 4096);
    CHECK(upstream.live == 2);  // the initial chunk and the large block
    CHECK(h.stats().capacity_bytes == upstream.bytes);
    CHECK(h.stats().capacity_bytes < 8192 + 4096 + 1024);
    for (std::byte b : pinned) CHECK(std::to_integer<int>(b) == 0x5a);
    h.validate();
    // The kept chunk's free blocks are still listed: same-class blocks come from it.
    const region again = memreg::allocate(h, 100);
    CHECK(again.data() > pinned.data());
    CHECK(again.data() < pinned.data() + 8192);
    memreg::deallocate(h, again);
    memreg::deallocate(h, large);
    memreg::deallocate(h, pinned);
    h.validate();
}

TEST_CASE("heap cuts a larger free block when a full heap has none of the class", "[heap][reclaim]") {
    counting_allocator upstream;
    // 4032 bytes after the chunk header (and its block-start bits): 16 blocks of
    // 240, then the 192-byte tail as one more block.
    memreg::heap<counting_allocator> h(upstream, {.initial = 4096, .maximum = 4096});
    std::vector<region> blocks = fill(h, 240);
    REQUIRE(blocks.size() == 16);
    REQUIRE(memreg::allocate(h, 192).data() == blocks.back().data() + 240);
    memreg::deallocate(h, blocks[0]);
    // One free 240-byte block: it serves a 64-byte and then a 176-byte request.
    const region a = memreg::allocate(h, 64);
    CHECK(a.data() == blocks[0].data());
    const region b = memreg::allocate(h, 176);
    CHECK(b.data() == blocks[0].data() + 64);
    CHECK(h.try_allocate(16, 16).empty());
    CHECK(h.stats().live_blocks == 18);
    h.validate();
    // Freed by their own sizes, the pieces serve their own classes.
    memreg::deallocate(h, a);
    memreg::deallocate(h, b);
    CHECK(memreg::allocate(h, 64).data() == a.data());
    CHECK(h.try_allocate(240, 16).empty());  // 176 bytes are free, not 240
    h.validate();
}

TEST_CASE("heap shrinking in place on a full heap lists the freed tail", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 4096, .maximum = 4096});
    std::vector<region> blocks = fill(h, 240);
    REQUIRE(blocks.size() == 16);
    const region last = memreg::allocate(h, 192);
    std::memset(blocks[0].data(), 7, 64);
    const region shrunk = h.try_reallocate(blocks[0], 64, 16);
    CHECK(shrunk.data() == blocks[0].data());  // nowhere else to go
    CHECK(std::to_integer<int>(shrunk.data()[63]) == 7);
    // Its last 176 bytes are free again.
    const region tail = memreg::allocate(h, 176);
    CHECK(tail.data() == blocks[0].data() + 64);
    h.validate();
    memreg::deallocate(h, tail);
    memreg::deallocate(h, shrunk);
    for (std::size_t i = 1; i < blocks.size(); ++i) memreg::deallocate(h, blocks[i]);
    memreg::deallocate(h, last);
    // So the whole chunk is free, and goes back for a large block.
    const region large = memreg::allocate(h, 2048);
    CHECK(upstream.live == 1);
    memreg::deallocate(h, large);
    h.validate();
}

TEST_CASE("heap reclaim leaves corrupt free lists for validate() to report", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 4096, .maximum = 4096});
    std::vector<region> blocks = fill(h, 100);
    REQUIRE(blocks.size() >= 3);
    for (region r : blocks) memreg::deallocate(h, r);
    // A link overwritten after free (a write after free) so that the list loops.
    memreg::detail::unpoison(blocks[1].data(), sizeof(void*));
    std::byte* const loop = blocks[1].data();
    std::memcpy(blocks[1].data(), &loop, sizeof loop);
    const std::size_t held = h.stats().capacity_bytes;
    CHECK(h.try_allocate(1024, 16).empty());  // the chunk is not given back
    CHECK(h.stats().capacity_bytes == held);
    CHECK(upstream.live == 1);
    CHECK_THROWS_AS(h.validate(), memreg::corruption);
}

TEST_CASE("heap trim gives back all-free chunks at once", "[heap][reclaim]") {
    counting_allocator upstream;
    memreg::heap<counting_allocator> h(upstream, {.initial = 8192});
    CHECK(h.trim() == 8192);  // the initial chunk: nothing carved, so all free
    CHECK(h.stats().capacity_bytes == 0);
    CHECK(upstream.live == 0);
    std::vector<region> blocks;
    for (int i = 0; i < 2000; ++i) blocks.push_back(memreg::allocate(h, 100));
    const std::size_t held = h.stats().capacity_bytes;
    CHECK(h.trim() == 0);  // everything is live
    for (region r : blocks) memreg::deallocate(h, r);
    const std::size_t released = h.trim();
    CHECK(released == held);
    CHECK(h.stats().capacity_bytes == 0);
    CHECK(upstream.live == 0);
    CHECK(h.trim() == 0);
    // The heap starts over with a first-size chunk.
    const region r = memreg::allocate(h, 100);
    CHECK(upstream.sizes.back() == 64 * 1024);
    memreg::deallocate(h, r);
    h.validate();
}
