// memreg/pack.hpp: Lua 5.4's string.pack format language over regions, from C++
// with no Lua. Layouts and reasons are those of Lua 5.4's string.pack (the bytes
// below were produced by lua5.4); what() adds the operation and the numbers.
#include <memreg/pack.hpp>

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
    const std::size_t end = memreg::pack(r, 0, format, vector_source{std::move(values)});
    return hex(r, end);
}

/// The reason (Lua's text) of the pack_error that packing throws, and its what().
struct refusal {
    std::string reason;
    std::string what;
    int value = 0;                  // pack_value_error::value()
    std::size_t format_offset = 0;  // pack_format_error::format_offset()
};

refusal pack_refusal(const char* format, std::vector<value> values) {
    std::vector<std::byte> buffer(64);
    try {
        memreg::pack(region(buffer.data(), buffer.size()), 0, format,
                     vector_source{std::move(values)});
    } catch (const memreg::pack_value_error& e) {
        return {e.reason(), e.what(), e.value(), 0};
    } catch (const memreg::pack_format_error& e) {
        return {e.reason(), e.what(), 0, e.format_offset()};
    }
    return {"no error", "", 0, 0};
}

std::string pack_message(const char* format, std::vector<value> values) {
    return pack_refusal(format, std::move(values)).reason;
}

}  // namespace

TEST_CASE("pack lays out integers, floats and strings as Lua 5.4 does", "[pack]") {
    using V = std::vector<value>;
    CHECK(pack_hex("<i3 b >I2 h", V{std::int64_t{-5}, std::int64_t{7}, std::int64_t{513},
                                    std::int64_t{-2}}) == "fbffff070201fffe");
    CHECK(pack_hex("<!4 b i4 Xi8 d", V{std::int64_t{1}, std::int64_t{2}, 1.5}) ==
          "0100000002000000000000000000f83f");
    CHECK(pack_hex("s1 z c5 x", V{std::string("ab"), std::string("cd"), std::string("ef")}) ==
          "026162636400656600000000");
    CHECK(pack_hex("<i16 >I9 j", V{std::int64_t{-2}, std::int64_t{258}, std::int64_t{-1}}) ==
          "feffffffffffffffffffffffffffffff000000000000000102ffffffffffffffff");
    CHECK(pack_hex("<f", V{1e300}) == "0000807f");  // beyond float: infinity
    CHECK(pack_hex("!8 b Xd", V{std::int64_t{1}}) == "0100000000000000");
    CHECK(pack_hex(" = < ", V{}).empty());
}

TEST_CASE("unpack reads back what pack wrote and returns the next offset", "[pack]") {
    std::vector<std::byte> buffer(64);
    const region r(buffer.data(), buffer.size());
    const char* format = "<!8 b i2 J d f s2 z c3 i16";
    const std::size_t end = memreg::pack(
        r, 1, format,
        vector_source{{std::int64_t{-1}, std::int64_t{-300}, std::int64_t{-7}, 2.25, 0.5,
                       std::string("hey"), std::string("zz"), std::string("ab"),
                       std::int64_t{-9}}});
    vector_sink sink;
    CHECK(memreg::unpack(r, 1, format, sink) == end);
    const std::vector<value> expected{std::int64_t{-1}, std::int64_t{-300}, std::int64_t{-7}, 2.25,
                                      0.5, std::string("hey"), std::string("zz"),
                                      std::string("ab\0", 3), std::int64_t{-9}};
    CHECK(sink.values == expected);
    // i2 is aligned to 2 from the region's start, so after b at 1 it sits at 2.
    CHECK(std::to_integer<int>(buffer[2]) == (-300 & 0xff));
}

TEST_CASE("alignment counts from the start of the region", "[pack]") {
    std::vector<std::byte> buffer(16);
    const region r(buffer.data(), buffer.size());
    CHECK(memreg::pack(r, 3, "<!4 i4", vector_source{{std::int64_t{1}}}) == 8);
    CHECK(std::to_integer<int>(buffer[4]) == 1);
    CHECK(std::to_integer<int>(buffer[3]) == 0);  // padding is zero
}

