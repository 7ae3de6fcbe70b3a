#include <memreg/region.hpp>
#include <memreg/to_region.hpp>
#include <memreg/with_region.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <deque>
#include <list>
#include <numeric>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using memreg::const_region;
using memreg::region;

namespace app {
struct packet {
    std::array<std::byte, 8> payload{};
    memreg::region region() { return {payload.data(), payload.size()}; }
};
struct frame {
    unsigned char bytes[12]{};
};
// Found by argument-dependent lookup.
inline memreg::region memreg_to_region(frame& f) { return {f.bytes, sizeof f.bytes}; }
}  // namespace app

TEST_CASE("to_region covers contiguous containers of trivially copyable elements", "[to_region]") {
    std::vector<int> v{1, 2, 3};
    const region rv = memreg::to_region(v);
    CHECK(static_cast<void*>(rv.data()) == v.data());
    CHECK(rv.size() == 3 * sizeof(int));

    std::array<double, 2> a{};
    CHECK(memreg::to_region(a).size() == 16);

    std::string s = "hello";
    CHECK(memreg::to_region(s).size() == 5);

    char c_array[] = "abc";  // the terminating NUL is part of the array
    CHECK(memreg::to_region(c_array).size() == 4);

    std::span<int> sp(v);
    CHECK(memreg::to_region(sp).size() == 12);
    CHECK(memreg::to_region(std::span<int>(v)).size() == 12);  // a borrowed temporary is fine
}

TEST_CASE("const input gives a const_region", "[to_region]") {
    const std::vector<int> v{1, 2};
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(v)), const_region>);
    std::string_view sv = "xyz";
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(sv)), const_region>);
    CHECK(memreg::to_region(sv).size() == 3);
    std::vector<int> mutable_v{1};
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(mutable_v)), region>);
}

TEST_CASE("to_region uses a member region() and an ADL memreg_to_region", "[to_region]") {
    app::packet p;
    CHECK(memreg::to_region(p).data() == p.payload.data());
    app::frame f;
    CHECK(memreg::to_region(f).size() == 12);
}

TEST_CASE("to_region refuses what has no stable contiguous bytes", "[to_region]") {
    STATIC_REQUIRE_FALSE(memreg::region_convertible<std::deque<int>&>);
    STATIC_REQUIRE_FALSE(memreg::region_convertible<std::list<int>&>);
    STATIC_REQUIRE_FALSE(memreg::region_convertible<std::vector<std::string>&>);
    // A temporary that owns its memory would leave the region dangling.
    STATIC_REQUIRE_FALSE(memreg::region_convertible<std::vector<int>>);
    STATIC_REQUIRE(memreg::region_convertible<std::vector<int>&>);
    STATIC_REQUIRE(memreg::region_convertible<region>);
}

TEST_CASE("bytes_of gives the bytes of one object", "[to_region]") {
    struct header {
        std::uint32_t magic;
        std::uint16_t version;
    } h{0x11223344, 2};
    const region r = memreg::bytes_of(h);
    CHECK(r.size() == sizeof(header));
    CHECK(static_cast<void*>(r.data()) == &h);
    const header& ch = h;
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::bytes_of(ch)), const_region>);
}

TEST_CASE("with_region passes contiguous data straight through", "[with_region]") {
    std::vector<std::uint8_t> v{1, 2, 3};
    const auto* seen = memreg::with_region(v, [](region r) { return r.data(); });
    CHECK(static_cast<const void*>(seen) == v.data());
}

TEST_CASE("with_region copies a deque in and its changes back", "[with_region]") {
    std::deque<std::uint16_t> d(1000);
    std::iota(d.begin(), d.end(), std::uint16_t{0});
    const std::size_t size = memreg::with_region(d, [](region r) {
        auto* words = reinterpret_cast<std::uint16_t*>(r.data());
        for (std::size_t i = 0; i < r.size() / 2; ++i) words[i] = static_cast<std::uint16_t>(words[i] * 2);
        return r.size();
    });
    CHECK(size == 2000);
    CHECK(d[0] == 0);
    CHECK(d[999] == 1998);
}

TEST_CASE("with_region writes back even when the function throws", "[with_region]") {
    std::list<unsigned char> l{1, 2, 3};
    CHECK_THROWS_AS(memreg::with_region(l,
                                        [](region r) {
                                            r[0] = std::byte{42};
                                            throw std::runtime_error("stop");
                                        }),
                    std::runtime_error);
    CHECK(l.front() == 42);
}

TEST_CASE("with_region gives a const region for const and single-pass input", "[with_region]") {
    const std::list<char> l{'a', 'b'};
    memreg::with_region(l, [](auto r) {
        STATIC_REQUIRE(std::is_same_v<decltype(r), const_region>);
        CHECK(r.size() == 2);
    });
    auto squares = std::views::iota(1, 5) | std::views::transform([](int i) { return i * i; });
    const int sum = memreg::with_region(squares, [](const_region r) {
        int total = 0;
        for (std::size_t i = 0; i < r.size(); i += sizeof(int)) {
            int x = 0;
            std::memcpy(&x, r.data() + i, sizeof x);
            total += x;
        }
        return total;
    });
    CHECK(sum == 1 + 4 + 9 + 16);
    // A temporary deque: copied in, nothing to copy back.
    CHECK(memreg::with_region(std::deque<char>{'x'}, [](const_region r) { return r.size(); }) == 1);
}
