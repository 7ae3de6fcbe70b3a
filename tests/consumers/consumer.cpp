// A program that uses memreg the way a downstream project would; exits non-zero
// if what it computes is wrong.
#include <memreg/memreg.hpp>

#include <array>
#include <cstdio>
#include <deque>

int main() {
    std::array<unsigned char, 8> bytes{};
    memreg::fill(bytes, std::byte{7});
    std::deque<unsigned char> queue(4, 1);
    const std::size_t copied = memreg::copy(bytes, queue);

    auto owned = memreg::make_owned(16);
    memreg::copy(owned.region(), bytes);
    const bool ok = copied == 4 && bytes[3] == 1 && bytes[4] == 7 &&
                    memreg::equal(owned.region().first(8), bytes);
    std::puts(ok ? "memreg consumer: ok" : "memreg consumer: WRONG");
    return ok ? 0 : 1;
}