TEST_CASE("format errors carry Lua 5.4's reasons and where the option is", "[pack]") {
    const refusal bad = pack_refusal("b  y", {std::int64_t{1}});
    CHECK(bad.reason == "invalid format option 'y'");
    CHECK(bad.format_offset == 3);
    CHECK(bad.what == "pack(format_offset=3): invalid format option 'y'");
    // An unprintable option is shown escaped: no message carries a NUL.
    CHECK_THROWS_WITH(memreg::packsize(std::string_view("i\0", 2)),
                      "packsize(format_offset=1): invalid format option '\\0'");
    CHECK_THROWS_WITH(memreg::packsize("\x7f"),
                      "packsize(format_offset=0): invalid format option '\\127'");
    CHECK(pack_message("i17", {}) == "integral size (17) out of limits [1,16]");
    CHECK(pack_message("i0", {}) == "integral size (0) out of limits [1,16]");
    CHECK(pack_message("I0", {}) == "integral size (0) out of limits [1,16]");
    CHECK(pack_message("s17", {}) == "integral size (17) out of limits [1,16]");
    CHECK(pack_message("!17", {}) == "integral size (17) out of limits [1,16]");
    CHECK(pack_message("i2147483648", {}) == "integral size (214748364) out of limits [1,16]");
    CHECK(pack_message("c", {}) == "missing size for format option 'c'");
    const refusal x = pack_refusal("b X", {std::int64_t{1}});
    CHECK(x.reason == "invalid next option for option 'X'");
    CHECK(x.format_offset == 2);
    CHECK(pack_message("Xc1", {}) == "invalid next option for option 'X'");
    CHECK(pack_message("Xz", {}) == "invalid next option for option 'X'");
    CHECK(pack_message("!4 i3 Xi3", {std::int64_t{1}}) ==
          "format asks for alignment not power of 2");
    CHECK(pack_message("!3 i4", {std::int64_t{1}}) == "format asks for alignment not power of 2");
    // Errors come in format order, as Lua's do: a bad value before a bad option wins.
    CHECK(pack_message("b y", {std::int64_t{1000}}) == "integer overflow");
    CHECK(pack_message("y b", {std::int64_t{1000}}) == "invalid format option 'y'");
    // The error classes: both are pack_errors, and memreg::bad_argument.
    CHECK_THROWS_AS(memreg::packsize("y"), memreg::pack_format_error);
    CHECK_THROWS_AS(memreg::packsize("y"), memreg::bad_argument);
}

TEST_CASE("value errors name the value and where it goes", "[pack]") {
    const refusal r = pack_refusal("i4 b", {std::int64_t{1}, std::int64_t{200}});
    CHECK(r.reason == "integer overflow");
    CHECK(r.value == 2);
    CHECK(r.what == "pack(value=2, offset=4): integer overflow");
    CHECK(pack_message("b", {std::int64_t{-129}}) == "integer overflow");
    CHECK(pack_message("b", {std::int64_t{-128}}) == "no error");
    CHECK(pack_message("B", {std::int64_t{-1}}) == "unsigned overflow");
    CHECK(pack_message("I3", {std::int64_t{1} << 24}) == "unsigned overflow");
    CHECK(pack_message("h", {std::int64_t{40000}}) == "integer overflow");
    CHECK(pack_message("c2", {std::string("abc")}) == "string longer than given size");
    CHECK(pack_message("s1", {std::string(256, 'x')}) ==
          "string length does not fit in given size");
    const refusal z = pack_refusal("x z", {std::string("a\0b", 3)});
    CHECK(z.reason == "string contains zeros");
    CHECK(z.value == 1);
    CHECK(z.what == "pack(value=1, offset=1): string contains zeros");
    CHECK_THROWS_AS(memreg::check_pack("b", 0, vector_source{{std::int64_t{300}}}),
                    memreg::pack_value_error);
}

