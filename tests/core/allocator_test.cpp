#include <memreg/allocator.hpp>
#include <memreg/to_region.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <numeric>

using memreg::region;

namespace {

// clang may elide a malloc whose result is never used and assume it succeeded;
// letting the pointer escape makes the allocation real.
memreg::region escape(memreg::region r) {
    asm volatile("" : : "r"(r.data()) : "memory");
    return r;
}

bool aligned(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

/// A malloc-backed allocator that refuses to hand out more than `budget` bytes in
/// all, and counts what is live: enough to drive every failure path.
class budget_allocator {
public:
    explicit budget_allocator(std::size_t budget) : budget_(budget) {}
    region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || n > budget_ - used_) return {};
        region r = system_.try_allocate(n, alignment);
        if (!r.empty()) {
            used_ += n;
            ++live_;
        }
        return r;
    }
    void deallocate(region r, std::size_t alignment) noexcept {
        used_ -= r.size();
        --live_;
        system_.deallocate(r, alignment);
    }
    std::size_t live() const { return live_; }
    std::size_t used() const { return used_; }

private:
    memreg::malloc_allocator system_;
    std::size_t budget_;
    std::size_t used_ = 0;
    std::size_t live_ = 0;
};

}  // namespace

TEST_CASE("the concepts recognise allocators", "[allocator]") {
    STATIC_REQUIRE(memreg::allocator<memreg::malloc_allocator>);
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::malloc_allocator>);
    STATIC_REQUIRE_FALSE(memreg::arena_allocator<memreg::malloc_allocator>);
    STATIC_REQUIRE(memreg::allocator<budget_allocator>);
    STATIC_REQUIRE_FALSE(memreg::resizable_allocator<budget_allocator>);
    STATIC_REQUIRE(memreg::resizable_allocator<memreg::allocator_ref>);
    STATIC_REQUIRE_FALSE(memreg::allocator<int>);
}

TEST_CASE("malloc_allocator honours every power-of-two alignment", "[allocator]") {
    memreg::malloc_allocator system;
    for (std::size_t alignment = 1; alignment <= 8192; alignment *= 2) {
        const region r = memreg::allocate(system, 24, alignment);
        CHECK(r.size() == 24);
        CHECK(aligned(r.data(), alignment));
        memreg::deallocate(system, r, alignment);
    }
}

TEST_CASE("reallocate keeps contents and over-alignment", "[allocator]") {
    memreg::malloc_allocator system;
    for (std::size_t alignment : {std::size_t{8}, std::size_t{64}, std::size_t{4096}}) {
        region r = memreg::allocate(system, 100, alignment);
        std::iota(reinterpret_cast<unsigned char*>(r.data()),
                  reinterpret_cast<unsigned char*>(r.data()) + 100, 0);
        r = memreg::reallocate(system, r, 5000, alignment);
        CHECK(aligned(r.data(), alignment));
        CHECK(r.size() == 5000);
        CHECK(std::to_integer<int>(r[99]) == 99);
        r = memreg::reallocate(system, r, 10, alignment);
        CHECK(std::to_integer<int>(r[9]) == 9);
        CHECK(memreg::reallocate(system, r, 0, alignment).empty());  // frees it
    }
}

TEST_CASE("zero-size allocations are empty and safe to deallocate", "[allocator]") {
    memreg::malloc_allocator system;
    const region r = memreg::allocate(system, 0);
    CHECK(r.empty());
    memreg::deallocate(system, r);
    CHECK(memreg::try_allocate(system, 0).empty());
    budget_allocator limited(16);
    memreg::deallocate(limited, memreg::allocate(limited, 0));
    CHECK(limited.live() == 0);
}

TEST_CASE("impossible allocations throw allocation_failure or return empty", "[allocator][error]") {
    memreg::malloc_allocator system;
    const std::size_t huge = std::numeric_limits<std::size_t>::max() - 64;
    CHECK(escape(memreg::try_allocate(system, huge)).empty());
    CHECK_THROWS_AS(escape(memreg::allocate(system, huge)), std::bad_alloc);
    CHECK_THROWS_WITH(escape(memreg::allocate(system, huge, 64)),
                      "allocate(size=" + std::to_string(huge) +
                          ", alignment=64): the allocator could not provide the memory");
    CHECK(escape(memreg::try_allocate(system, huge, 4096)).empty());
}

