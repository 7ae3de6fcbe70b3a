// A per-frame arena, the classic use: every frame allocates scratch memory freely
// and gives it all back at once. After the first frames the arena has the
// capacity it needs and never asks its upstream again.
#include <memreg/arena.hpp>
#include <memreg/recording.hpp>
#include <memreg/std_adapters.hpp>

#include <cstdio>
#include <vector>

int main() {
    memreg::recording_allocator<> upstream;  // counts what the arena asks for
    memreg::arena<memreg::recording_allocator<>> frame(upstream, {.first_chunk = 1024});
    using alloc = memreg::std_allocator<int, memreg::arena<memreg::recording_allocator<>>>;

    std::size_t asked_after_warmup = 0;
    long checksum = 0;
    for (int n = 0; n < 100; ++n) {
        std::vector<int, alloc> visible{alloc(frame)};
        for (int i = 0; i < 500 + n % 7 * 100; ++i)
            if (i % 3 != 0) visible.push_back(i);
        for (int v : visible) checksum += v;
        frame.reset();  // keep_capacity: the chunks stay for the next frame
        if (n == 10) asked_after_warmup = upstream.events().size();
    }
    const std::size_t asked = upstream.events().size();
    std::printf("chunks asked from upstream: %zu (after frame 10: %zu); capacity %zu bytes; "
                "checksum %ld\n",
                asked, asked_after_warmup, frame.capacity(), checksum);
    frame.reset(memreg::reset_mode::release);
    upstream.check();
    upstream.check_no_leaks();
    const bool ok = asked == asked_after_warmup && checksum > 0;
    std::printf("%s\n", ok ? "no upstream calls after warm-up" : "the arena kept asking upstream");
    return ok ? 0 : 1;
}