TEST_CASE("check_pack checks every value and finds the end without a region", "[pack]") {
    CHECK(memreg::check_pack("!4 b i4 s1", 3, vector_source{{std::int64_t{1}, std::int64_t{2},
                                                            std::string("abc")}}) == 12);
    CHECK(memreg::check_pack("", 7, vector_source{}) == 7);
    CHECK_THROWS_WITH(memreg::check_pack("z", 0, vector_source{{std::string("a\0", 2)}}),
                      "pack(value=1, offset=0): string contains zeros");
}

TEST_CASE("a list of C++ values packs like Lua values", "[pack]") {
    std::vector<std::byte> buffer(32);
    const region r(buffer.data(), buffer.size());
    CHECK(memreg::pack(r, 0, "<i4 z d", {42, "name", 1.5}) == 17);
    CHECK(hex(r, 17) == "2a0000006e616d6500000000000000f83f");
    // Integers where floats go and integral floats where integers go, as in Lua.
    CHECK(memreg::pack(r, 0, "<d i2", {2, 3.0}) == 10);
    CHECK(hex(r, 10) == "00000000000000400300");
    CHECK(memreg::pack(r, 0, "J", {std::uint64_t{0xffffffffffffffff}}) == 8);
    CHECK(hex(r, 8) == "ffffffffffffffff");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "i4 i4", {1}),
                      "pack(value=2, offset=0): integer expected, got no value");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "i4", {1.5}),
                      "pack(value=1, offset=0): number has no integer representation");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "i4", {1e300}),
                      "pack(value=1, offset=0): number has no integer representation");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "i4", {"7"}),
                      "pack(value=1, offset=0): integer expected, got string");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "d", {"7"}),
                      "pack(value=1, offset=0): number expected, got string");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "z", {7}),
                      "pack(value=1, offset=0): string expected, got integer");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "z", {0.5}),
                      "pack(value=1, offset=0): string expected, got number");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "d", {}),
                      "pack(value=1, offset=0): number expected, got no value");
    CHECK_THROWS_WITH(memreg::pack(r, 0, "s", {}),
                      "pack(value=1, offset=0): string expected, got no value");
}

TEST_CASE("pack outside the region throws and writes nothing", "[pack]") {
    std::vector<std::byte> buffer(8, std::byte{0x11});
    const region r(buffer.data(), buffer.size());
    CHECK_THROWS_WITH(memreg::pack(r, 2, "i4 i4", vector_source{{std::int64_t{1},
                                                                      std::int64_t{2}}}),
                      "pack(offset=6, count=4): outside region of size 8");
    CHECK(hex(r, 8) == "1111111111111111");
    // A bad value late in the format also leaves the region untouched.
    CHECK_THROWS_AS(memreg::pack(r, 0, "b b", vector_source{{std::int64_t{1},
                                                                   std::int64_t{1000}}}),
                    memreg::pack_error);
    CHECK(hex(r, 8) == "1111111111111111");
    CHECK_THROWS_WITH(memreg::pack(r, 9, "", vector_source{}),
                      "pack(offset=9, count=0): outside region of size 8");
    // The whole option is named: here a size_t length and 8 bytes of text.
    CHECK_THROWS_WITH(memreg::pack(r, 0, "s", vector_source{{std::string(8, 'a')}}),
                      "pack(offset=0, count=" + std::to_string(sizeof(std::size_t) + 8) +
                          "): outside region of size 8");
    CHECK_THROWS_WITH(memreg::pack(r, 1, "!4 i4 i4", vector_source{{std::int64_t{1},
                                                                   std::int64_t{2}}}),
                      "pack(offset=8, count=4): outside region of size 8");
    CHECK(hex(r, 8) == "1111111111111111");
}

