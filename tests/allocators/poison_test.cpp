// Rewound and freed memory is poisoned: filled with 0xDD in debug builds, marked
// for AddressSanitizer in sanitizer builds (tested there by asan_use_after_*),
// untouched in release builds.
#include <memreg/arena.hpp>
#include <memreg/detail/poison.hpp>
#include <memreg/heap.hpp>
#include <memreg/pool.hpp>

#include <catch2/catch.hpp>

#include <cstring>

#if defined(MEMREG_ASAN)
#include <sanitizer/asan_interface.h>
#endif

using memreg::region;

namespace {

using memreg::detail::poison_kind;
constexpr poison_kind mode = memreg::detail::poison_mode;

/// Whether [p, p + n) is poisoned the way this build poisons.
bool poisoned(const std::byte* p, std::size_t n) {
    if constexpr (mode == poison_kind::fill) {
        for (std::size_t i = 0; i < n; ++i)
            if (std::to_integer<unsigned char>(p[i]) != memreg::detail::poison_byte) return false;
        return true;
    } else {
#if defined(MEMREG_ASAN)
        for (std::size_t i = 0; i < n; ++i)
            if (!__asan_address_is_poisoned(p + i)) return false;
        return true;
#else
        (void)p;
        (void)n;
        return false;
#endif
    }
}

}  // namespace

TEST_CASE("the poisoning mode follows the build", "[poison]") {
#if defined(MEMREG_ASAN)
    CHECK(mode == poison_kind::asan);
#elif defined(NDEBUG)
    CHECK(mode == poison_kind::none);
#else
    CHECK(mode == poison_kind::fill);
#endif
}

TEST_CASE("rewound, freed and reset arena memory is poisoned", "[poison][arena]") {
    if (mode == poison_kind::none) return;  // release builds pay nothing
    memreg::arena<> a;
    const region kept = memreg::allocate(a, 32);
    std::memset(kept.data(), 1, 32);
    const auto m = a.mark();
    const region r = memreg::allocate(a, 64);
    std::memset(r.data(), 2, 64);
    CHECK_FALSE(poisoned(r.data(), 64));
    a.rewind(m);
    CHECK(poisoned(r.data(), 64));
    CHECK_FALSE(poisoned(kept.data(), 32));
    CHECK(std::to_integer<int>(kept.data()[31]) == 1);

    const region again = memreg::allocate(a, 64);  // the same bytes, usable again
    CHECK(again.data() == r.data());
    std::memset(again.data(), 3, 64);
    memreg::deallocate(a, again);
    CHECK(poisoned(again.data(), 64));
    a.reset();
    CHECK(poisoned(kept.data(), 32));
}

TEST_CASE("freed heap and pool blocks are poisoned past their free-list link", "[poison]") {
    if (mode == poison_kind::none) return;
    memreg::heap<> h;
    const region r = memreg::allocate(h, 100);
    std::memset(r.data(), 1, 100);
    memreg::deallocate(h, r);
    CHECK(poisoned(r.data() + 2 * sizeof(void*), 100 - 2 * sizeof(void*)));  // link, check word
    CHECK_FALSE(poisoned(memreg::allocate(h, 100).data(), 100));

    memreg::pool<> p(48);
    const region b = memreg::allocate(p, 48);
    std::memset(b.data(), 1, 48);
    memreg::deallocate(p, b);
    CHECK(poisoned(b.data() + 2 * sizeof(void*), 48 - 2 * sizeof(void*)));  // link, check word
}

TEST_CASE("an arena over a caller's buffer gives it back unpoisoned", "[poison][arena]") {
    alignas(16) std::byte buffer[128];
    std::memset(buffer, 9, sizeof buffer);
    {
        memreg::arena<> a(region(buffer, sizeof buffer));
        (void)memreg::allocate(a, 16);
    }
    buffer[100] = std::byte{5};  // under ASan, this write would fail if still poisoned
    CHECK(std::to_integer<int>(buffer[100]) == 5);
}
