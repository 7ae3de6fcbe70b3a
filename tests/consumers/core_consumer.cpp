// A program that uses only memreg's core layer (memreg::core, memreg/core.hpp: no
// Boost), the way a downstream project would; exits non-zero if what it computes is
// wrong. Built by scripts/check-packaging through find_package and through pkg-config.
#include <memreg/core.hpp>

#include <array>
#include <cstdio>
#include <cstring>

static_assert(MEMREG_VERSION == MEMREG_VERSION_MAJOR * 10000 + MEMREG_VERSION_MINOR * 100 +
                                    MEMREG_VERSION_PATCH);

int main() {
    std::array<unsigned char, 16> bytes{};
    memreg::fill(memreg::to_region(bytes).subregion(4, 8), std::byte{7});

    memreg::arena<> arena;
    const memreg::region page = memreg::allocate(arena, 64, 16);
    const std::size_t copied = memreg::copy(page, bytes);

    const bool ok = copied == 16 && bytes[3] == 0 && bytes[4] == 7 && bytes[11] == 7 &&
                    bytes[12] == 0 && memreg::equal(page.first(16), bytes) &&
                    std::strlen(MEMREG_VERSION_STRING) >= 5;
    std::printf("memreg %s core consumer: %s\n", MEMREG_VERSION_STRING, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
