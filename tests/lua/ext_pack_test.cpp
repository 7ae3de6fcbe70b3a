// The string.pack engine over regions, in C++ (no Lua state): layouts and messages
// are those of Lua 5.4's string.pack (the bytes below were produced by lua5.4).
#include <memreg/lua/pack.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

using memreg::region;
using value = std::variant<std::int64_t, double, std::string>;

namespace {

/// Hands out values from a vector, like the Lua binding does from the stack.
struct vector_source {
    std::vector<value> values;
    const value& at(int k) const {
        if (k < 1 || static_cast<std::size_t>(k) > values.size())
            throw memreg::bad_argument("missing value " + std::to_string(k));
        return values[static_cast<std::size_t>(k - 1)];
    }
    std::int64_t integer(int k) const { return std::get<std::int64_t>(at(k)); }
    double number(int k) const {
        const value& v = at(k);
        if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
        return std::get<double>(v);
    }
    std::string_view string(int k) const { return std::get<std::string>(at(k)); }
};

struct vector_sink {
    std::vector<value> values;
    void integer(std::int64_t v) { values.emplace_back(v); }
    void number(double v) { values.emplace_back(v); }
    void string(std::string_view v) { values.emplace_back(std::string(v)); }
};

std::string hex(region r, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = std::to_integer<unsigned>(r[i]);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

/// Packs into a fresh 64-byte buffer at offset 0; returns the hex of the packed bytes.
std::string pack_hex(const char* format, std::vector<value> values) {
    std::vector<std::byte> buffer(64, std::byte{0xAA});
    const region r(buffer.data(), buffer.size());
    const std::size_t end = memreg::lua::pack(r, 0, format, vector_source{std::move(values)});
    return hex(r, end);
}

std::string pack_message(const char* format, std::vector<value> values, int* argument = nullptr) {
    std::vector<std::byte> buffer(64);
    try {
        memreg::lua::pack(region(buffer.data(), buffer.size()), 0, format,
                          vector_source{std::move(values)});
    } catch (const memreg::lua::pack_error& e) {
        if (argument != nullptr) *argument = e.argument();
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("pack lays out integers, floats and strings as Lua 5.4 does", "[lua][pack]") {
    using V = std::vector<value>;
    CHECK(pack_hex("<i3 b >I2 h", V{std::int64_t{-5}, std::int64_t{7}, std::int64_t{513},
                                    std::int64_t{-2}}) == "fbffff070201fffe");
    CHECK(pack_hex("!4 b i4 Xi8 d", V{std::int64_t{1}, std::int64_t{2}, 1.5}) ==
          "0100000002000000000000000000f83f");
    CHECK(pack_hex("s1 z c5 x", V{std::string("ab"), std::string("cd"), std::string("ef")}) ==
          "026162636400656600000000");
    CHECK(pack_hex("<i16 >I9 j", V{std::int64_t{-2}, std::int64_t{258}, std::int64_t{-1}}) ==
          "feffffffffffffffffffffffffffffff000000000000000102ffffffffffffffff");
    CHECK(pack_hex("<f", V{1e300}) == "0000807f");  // beyond float: infinity
    CHECK(pack_hex("!8 b Xd", V{std::int64_t{1}}) == "0100000000000000");
    CHECK(pack_hex(" = < ", V{}).empty());
}

TEST_CASE("unpack reads back what pack wrote and returns the next offset", "[lua][pack]") {
    std::vector<std::byte> buffer(64);
    const region r(buffer.data(), buffer.size());
    const char* format = "<!8 b i2 J d f s2 z c3 i16";
    const std::size_t end = memreg::lua::pack(
        r, 1, format,
        vector_source{{std::int64_t{-1}, std::int64_t{-300}, std::int64_t{-7}, 2.25, 0.5,
                       std::string("hey"), std::string("zz"), std::string("ab"),
                       std::int64_t{-9}}});
    vector_sink sink;
    CHECK(memreg::lua::unpack(r, 1, format, sink) == end);
    const std::vector<value> expected{std::int64_t{-1}, std::int64_t{-300}, std::int64_t{-7}, 2.25,
                                      0.5, std::string("hey"), std::string("zz"),
                                      std::string("ab\0", 3), std::int64_t{-9}};
    CHECK(sink.values == expected);
    // i2 is aligned to 2 from the region's start, so after b at 1 it sits at 2.
    CHECK(std::to_integer<int>(buffer[2]) == (-300 & 0xff));
}

TEST_CASE("alignment counts from the start of the region", "[lua][pack]") {
    std::vector<std::byte> buffer(16);
    const region r(buffer.data(), buffer.size());
    CHECK(memreg::lua::pack(r, 3, "!4 i4", vector_source{{std::int64_t{1}}}) == 8);
    CHECK(std::to_integer<int>(buffer[4]) == 1);
    CHECK(std::to_integer<int>(buffer[3]) == 0);  // padding is zero
}

TEST_CASE("format errors carry Lua 5.4's messages", "[lua][pack]") {
    int arg = 99;
    CHECK(pack_message("y", {}, &arg) == "invalid format option 'y'");
    CHECK(arg == -1);
    CHECK(pack_message("i17", {}) == "integral size (17) out of limits [1,16]");
    CHECK(pack_message("i0", {}) == "integral size (0) out of limits [1,16]");
    CHECK(pack_message("!17", {}) == "integral size (17) out of limits [1,16]");
    CHECK(pack_message("i2147483648", {}) == "integral size (214748364) out of limits [1,16]");
    CHECK(pack_message("c", {}) == "missing size for format option 'c'");
    CHECK(pack_message("X", {}, &arg) == "invalid next option for option 'X'");
    CHECK(arg == 0);
    CHECK(pack_message("Xc1", {}) == "invalid next option for option 'X'");
    CHECK(pack_message("Xz", {}) == "invalid next option for option 'X'");
    CHECK(pack_message("!4 i3 Xi3", {std::int64_t{1}}) ==
          "format asks for alignment not power of 2");
    CHECK(pack_message("!3 i4", {std::int64_t{1}}) == "format asks for alignment not power of 2");
}

TEST_CASE("value errors name the value's position", "[lua][pack]") {
    int arg = 0;
    CHECK(pack_message("i4 b", {std::int64_t{1}, std::int64_t{200}}, &arg) == "integer overflow");
    CHECK(arg == 2);
    CHECK(pack_message("b", {std::int64_t{-129}}) == "integer overflow");
    CHECK(pack_message("B", {std::int64_t{-1}}) == "unsigned overflow");
    CHECK(pack_message("h", {std::int64_t{40000}}) == "integer overflow");
    CHECK(pack_message("c2", {std::string("abc")}) == "string longer than given size");
    CHECK(pack_message("s1", {std::string(256, 'x')}) ==
          "string length does not fit in given size");
    CHECK(pack_message("x z", {std::string("a\0b", 3)}, &arg) == "string contains zeros");
    CHECK(arg == 1);
}

TEST_CASE("pack outside the region throws and writes nothing", "[lua][pack]") {
    std::vector<std::byte> buffer(8, std::byte{0x11});
    const region r(buffer.data(), buffer.size());
    CHECK_THROWS_WITH(memreg::lua::pack(r, 2, "i4 i4", vector_source{{std::int64_t{1},
                                                                      std::int64_t{2}}}),
                      "pack(offset=6, count=4): outside region of size 8");
    CHECK(hex(r, 8) == "1111111111111111");
    // A bad value late in the format also leaves the region untouched.
    CHECK_THROWS_AS(memreg::lua::pack(r, 0, "b b", vector_source{{std::int64_t{1},
                                                                   std::int64_t{1000}}}),
                    memreg::lua::pack_error);
    CHECK(hex(r, 8) == "1111111111111111");
    CHECK_THROWS_WITH(memreg::lua::pack(r, 9, "", vector_source{}),
                      "pack(offset=9, count=0): outside region of size 8");
    CHECK_THROWS_WITH(memreg::lua::pack(r, 0, "s", vector_source{{std::string(1, 'a')}}),
                      "pack(offset=8, count=1): outside region of size 8");
}

TEST_CASE("unpack checks the data against the region", "[lua][pack]") {
    std::vector<std::byte> buffer(16, std::byte{1});
    const region r(buffer.data(), buffer.size());
    vector_sink sink;
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 0, "i16", sink),
                      "16-byte integer does not fit into Lua Integer");
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 0, "z", sink),
                      "unpack(offset=0): unfinished string for format 'z' (no zero byte before "
                      "the end of the region of size 16)");
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 13, "i4", sink),
                      "unpack(offset=13, count=4): outside region of size 16");
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 17, "", sink),
                      "unpack(offset=17, count=0): outside region of size 16");
    // A length prefix that points past the end.
    buffer[0] = std::byte{200};
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 0, "s1", sink),
                      "unpack(offset=1, count=200): outside region of size 16");
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 0, "s8", sink),
                      "unpack(offset=8, count=72340172838076872): outside region of size 16");
    // An unsigned 64-bit value above 2^63 comes back with the same bits, as in Lua.
    std::fill(buffer.begin(), buffer.end(), std::byte{0xff});
    sink.values.clear();
    CHECK(memreg::lua::unpack(r, 0, "J i8", sink) == 16);
    CHECK(sink.values == std::vector<value>{std::int64_t{-1}, std::int64_t{-1}});
    // Bytes beyond the eighth must be sign extension only.
    sink.values.clear();
    CHECK(memreg::lua::unpack(r, 0, "i16", sink) == 16);
    CHECK(sink.values == std::vector<value>{std::int64_t{-1}});
    CHECK_THROWS_WITH(memreg::lua::unpack(r, 0, "I16", sink),
                      "16-byte integer does not fit into Lua Integer");
}

