// Rewound and freed memory is poisoned: filled with 0xDD in debug builds, marked
// for AddressSanitizer in sanitizer builds (where asan_use_after_* also prove that
// a use is reported), left untouched in release builds. Every test case asserts
// what this build does: released() is the state each mode leaves released bytes in.
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

/// Whether every byte of [p, p + n) is as this build leaves released memory that
/// held `before` in each byte: 0xDD (fill), ASan-poisoned (asan), still `before`
/// (none: release builds pay nothing).
bool released(const std::byte* p, std::size_t n, unsigned char before) {
#if defined(MEMREG_ASAN)
    (void)before;
    for (std::size_t i = 0; i < n; ++i)
        if (!__asan_address_is_poisoned(p + i)) return false;
    return true;
#else
    const unsigned char expected = mode == poison_kind::fill ? memreg::detail::poison_byte : before;
    for (std::size_t i = 0; i < n; ++i)
        if (std::to_integer<unsigned char>(p[i]) != expected) return false;
    return true;
#endif
}

/// Whether [p, p + n) may be used: no byte ASan-poisoned, and each holds `value`.
/// (It reads them: under ASan a poisoned byte would be reported, not answered.)
bool usable(const std::byte* p, std::size_t n, unsigned char value) {
#if defined(MEMREG_ASAN)
    if (__asan_region_is_poisoned(const_cast<std::byte*>(p), n) != nullptr) return false;
#endif
    for (std::size_t i = 0; i < n; ++i)
        if (std::to_integer<unsigned char>(p[i]) != value) return false;
    return true;
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

TEST_CASE("poison() and unpoison() leave memory as the mode says", "[poison]") {
    alignas(16) std::byte bytes[64];
    std::memset(bytes, 7, sizeof bytes);
    memreg::detail::poison(bytes + 16, 32);
    CHECK(released(bytes + 16, 32, 7));
    memreg::detail::unpoison(bytes + 16, 32);
    std::memset(bytes + 16, 7, 32);  // a use after unpoison is allowed in every mode
    CHECK(usable(bytes, sizeof bytes, 7));
}

TEST_CASE("rewound, freed and reset arena memory is poisoned", "[poison][arena]") {
    memreg::arena<> a;
    const region kept = memreg::allocate(a, 32);
    std::memset(kept.data(), 1, 32);
    const auto m = a.mark();
    const region r = memreg::allocate(a, 64);
    std::memset(r.data(), 2, 64);
    CHECK(usable(r.data(), 64, 2));
    a.rewind(m);
    CHECK(released(r.data(), 64, 2));
    CHECK(usable(kept.data(), 32, 1));

    const region again = memreg::allocate(a, 64);  // the same bytes, usable again
    CHECK(again.data() == r.data());
    std::memset(again.data(), 3, 64);
    CHECK(usable(again.data(), 64, 3));
    memreg::deallocate(a, again);
    CHECK(released(again.data(), 64, 3));
    a.reset();
    CHECK(released(kept.data(), 32, 1));
}

TEST_CASE("freed heap and pool blocks are poisoned past their free-list link", "[poison]") {
    constexpr std::size_t link = 2 * sizeof(void*);  // the free-list link and the check word
    memreg::heap<> h;
    const region r = memreg::allocate(h, 100);
    std::memset(r.data(), 1, 100);
    memreg::deallocate(h, r);
    CHECK(released(r.data() + link, 100 - link, 1));
    const region again = memreg::allocate(h, 100);
    CHECK(again.data() == r.data());  // the freed block, handed out again
    std::memset(again.data(), 4, 100);
    CHECK(usable(again.data(), 100, 4));

    memreg::pool<> p(48);
    const region b = memreg::allocate(p, 48);
    std::memset(b.data(), 1, 48);
    memreg::deallocate(p, b);
    CHECK(released(b.data() + link, 48 - link, 1));
    const region b2 = memreg::allocate(p, 48);
    CHECK(b2.data() == b.data());
    std::memset(b2.data(), 5, 48);
    CHECK(usable(b2.data(), 48, 5));
}

TEST_CASE("an arena over a caller's buffer gives it back unpoisoned", "[poison][arena]") {
    alignas(16) std::byte buffer[128];
    std::memset(buffer, 9, sizeof buffer);
    {
        memreg::arena<> a(region(buffer, sizeof buffer));
        const region r = memreg::allocate(a, 16);
        CHECK(r.data() == buffer);
        // What it has not handed out is poisoned while it manages the buffer.
        CHECK(released(buffer + 16, sizeof buffer - 16, 9));
    }
    // The caller's again: under ASan no byte is poisoned (usable() checks); a debug
    // build's fill stays, as after any rewind; a release build never touched it.
    const unsigned char left = mode == poison_kind::fill ? memreg::detail::poison_byte : 9;
    CHECK(usable(buffer + 16, sizeof buffer - 16, left));
    std::memset(buffer, 5, sizeof buffer);
    CHECK(usable(buffer, sizeof buffer, 5));
}
