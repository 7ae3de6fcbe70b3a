// A tour of memreg's allocators: a bounded heap with stats and validate(), an
// arena with markers, std and pmr containers on them, and the current allocator.
// Exits non-zero if anything is not as the comments say.
#include <memreg/arena.hpp>
#include <memreg/heap.hpp>
#include <memreg/pool.hpp>
#include <memreg/std_adapters.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory_resource>
#include <string>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    failures += ok ? 0 : 1;
}

/// Allocates through whatever allocator the caller made current.
std::string* make_greeting(const char* name) {
    memreg::allocator_ref a = memreg::current_allocator();
    memreg::region r = memreg::allocate(a, sizeof(std::string), alignof(std::string));
    return new (r.data()) std::string(std::string("hello, ") + name);
}

}  // namespace

int main() {
    // A heap that may hold at most 256 KiB, like HeapCreate(0, 64 KiB, 256 KiB).
    memreg::heap<> heap({.initial = 64 * 1024, .maximum = 256 * 1024});
    {
        using alloc = memreg::std_allocator<std::pair<const int, double>, memreg::heap<>>;
        std::map<int, double, std::less<>, alloc> squares{alloc(heap)};
        for (int i = 0; i < 1000; ++i) squares[i] = i * 1.0 * i;
        const memreg::heap_stats s = heap.stats();
        std::printf("heap: %zu live bytes in %zu blocks, %zu held\n", s.live_bytes, s.live_blocks,
                    s.capacity_bytes);
        expect(s.live_blocks == 1000, "every map node lives in the heap");
        heap.validate();
    }
    expect(heap.stats().live_bytes == 0, "the map gave everything back");
    expect(heap.try_allocate(1024 * 1024, 16).empty(), "a block past the maximum is refused");
    try {
        (void)heap.allocate(1024 * 1024);
        expect(false, "allocate past the maximum throws");
    } catch (const std::bad_alloc& e) {
        std::printf("     %s\n", e.what());
        expect(true, "allocate past the maximum throws");
    }

    // An arena: allocate freely, then rewind to a marker.
    memreg::arena<> arena;
    const auto start = arena.mark();
    memreg::region scratch = memreg::allocate(arena, 4096, 64);
    std::memset(scratch.data(), 0, scratch.size());
    {
        memreg::arena_scope scope(arena);  // everything below is rewound at the '}'
        memreg::memory_resource_adapter<memreg::arena<>> resource(arena);
        std::pmr::vector<std::pmr::string> words(&resource);
        for (const char* w : {"arenas", "pools", "heaps", "and pmr containers on them"})
            words.emplace_back(w);
        expect(words.size() == 4 && words[3].size() == 26, "pmr containers run on the arena");
    }
    arena.rewind(start);
    expect(arena.mark() == start, "rewind gave everything back");

    // with_arena: the arena is the current allocator while the function runs.
    const bool in_arena = memreg::with_arena(16 * 1024, [](memreg::arena<>& a) {
        std::string* s = make_greeting("arena");
        const bool owned = a.owns(s);
        std::printf("%s, allocated in the arena: %s\n", s->c_str(), owned ? "yes" : "no");
        s->~basic_string();
        return owned;
    });
    expect(in_arena, "current_allocator() is the arena inside with_arena");
    expect(memreg::current_allocator().target<memreg::malloc_allocator>() != nullptr,
           "outside, current_allocator() is the system heap");

    // A pool for fixed-size nodes.
    memreg::pool<> nodes(48);
    std::vector<memreg::region> taken;
    for (int i = 0; i < 100; ++i) taken.push_back(memreg::allocate(nodes, 48));
    for (memreg::region r : taken) memreg::deallocate(nodes, r);
    nodes.validate();
    expect(nodes.live_blocks() == 0, "the pool took every block back");

    std::printf("%s\n", failures == 0 ? "all as expected" : "SOMETHING WAS WRONG");
    return failures == 0 ? 0 : 1;
}
