#include <memreg/cdecl.hpp>
#include <memreg/view.hpp>

#include <catch2/catch.hpp>

#include "../address_text.hpp"

#include <boost/endian/buffers.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

using memreg::const_region;
using memreg::region;

namespace {
struct header {
    std::uint16_t kind;
    std::uint16_t flags;
    std::uint32_t length;
};
}  // namespace

TEST_CASE("view gives a reference to the object in the region", "[view]") {
    alignas(8) std::array<std::byte, 24> storage{};
    const region r(storage.data(), storage.size());
    header& h = memreg::view<header>(r, 8);
    h.length = 77;
    CHECK(static_cast<void*>(&h) == storage.data() + 8);
    const header& c = memreg::view<header>(const_region(r), 8);
    CHECK(c.length == 77);
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::view<header>(const_region(r))), const header&>);
    const std::span<std::uint32_t> words = memreg::view_array<std::uint32_t>(r, 4, 5);
    CHECK(words.size() == 5);
    CHECK(words[2] == 77);  // bytes 12..15: h.length
}

TEST_CASE("Boost.Endian buffer types work with view as they are", "[view][endian]") {
    // A wire header: big-endian fields at odd offsets, which Boost.Endian's
    // unaligned buffer types (alignment 1) describe exactly.
    struct wire {
        boost::endian::big_uint8_buf_t version;
        boost::endian::big_uint16_buf_t length;
        boost::endian::little_int32_buf_t delta;
    };
    STATIC_REQUIRE(sizeof(wire) == 7);
    std::array<std::byte, 9> storage{};
    const region r(storage.data(), storage.size());
    wire& w = memreg::view<wire>(r, 1);
    w.length = 0x1234;
    w.delta = -2;
    CHECK(storage[2] == std::byte{0x12});
    CHECK(storage[3] == std::byte{0x34});
    CHECK(storage[4] == std::byte{0xfe});
    CHECK(memreg::load<std::uint16_t>(r, 2, std::endian::big) == 0x1234);
    CHECK(memreg::view<wire>(const_region(r), 1).delta.value() == -2);
}

TEST_CASE("view refuses what does not fit or is misaligned", "[view][error]") {
    alignas(8) std::array<std::byte, 24> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(memreg::view<header>(r, 20), memreg::out_of_range,
                         Catch::Message("view(offset=20, count=8): outside region of size 24"));
    CHECK_THROWS_MATCHES(memreg::view<header>(r, 25), memreg::out_of_range,
                         Catch::Message("view(offset=25, count=8): outside region of size 24"));
    const auto address = address_of(storage.data() + 2);
    CHECK_THROWS_MATCHES(memreg::view<header>(r, 2), memreg::bad_alignment,
                         Catch::Message("view(size=8, alignment=4): address " + address +
                                        " is not a multiple of the alignment"));
    CHECK_THROWS_MATCHES(memreg::view_array<std::uint32_t>(r, 8, 5), memreg::out_of_range,
                         Catch::Message("view_array(offset=8, count=5, element_size=4): outside region of size 24"));
    CHECK_THROWS_MATCHES(memreg::view_array<std::uint64_t>(r, 0, SIZE_MAX / 4), memreg::out_of_range,
                         Catch::Message("view_array(offset=0, count=" + std::to_string(SIZE_MAX / 4) +
                                        ", element_size=8): outside region of size 24"));
}

