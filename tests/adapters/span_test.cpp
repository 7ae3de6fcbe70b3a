#include <memreg/span.hpp>

#include <catch2/catch.hpp>

#include "../address_text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <ranges>
#include <string>
#include <vector>

using memreg::const_region;
using memreg::region;

template <class T, class R>
concept can_span = requires(R r) { memreg::as_span<T>(r); };

TEST_CASE("as_span views aligned bytes as elements, without copying", "[span]") {
    alignas(8) std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    const std::span<std::uint32_t> words = memreg::as_span<std::uint32_t>(r);
    REQUIRE(words.size() == 4);
    CHECK(static_cast<void*>(words.data()) == storage.data());
    words[1] = 0x01020304;
    std::uint32_t raw = 0;
    std::memcpy(&raw, storage.data() + 4, 4);
    CHECK(raw == 0x01020304);
    const std::span<const std::uint64_t> wide = memreg::as_span<const std::uint64_t>(const_region(r));
    CHECK(wide.size() == 2);
    STATIC_REQUIRE_FALSE(can_span<int, const_region>);  // a read-only region gives const elements
    STATIC_REQUIRE(can_span<const int, const_region>);
    std::vector<std::uint16_t> v{1, 2, 3};
    CHECK(memreg::as_span<std::uint16_t>(v).size() == 3);
    CHECK(memreg::as_span<std::uint8_t>(v).size() == 6);
    CHECK(memreg::as_span<int>(region()).empty());
}

TEST_CASE("as_span refuses misaligned addresses and partial elements", "[span][error]") {
    alignas(8) std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    const auto address = address_of(storage.data() + 1);
    CHECK_THROWS_MATCHES(memreg::as_span<std::uint32_t>(r.subregion(1, 8)), memreg::bad_alignment,
                         Catch::Message("as_span(size=8, alignment=4): address " + address +
                                        " is not a multiple of the alignment"));
    CHECK_THROWS_MATCHES(memreg::as_span<std::uint32_t>(r.first(10)), memreg::bad_argument,
                         Catch::Message("as_span(size=10, element_size=4): size is not a multiple of the element size"));
    CHECK(memreg::as_span_truncating<std::uint32_t>(r.first(10)).size() == 2);
    CHECK_THROWS_AS(memreg::as_span_truncating<std::uint32_t>(r.subregion(2, 8)), memreg::bad_alignment);
}

TEST_CASE("load and store work at any offset and byte order", "[span]") {
    std::array<std::byte, 16> storage{};
    const region r(storage.data(), storage.size());
    memreg::store<std::uint32_t>(r, 1, 0x11223344, std::endian::big);
    CHECK(storage[1] == std::byte{0x11});
    CHECK(storage[4] == std::byte{0x44});
    CHECK(memreg::load<std::uint32_t>(r, 1, std::endian::big) == 0x11223344);
    CHECK(memreg::load<std::uint32_t>(r, 1, std::endian::little) == 0x44332211);
    memreg::store(r, 7, 2.5, std::endian::big);
    CHECK(memreg::load<double>(r, 7, std::endian::big) == 2.5);
    CHECK(storage[7] == std::byte{0x40});  // 2.5 is 0x4004000000000000
    memreg::store<std::int16_t>(r, 14, -2);  // the machine's own order: 0xfffe
    CHECK(storage[14] == std::byte{std::endian::native == std::endian::little ? 0xfe : 0xff});
    CHECK(storage[15] == std::byte{std::endian::native == std::endian::little ? 0xff : 0xfe});
    CHECK(memreg::load<std::int16_t>(r, 14) == -2);
    memreg::store<std::uint32_t>(r, 0, 0x11223344, std::endian::little);
    CHECK(storage[0] == std::byte{0x44});
    CHECK(storage[3] == std::byte{0x11});
    CHECK(memreg::load<std::uint32_t>(r, 0) ==
          (std::endian::native == std::endian::little ? 0x11223344u : 0x44332211u));
    struct pair { std::uint8_t a, b; };
    memreg::store(r, 0, pair{7, 9});
    CHECK(memreg::load<pair>(r, 0).b == 9);
}

TEST_CASE("load and store outside the region throw and touch nothing", "[span][error]") {
    std::array<std::byte, 8> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(memreg::load<std::uint32_t>(r, 5), memreg::out_of_range,
                         Catch::Message("load(offset=5, count=4): outside region of size 8"));
    CHECK_THROWS_MATCHES(memreg::store<std::uint64_t>(r, 1, 1, std::endian::big), memreg::out_of_range,
                         Catch::Message("store(offset=1, count=8): outside region of size 8"));
    CHECK_THROWS_MATCHES(memreg::load<std::uint8_t>(r, SIZE_MAX), memreg::out_of_range,
                         Catch::Message("load(offset=" + std::to_string(SIZE_MAX) +
                                        ", count=1): outside region of size 8"));
    for (const std::byte b : storage) CHECK(b == std::byte{0});
}

TEST_CASE("unaligned_span is a random-access range of packed elements", "[span]") {
    STATIC_REQUIRE(std::ranges::random_access_range<memreg::unaligned_span<std::uint32_t>>);
    STATIC_REQUIRE(std::ranges::random_access_range<memreg::unaligned_span<const std::uint32_t>>);
    STATIC_REQUIRE(std::sortable<memreg::unaligned_span<std::int32_t>::iterator>);
    STATIC_REQUIRE(std::ranges::borrowed_range<memreg::unaligned_span<int>>);
    std::array<std::byte, 17> storage{};
    const region r(storage.data(), storage.size());
    const memreg::unaligned_span<std::int32_t, std::endian::big> values(r.subregion(1));
    REQUIRE(values.size() == 4);
    values[0] = 40;
    values[1] = -3;
    values[2] = 7;
    values[3] = 0;
    CHECK(storage[4] == std::byte{40});  // big-endian: low byte last
    std::ranges::sort(values);
    std::vector<std::int32_t> sorted(values.begin(), values.end());
    CHECK(sorted == std::vector<std::int32_t>{-3, 0, 7, 40});
    CHECK(std::ranges::find(values, 7) - values.begin() == 2);
    values[0] = values[3];  // assigns the value, does not rebind
    CHECK(values[0] == 40);
    CHECK(values.end() - values.begin() == 4);
    const memreg::unaligned_span<const std::int32_t, std::endian::big> read_only(const_region(r).subregion(1));
    CHECK(read_only[3] == 40);
    CHECK(memreg::unaligned_span<std::uint16_t>::truncating(r).size() == 8);
}

TEST_CASE("unaligned_span misuse throws", "[span][error]") {
    std::array<std::byte, 10> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(memreg::unaligned_span<std::uint32_t>(r), memreg::bad_argument,
                         Catch::Message("unaligned_span(size=10, element_size=4): size is not a multiple of the element size"));
    const memreg::unaligned_span<std::uint16_t> halves(r);
    CHECK_THROWS_MATCHES(halves.at(5), memreg::out_of_range,
                         Catch::Message("unaligned_span::at(index=5): outside region of size 5"));
}