TEST_CASE("an empty region takes zero-length items only", "[lua][pack]") {
    const region empty;
    CHECK(memreg::lua::pack(empty, 0, "c0 !8 Xd", vector_source{{std::string()}}) == 0);
    vector_sink sink;
    CHECK(memreg::lua::unpack(empty, 0, "c0", sink) == 0);
    CHECK(sink.values == std::vector<value>{std::string()});
    CHECK_THROWS_WITH(memreg::lua::unpack(empty, 0, "z", sink),
                      "unpack(offset=0): unfinished string for format 'z' (no zero byte before "
                      "the end of the region of size 0)");
    CHECK_THROWS_WITH(memreg::lua::pack(empty, 0, "z", vector_source{{std::string()}}),
                      "pack(offset=0, count=1): outside region of size 0");
}

TEST_CASE("packsize is string.packsize", "[lua][pack]") {
    CHECK(memreg::lua::packsize("!8 b d") == 16);
    CHECK(memreg::lua::packsize("i3 c10 x") == 14);
    CHECK(memreg::lua::packsize("") == 0);
    CHECK_THROWS_WITH(memreg::lua::packsize("i4 s"), "variable-length format");
    CHECK_THROWS_WITH(memreg::lua::packsize("z"), "variable-length format");
    CHECK_THROWS_WITH(memreg::lua::packsize("c2147483600 c2147483600"), "format result too large");
}

TEST_CASE("float conversion never overflows", "[lua][pack]") {
    using memreg::lua::detail::to_float;
    CHECK(std::isinf(to_float(1e300)));
    CHECK(std::isinf(to_float(-1e300)));
    CHECK(to_float(3.4028235e38) == std::numeric_limits<float>::max());
    CHECK(std::isnan(to_float(std::nan(""))));
    CHECK(to_float(0.5) == 0.5f);
}
