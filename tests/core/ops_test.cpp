#include <memreg/ops.hpp>
#include <memreg/with_region.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <deque>
#include <list>
#include <string>
#include <string_view>
#include <vector>

using memreg::const_region;
using memreg::region;

TEST_CASE("clear and fill set every byte", "[ops]") {
    std::array<unsigned char, 9> a{1, 2, 3, 4, 5, 6, 7, 8, 9};
    memreg::clear(a);
    CHECK(a == std::array<unsigned char, 9>{});
    memreg::fill(a, std::byte{0xAB});
    CHECK(a[0] == 0xAB);
    CHECK(a[8] == 0xAB);
    memreg::clear(region{});  // empty regions are fine
}

TEST_CASE("fill repeats a pattern and cuts the last copy short", "[ops]") {
    std::string s(10, '.');
    memreg::fill(s, std::string_view("abc"));
    CHECK(s == "abcabcabca");
    std::string shorter(2, '.');
    memreg::fill(shorter, std::string_view("abc"));
    CHECK(shorter == "ab");
    memreg::fill(s, std::string_view());
    CHECK(s == "abcabcabca");
}

TEST_CASE("copy copies the shorter extent and returns the count", "[ops]") {
    std::string dst(5, '.');
    CHECK(memreg::copy(dst, std::string_view("abc")) == 3);
    CHECK(dst == "abc..");
    CHECK(memreg::copy(dst, std::string_view("0123456789")) == 5);
    CHECK(dst == "01234");
    CHECK(memreg::copy(dst, std::string_view()) == 0);
}

TEST_CASE("copy is overlap-safe in both directions", "[ops]") {
    std::string s = "0123456789";
    const region r = memreg::to_region(s);
    CHECK(memreg::copy(r.subregion(2), r.first(6)) == 6);
    CHECK(s == "0101234589");
    s = "0123456789";
    CHECK(memreg::copy(r, r.subregion(3)) == 7);
    CHECK(s == "3456789789");
}

TEST_CASE("copy takes non-contiguous sources through with_region", "[ops]") {
    std::vector<std::uint32_t> dst(4, 0);
    std::deque<std::uint32_t> d{7, 8, 9};
    CHECK(memreg::copy(dst, d) == 12);
    CHECK(dst == std::vector<std::uint32_t>{7, 8, 9, 0});
    const std::list<std::uint32_t> l{1, 2, 3, 4, 5};
    CHECK(memreg::copy(dst, l) == 16);
    CHECK(dst == std::vector<std::uint32_t>{1, 2, 3, 4});
    CHECK(d == std::deque<std::uint32_t>{7, 8, 9});  // a source is never written to
}

TEST_CASE("equal compares size and bytes", "[ops]") {
    CHECK(memreg::equal(std::string_view("abc"), std::string_view("abc")));
    CHECK_FALSE(memreg::equal(std::string_view("abc"), std::string_view("abd")));
    CHECK_FALSE(memreg::equal(std::string_view("abc"), std::string_view("ab")));
    CHECK(memreg::equal(const_region{}, std::string_view()));
}

TEST_CASE("compare orders bytes as unsigned and prefixes first", "[ops]") {
    using std::string_view;
    CHECK(memreg::compare(string_view("abc"), string_view("abd")) == std::strong_ordering::less);
    CHECK(memreg::compare(string_view("ab"), string_view("abc")) == std::strong_ordering::less);
    CHECK(memreg::compare(string_view("b"), string_view("abc")) == std::strong_ordering::greater);
    CHECK(memreg::compare(string_view("x"), string_view("x")) == std::strong_ordering::equal);
    const std::array<unsigned char, 1> high{0xF0}, low{0x10};
    CHECK(memreg::compare(high, low) == std::strong_ordering::greater);
}

TEST_CASE("find locates bytes and byte strings", "[ops]") {
    const std::string_view hay = "the cat sat on the mat";
    CHECK(memreg::find(hay, std::string_view("the")) == 0u);
    CHECK(memreg::find(hay, std::string_view("the"), 1) == 15u);
    CHECK(memreg::find(hay, std::string_view("dog")) == std::nullopt);
    CHECK(memreg::find(hay, std::byte{'m'}) == 19u);
    CHECK(memreg::find(hay, std::byte{'z'}) == std::nullopt);
    CHECK(memreg::find(hay, std::string_view()) == 0u);
    CHECK(memreg::find(hay, std::byte{'t'}, 100) == std::nullopt);
    CHECK(memreg::find(const_region{}, std::string_view("a")) == std::nullopt);
}

TEST_CASE("replace, the old name of copy, still copies", "[ops][deprecated]") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    std::array<std::byte, 4> dst{};
    const std::array<std::byte, 2> src{std::byte{1}, std::byte{2}};
    CHECK(memreg::replace(dst, src) == 2);
#pragma GCC diagnostic pop
    CHECK(dst[1] == std::byte{2});
}

namespace {

/// A type whose region() may throw, as the deprecated runtime-mode mapped_file's does.
struct throwing_owner {
    std::array<std::byte, 4> bytes{};
    bool refuse = false;
    memreg::region region() {
        if (refuse) throw memreg::bad_argument("refused");
        return memreg::region(bytes.data(), bytes.size());
    }
};

}  // namespace

TEST_CASE("an operation is noexcept only where to_region cannot throw", "[ops]") {
    std::array<std::byte, 4> plain{};
    STATIC_REQUIRE(noexcept(memreg::equal(plain, plain)));
    STATIC_REQUIRE(noexcept(memreg::clear(plain)));
    throwing_owner owner;
    STATIC_REQUIRE_FALSE(noexcept(memreg::equal(owner, plain)));
    STATIC_REQUIRE_FALSE(noexcept(memreg::find(plain, owner)));
    STATIC_REQUIRE_FALSE(noexcept(memreg::fill(owner, std::byte{1})));
    CHECK(memreg::equal(owner, plain));
    owner.refuse = true;
    // The exception reaches the caller instead of std::terminate.
    CHECK_THROWS_AS(memreg::clear(owner), memreg::bad_argument);
    CHECK_THROWS_AS((void)memreg::compare(plain, owner), memreg::bad_argument);
}