TEST_CASE("unpack checks the data against the region", "[pack]") {
    std::vector<std::byte> buffer(16, std::byte{1});
    const region r(buffer.data(), buffer.size());
    vector_sink sink;
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "i16", sink),
                      "unpack(value=1, offset=0): 16-byte integer does not fit into Lua Integer");
    CHECK_THROWS_AS(memreg::unpack(r, 0, "i16", sink), memreg::pack_value_error);
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "b y", sink),
                      "unpack(format_offset=2): invalid format option 'y'");
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "z", sink),
                      "unpack(offset=0): unfinished string for format 'z' (no zero byte before "
                      "the end of the region of size 16)");
    CHECK_THROWS_WITH(memreg::unpack(r, 13, "i4", sink),
                      "unpack(offset=13, count=4): outside region of size 16");
    CHECK_THROWS_WITH(memreg::unpack(r, 17, "", sink),
                      "unpack(offset=17, count=0): outside region of size 16");
    // A length prefix that points past the end.
    buffer[0] = std::byte{200};
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "s1", sink),
                      "unpack(offset=1, count=200): outside region of size 16");
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "<s8", sink),
                      "unpack(offset=8, count=72340172838076872): outside region of size 16");
    // An unsigned 64-bit value above 2^63 comes back with the same bits, as in Lua.
    std::fill(buffer.begin(), buffer.end(), std::byte{0xff});
    sink.values.clear();
    CHECK(memreg::unpack(r, 0, "J i8", sink) == 16);
    CHECK(sink.values == std::vector<value>{std::int64_t{-1}, std::int64_t{-1}});
    // Bytes beyond the eighth must be sign extension only.
    sink.values.clear();
    CHECK(memreg::unpack(r, 0, "i16", sink) == 16);
    CHECK(sink.values == std::vector<value>{std::int64_t{-1}});
    CHECK_THROWS_WITH(memreg::unpack(r, 0, "I16", sink),
                      "unpack(value=1, offset=0): 16-byte integer does not fit into Lua Integer");
    CHECK_THROWS_WITH(memreg::unpack(r, 9, "!8 b d", sink),
                      "unpack(offset=10, count=14): outside region of size 16");
}

TEST_CASE("an empty region takes zero-length items only", "[pack]") {
    const region empty;
    CHECK(memreg::pack(empty, 0, "c0 !8 Xd", vector_source{{std::string()}}) == 0);
    vector_sink sink;
    CHECK(memreg::unpack(empty, 0, "c0", sink) == 0);
    CHECK(sink.values == std::vector<value>{std::string()});
    CHECK_THROWS_WITH(memreg::unpack(empty, 0, "z", sink),
                      "unpack(offset=0): unfinished string for format 'z' (no zero byte before "
                      "the end of the region of size 0)");
    CHECK_THROWS_WITH(memreg::pack(empty, 0, "z", vector_source{{std::string()}}),
                      "pack(offset=0, count=1): outside region of size 0");
}

TEST_CASE("packsize is string.packsize", "[pack]") {
    CHECK(memreg::packsize("!8 b d") == 16);
    CHECK(memreg::packsize("i3 c10 x") == 14);
    CHECK(memreg::packsize("") == 0);
    CHECK_THROWS_WITH(memreg::packsize("i4 s"),
                      "packsize(format_offset=3): variable-length format");
    CHECK_THROWS_WITH(memreg::packsize("z"), "packsize(format_offset=0): variable-length format");
    CHECK_THROWS_WITH(memreg::packsize("c2147483600 c2147483600"),
                      "packsize(format_offset=12): format result too large");
    CHECK_THROWS_AS(memreg::packsize("z"), memreg::pack_format_error);
}

TEST_CASE("float conversion never overflows", "[pack]") {
    using memreg::detail::to_float;  // byte_order.hpp's, used by pack's 'f'
    CHECK(std::isinf(to_float(1e300)));
    CHECK(std::isinf(to_float(-1e300)));
    CHECK(to_float(3.4028235e38) == std::numeric_limits<float>::max());
    CHECK(std::isnan(to_float(std::nan(""))));
    CHECK(to_float(0.5) == 0.5f);
}