TEST_CASE("a bad alignment is refused", "[allocator][error]") {
    memreg::malloc_allocator system;
    CHECK_THROWS_MATCHES(memreg::allocate(system, 8, 3), memreg::bad_alignment,
                         Catch::Message("allocate(size=8, alignment=3): alignment is not a power of two"));
    CHECK_THROWS_AS(memreg::allocate(system, 8, 0), memreg::bad_alignment);
    CHECK(memreg::try_allocate(system, 8, 48).empty());
    region r = memreg::allocate(system, 8);
    CHECK_THROWS_MATCHES(memreg::reallocate(system, r, 16, 12), memreg::bad_alignment,
                         Catch::Message("reallocate(size=16, alignment=12): alignment is not a power of two"));
    CHECK(system.try_reallocate(r, 16, 12).empty());
    memreg::deallocate(system, r);
}

TEST_CASE("reallocate falls back to allocate + copy + deallocate", "[allocator]") {
    budget_allocator limited(64);
    region r = memreg::allocate(limited, 8);
    std::memcpy(r.data(), "abcdefgh", 8);
    r = memreg::reallocate(limited, r, 16);
    CHECK(limited.live() == 1);
    CHECK(std::memcmp(r.data(), "abcdefgh", 8) == 0);
    // Growing past the budget fails and leaves r intact.
    CHECK_THROWS_AS(memreg::reallocate(limited, r, 60), memreg::allocation_failure);
    CHECK(r.size() == 16);
    CHECK(std::memcmp(r.data(), "abcdefgh", 8) == 0);
    CHECK(memreg::try_reallocate(limited, r, 60).empty());
    r = memreg::reallocate(limited, r, 0);
    CHECK(r.empty());
    CHECK(limited.live() == 0);
    r = memreg::reallocate(limited, region{}, 4);  // from nothing: an allocation
    CHECK(limited.live() == 1);
    memreg::deallocate(limited, r);
}

TEST_CASE("owned_region frees on destruction and moves ownership", "[allocator][owned]") {
    budget_allocator limited(100);
    {
        auto a = memreg::make_owned(limited, 10);
        CHECK(limited.live() == 1);
        CHECK(a.size() == 10);
        auto b = std::move(a);
        CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
        CHECK(b.size() == 10);
        a = memreg::make_owned(limited, 5);
        CHECK(limited.live() == 2);
        a = std::move(b);  // frees the 5-byte block
        CHECK(limited.live() == 1);
        CHECK(limited.used() == 10);
    }
    CHECK(limited.live() == 0);
}

TEST_CASE("owned_region resize keeps contents, and a failure leaves it as it was", "[allocator][owned]") {
    budget_allocator limited(40);
    auto owned = memreg::make_owned(limited, 4);
    std::memcpy(owned.data(), "wxyz", 4);
    owned.resize(20);
    CHECK(owned.size() == 20);
    CHECK(std::memcmp(owned.data(), "wxyz", 4) == 0);
    CHECK_THROWS_AS(owned.resize(30), memreg::allocation_failure);
    CHECK(owned.size() == 20);
    CHECK(std::memcmp(owned.data(), "wxyz", 4) == 0);
    CHECK_THROWS_AS(memreg::make_owned(limited, 100), memreg::allocation_failure);
}

TEST_CASE("owned_region release hands the memory to the caller", "[allocator][owned]") {
    auto owned = memreg::make_owned(32, 64);
    CHECK(owned.alignment() == 64);
    CHECK(aligned(owned.data(), 64));
    const region r = owned.release();
    CHECK(owned.empty());
    CHECK(r.size() == 32);
    memreg::malloc_allocator system;
    memreg::deallocate(system, r, 64);
    STATIC_REQUIRE(sizeof(memreg::owned_region<>) == 3 * sizeof(void*));  // no allocator pointer
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<memreg::owned_region<>>);
}

TEST_CASE("owned_region is a region source", "[allocator][owned]") {
    auto owned = memreg::make_owned(8);
    const region r = memreg::to_region(owned);
    CHECK(r.data() == owned.data());
    STATIC_REQUIRE_FALSE(memreg::region_convertible<memreg::owned_region<>>);  // a temporary would dangle
}

TEST_CASE("allocator_ref erases the type and forwards every call", "[allocator]") {
    budget_allocator limited(64);
    memreg::allocator_ref ref = limited;
    region r = memreg::allocate(ref, 16);
    CHECK(limited.live() == 1);
    std::memcpy(r.data(), "0123456789abcdef", 16);
    r = memreg::reallocate(ref, r, 32);
    CHECK(std::memcmp(r.data(), "0123456789abcdef", 16) == 0);
    CHECK(limited.used() == 32);
    CHECK(ref.try_reallocate(r, 100, 16).empty());
    memreg::deallocate(ref, r);
    CHECK(limited.live() == 0);
    CHECK(ref.target<budget_allocator>() == &limited);
    CHECK(ref.target<memreg::malloc_allocator>() == nullptr);
    memreg::allocator_ref copy = ref;
    CHECK(copy == ref);
}