TEST_CASE("struct_view reads and writes fields by name and path", "[view][struct_view]") {
    memreg::cdecl::registry types;
    types.define(R"(
        struct point { int16_t x, y; };
        struct packet {
            struct { uint8_t version; uint16_t len; } hdr;
            struct point items[4];
            double weight;
            bool urgent;
            char name[8];
            void *next;
        };
    )");
    const memreg::layout packet = types.type("struct packet");
    alignas(8) std::array<std::byte, 64> storage{};
    REQUIRE(packet.size() <= storage.size());
    const memreg::struct_view v(packet, region(storage.data(), storage.size()));
    v.set("hdr.len", 1500);
    v.set("items[3].x", -7);
    v.set("weight", 0.25);
    v.set("urgent", true);
    v.set("next", std::uint64_t{0x1000});
    std::memcpy(storage.data() + packet.offset_of("name"), "abc", 4);
    CHECK(v.get<int>("hdr.len") == 1500);
    CHECK(v.get<int>("items[3].x") == -7);
    CHECK(v.get<double>("weight") == 0.25);
    CHECK(v.get<bool>("urgent"));
    CHECK(std::get<std::uint64_t>(v.get("next")) == 0x1000);
    CHECK(std::get<std::int64_t>(v.get("items[3].x")) == -7);
    CHECK(v.string("name") == "abc");
    std::int16_t raw = 0;
    std::memcpy(&raw, storage.data() + packet.offset_of("items[3].x"), 2);
    CHECK(raw == -7);
    const memreg::struct_view item = v.at("items")[3];
    CHECK(item.get<int>("x") == -7);
    CHECK(item.type().name() == "struct point");
    CHECK(v.at("hdr").get<int>("len") == 1500);
    const memreg::const_struct_view read_only = v;
    CHECK(read_only.get<double>("weight") == 0.25);
    CHECK(read_only.offset_of("weight") == packet.offset_of("weight"));
}

TEST_CASE("struct_view misuse throws with the path and the numbers", "[view][struct_view][error]") {
    memreg::cdecl::registry types;
    types.define("struct rec { uint8_t small; int32_t big; float f; bool b; int32_t list[2]; };");
    const memreg::layout rec = types.type("struct rec");
    alignas(8) std::array<std::byte, 32> storage{};
    const region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(memreg::struct_view(rec, r.first(10)), memreg::out_of_range,
                         Catch::Message("struct_view(type=struct rec, offset=0, count=24): outside region of size 10"));
    CHECK_THROWS_MATCHES(memreg::struct_view(rec, r, 16), memreg::out_of_range,
                         Catch::Message("struct_view(type=struct rec, offset=16, count=24): outside region of size 32"));
    const memreg::struct_view v(rec, r);
    CHECK_THROWS_MATCHES(v.set("small", 256), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=small, type=uint8_t, value=256): value does not fit"));
    CHECK_THROWS_MATCHES(v.set("big", 1.5), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=big, type=int32_t, value=1.5): value is not a whole number"));
    CHECK_THROWS_MATCHES(v.set("b", 1), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=b, type=bool, value=1): a number is not a bool"));
    CHECK_THROWS_MATCHES(v.set("f", true), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=f, type=float, value=true): a bool is not a number"));
    CHECK_THROWS_MATCHES(v.set("missing", 1), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=missing): struct rec has no field 'missing'"));
    CHECK_THROWS_MATCHES(v.set("list", 1), memreg::bad_argument,
                         Catch::Message("struct_view::set(path=list): int32_t[2] is not a scalar"));
    CHECK_THROWS_MATCHES(v.get("list[2]"), memreg::out_of_range,
                         Catch::Message("struct_view::get(path=list[2]): index 2 outside int32_t[2]"));
    v.set("big", -1);
    CHECK_THROWS_MATCHES(v.get<unsigned>("big"), memreg::bad_argument,
                         Catch::Message("struct_view::get(path=big, type=uint32_t, value=-1): value does not fit"));
    CHECK_THROWS_MATCHES(v.string("big"), memreg::bad_argument,
                         Catch::Message("struct_view::string(path=big): int32_t is not a char array"));
    CHECK_THROWS_MATCHES(v[0], memreg::bad_argument,
                         Catch::Message("struct_view[](type=struct rec, index=0): not an array"));
    CHECK_THROWS_MATCHES(v.at("list")[2], memreg::out_of_range,
                         Catch::Message("struct_view[](type=int32_t[2], index=2): index outside the array"));
    CHECK(v.get<int>("small") == 0);  // the failed sets wrote nothing
}
