// Quick start: regions over your own memory, whole-region operations,
// with_region over memory that is not contiguous, and memory that frees itself.
#include <memreg/memreg.hpp>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

int main() {
    // 1. Any contiguous container is a region: a checked view of its bytes.
    std::vector<std::uint32_t> words(4, 0);
    memreg::region r = memreg::to_region(words);
    std::printf("vector of 4 words -> region of %zu bytes\n", r.size());

    // 2. Whole-region operations run at memset/memmove speed; slices are checked.
    memreg::fill(r, std::byte{0xFF});
    memreg::clear(r.subregion(4, 8));  // words[1] and words[2]
    std::printf("after fill + clear: %08x %08x %08x %08x\n", words[0], words[1], words[2], words[3]);
    try {
        (void)r.subregion(12, 8);
    } catch (const memreg::out_of_range& e) {
        std::printf("caught: %s\n", e.what());
    }

    // 3. A deque is not contiguous: with_region copies it in, lets you work on a
    //    region, and copies your changes back.
    std::deque<unsigned char> queue{'m', 'e', 'm', 'r', 'e', 'g'};
    memreg::with_region(queue, [](memreg::region bytes) {
        for (std::byte& b : bytes) b &= std::byte{0xDF};  // upper-case ASCII letters
    });
    std::printf("deque after with_region: %s\n", std::string(queue.begin(), queue.end()).c_str());

    // 4. replace copies from anything with_region accepts (overlap-safe).
    const std::size_t copied = memreg::copy(r, queue);
    std::printf("replace copied %zu bytes from the deque into the vector\n", copied);

    // 5. owned_region gives memory back when it dies; resize keeps the contents.
    auto owned = memreg::make_owned(6);
    memreg::copy(owned.region(), queue);
    owned.resize(1024);
    const bool same = memreg::equal(owned.region().first(6), memreg::to_region(words).first(6));
    std::printf("owned region resized to %zu bytes, prefix kept: %s\n", owned.size(),
                same ? "yes" : "no");
    return same ? 0 : 1;
}
