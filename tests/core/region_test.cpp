#include <memreg/region.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <limits>
#include <span>
#include <type_traits>

using memreg::const_region;
using memreg::region;

namespace {
constexpr std::size_t huge = std::numeric_limits<std::size_t>::max();
}

TEST_CASE("a region is a pointer and a size", "[region]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    CHECK(r.data() == storage.data());
    CHECK(r.size() == 16);
    CHECK_FALSE(r.empty());
    CHECK(r.end() - r.begin() == 16);
    CHECK(region().empty());
    CHECK(region().data() == nullptr);
    STATIC_REQUIRE(std::is_trivially_copyable_v<region>);
    STATIC_REQUIRE(sizeof(region) == 2 * sizeof(void*));
}

TEST_CASE("region converts to const_region and never back", "[region]") {
    STATIC_REQUIRE(std::is_convertible_v<region, const_region>);
    STATIC_REQUIRE_FALSE(std::is_convertible_v<const_region, region>);
    STATIC_REQUIRE_FALSE(std::is_constructible_v<region, const_region>);
    std::array<std::byte, 4> storage{};
    const const_region c = region(storage.data(), 4);
    CHECK(c.size() == 4);
}

TEST_CASE("a region takes void pointers for C interop", "[region]") {
    int value = 0;
    void* p = &value;
    const region r(p, sizeof value);
    CHECK(static_cast<void*>(r.data()) == p);
    const void* cp = &value;
    const const_region c(cp, sizeof value);
    CHECK(c.size() == sizeof(int));
}

TEST_CASE("subregion, first and last slice inside the region", "[region]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    CHECK(r.subregion(4, 8).data() == storage.data() + 4);
    CHECK(r.subregion(4, 8).size() == 8);
    CHECK(r.subregion(16, 0).empty());
    CHECK(r.subregion(10).size() == 6);
    CHECK(r.subregion(16).empty());
    CHECK(r.first(3).data() == storage.data());
    CHECK(r.first(3).size() == 3);
    CHECK(r.last(3).data() == storage.data() + 13);
    CHECK(r.last(16).size() == 16);
    CHECK(r.first(0).empty());
}

TEST_CASE("slicing outside the region throws with the numbers", "[region][error]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(r.subregion(12, 8), memreg::out_of_range,
                         Catch::Message("subregion(offset=12, count=8): outside region of size 16"));
    CHECK_THROWS_MATCHES(r.subregion(17, 0), memreg::out_of_range,
                         Catch::Message("subregion(offset=17, count=0): outside region of size 16"));
    CHECK_THROWS_MATCHES(r.subregion(17), memreg::out_of_range,
                         Catch::Message("subregion(offset=17, count=0): outside region of size 16"));
    CHECK_THROWS_MATCHES(r.first(17), memreg::out_of_range,
                         Catch::Message("first(count=17): longer than region of size 16"));
    CHECK_THROWS_MATCHES(r.last(20), memreg::out_of_range,
                         Catch::Message("last(count=20): longer than region of size 16"));
    CHECK_THROWS_AS(r.subregion(0, 17), memreg::error);
}

TEST_CASE("offset plus count that wraps is caught, not wrapped", "[region][error]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_AS(r.subregion(8, huge), memreg::out_of_range);
    CHECK_THROWS_AS(r.subregion(huge, 8), memreg::out_of_range);
    CHECK_THROWS_AS(r.subregion(huge, huge), memreg::out_of_range);
    CHECK_THROWS_WITH(r.subregion(1, huge),
                      "subregion(offset=1, count=" + std::to_string(huge) +
                          "): outside region of size 16");
}

TEST_CASE("at() is checked, operator[] is not", "[region][error]") {
    std::array<std::byte, 4> storage{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    const region r(storage.data(), storage.size());
    CHECK(r.at(3) == std::byte{4});
    CHECK(r[0] == std::byte{1});
    r.at(1) = std::byte{9};
    CHECK(storage[1] == std::byte{9});
    CHECK_THROWS_MATCHES(r.at(4), memreg::out_of_range,
                         Catch::Message("at(index=4): outside region of size 4"));
    CHECK_THROWS_AS(region().at(0), memreg::out_of_range);
}

TEST_CASE("contains() tells whether a region lies inside another", "[region]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    CHECK(r.contains(r));
    CHECK(r.contains(r.subregion(3, 4)));
    CHECK(r.contains(r.subregion(16, 0)));
    CHECK_FALSE(r.subregion(0, 8).contains(r));
    CHECK_FALSE(r.subregion(0, 8).contains(r.subregion(6, 4)));
}

TEST_CASE("a region is a contiguous borrowed range usable as std::span", "[region]") {
    std::array<std::byte, 8> storage{};
    const region r(storage.data(), storage.size());
    STATIC_REQUIRE(std::ranges::contiguous_range<region>);
    STATIC_REQUIRE(std::ranges::borrowed_range<region>);
    const std::span<std::byte> s(r);
    CHECK(s.data() == storage.data());
    CHECK(s.size() == 8);
    std::size_t n = 0;
    for (std::byte& b : r) {
        b = std::byte{0x5A};
        ++n;
    }
    CHECK(n == 8);
    CHECK(storage[7] == std::byte{0x5A});
}
