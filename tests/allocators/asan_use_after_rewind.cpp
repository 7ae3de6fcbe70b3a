// Reads memory after the arena was rewound (or, with "heap", after a heap free).
// Built only with MEMREG_SANITIZE; the test passes when ASan reports
// "use-after-poison", which the poisoning in memreg/detail/poison.hpp causes.
#include <memreg/arena.hpp>
#include <memreg/heap.hpp>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    const bool heap = argc > 1 && std::strcmp(argv[1], "heap") == 0;
    memreg::arena<> a;
    memreg::heap<> h;
    memreg::region r;
    if (heap) {
        r = memreg::allocate(h, 64);
        std::memset(r.data(), 1, r.size());
        memreg::deallocate(h, r);
    } else {
        const auto m = a.mark();
        r = memreg::allocate(a, 64);
        std::memset(r.data(), 1, r.size());
        a.rewind(m);
    }
    const volatile std::byte* stale = r.data() + 32;
    std::printf("read %d after %s: no report\n", std::to_integer<int>(*stale), heap ? "free" : "rewind");
    return 0;
}
