#include <memreg/layout.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <limits>

using memreg::layout;
using memreg::layout_builder;
using memreg::layout_kind;
using memreg::scalar_kind;
using memreg::scalar_value;

TEST_CASE("scalar kinds have the platform's sizes and C names", "[layout]") {
    CHECK(memreg::scalar_size(scalar_kind::int8) == 1);
    CHECK(memreg::scalar_size(scalar_kind::uint16) == 2);
    CHECK(memreg::scalar_size(scalar_kind::float32) == 4);
    CHECK(memreg::scalar_size(scalar_kind::int64) == 8);
    CHECK(memreg::scalar_size(scalar_kind::pointer) == sizeof(void*));
    CHECK(memreg::scalar_alignment(scalar_kind::float64) == alignof(double));
    CHECK(memreg::scalar_name(scalar_kind::boolean) == "bool");
    CHECK(memreg::scalar_name(scalar_kind::pointer) == "void *");
    STATIC_REQUIRE(memreg::scalar_kind_of<long long>() == scalar_kind::int64);
    STATIC_REQUIRE(memreg::scalar_kind_of<unsigned char>() == scalar_kind::uint8);
    STATIC_REQUIRE(memreg::scalar_kind_of<char>() == scalar_kind::character);
    STATIC_REQUIRE(memreg::scalar_kind_of<int*>() == scalar_kind::pointer);
}

TEST_CASE("a struct is laid out with C padding and alignment", "[layout]") {
    struct reference {
        char c;
        double d;
        std::int16_t s;
        std::int32_t i[3];
    };
    const layout l = layout_builder(layout_kind::struct_, "struct reference")
                         .add("c", layout::of_scalar(scalar_kind::character))
                         .add("d", layout::of_scalar(scalar_kind::float64))
                         .add("s", layout::of_scalar(scalar_kind::int16))
                         .add("i", layout::array_of(layout::of_scalar(scalar_kind::int32), 3))
                         .build();
    CHECK(l.size() == sizeof(reference));
    CHECK(l.alignment() == alignof(reference));
    CHECK(l.offset_of("d") == offsetof(reference, d));
    CHECK(l.offset_of("s") == offsetof(reference, s));
    CHECK(l.offset_of("i") == offsetof(reference, i));
    CHECK(l.offset_of("i[2]") == offsetof(reference, i) + 8);
    CHECK(l.name() == "struct reference");
    REQUIRE(l.fields().size() == 4);
    CHECK(l.fields()[3].type.name() == "int32_t[3]");
    CHECK(l.fields()[3].type.count() == 3);
    CHECK(l.fields()[3].type.element().scalar() == scalar_kind::int32);
}

TEST_CASE("a union overlays its fields; pack caps alignment", "[layout]") {
    const layout u = layout_builder(layout_kind::union_, "union u")
                         .add("c", layout::array_of(layout::of_scalar(scalar_kind::uint8), 5))
                         .add("i", layout::of_scalar(scalar_kind::int32))
                         .build();
    CHECK(u.size() == 8);
    CHECK(u.alignment() == 4);
    CHECK(u.offset_of("i") == 0);
    const layout p = layout_builder(layout_kind::struct_)
                         .pack(2)
                         .add("c", layout::of_scalar(scalar_kind::character))
                         .add("q", layout::of_scalar(scalar_kind::int64))
                         .build();
    CHECK(p.offset_of("q") == 2);
    CHECK(p.size() == 10);
    CHECK(p.alignment() == 2);
    CHECK(p.name() == "struct <anonymous>");
}

TEST_CASE("nested arrays name themselves as C does", "[layout]") {
    const layout a = layout::array_of(layout::array_of(layout::of_scalar(scalar_kind::uint8), 2), 4);
    CHECK(a.name() == "uint8_t[4][2]");
    CHECK(a.size() == 8);
    CHECK(a.resolve("[3][1]").offset == 7);
    CHECK(layout::pointer_to("struct node").name() == "struct node *");
    CHECK(layout::pointer_to("char *").name() == "char **");
}

TEST_CASE("anonymous members are searched by their fields' names", "[layout]") {
    const layout inner = layout_builder(layout_kind::union_)
                             .add("f", layout::of_scalar(scalar_kind::float32))
                             .add("g", layout::of_scalar(scalar_kind::int32))
                             .build();
    const layout outer = layout_builder(layout_kind::struct_, "struct outer")
                             .add("tag", layout::of_scalar(scalar_kind::int8))
                             .add("", inner)
                             .build();
    CHECK(outer.offset_of("g") == 4);
    CHECK(outer.size() == 8);
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct clash")
                             .add("g", layout::of_scalar(scalar_kind::int8))
                             .add("", inner),
                         memreg::bad_argument,
                         Catch::Message("layout_builder::add(type=struct clash, name=g): duplicate field name"));
}

TEST_CASE("equivalent compares shapes, not names", "[layout]") {
    const auto make = [](const char* name) {
        return layout_builder(layout_kind::struct_, name)
            .add("x", layout::of_scalar(scalar_kind::int32))
            .build();
    };
    CHECK(equivalent(make("struct a"), make("struct b")));
    CHECK_FALSE(make("struct a").identical(make("struct a")));
    const layout other = layout_builder(layout_kind::struct_, "struct a")
                             .add("y", layout::of_scalar(scalar_kind::int32))
                             .build();
    CHECK_FALSE(equivalent(make("struct a"), other));
    CHECK(layout().kind() == layout_kind::void_);
    CHECK(layout().size() == 0);
}

TEST_CASE("a variable-length array is a struct's last field or a type of its own", "[layout][vla]") {
    const layout i32 = layout::of_scalar(scalar_kind::int32);
    const layout vla = layout::variable_array_of(i32);
    CHECK(vla.name() == "int32_t[?]");
    CHECK(vla.is_variable());
    CHECK(layout::variable_array_of(layout::array_of(i32, 3)).name() == "int32_t[?][3]");
    const layout vls = layout_builder(layout_kind::struct_, "struct vls")
                           .add("len", layout::of_scalar(scalar_kind::uint8))
                           .add("tail", vla)
                           .build();
    CHECK(vls.is_variable());
    CHECK(vls.size() == 4);
    CHECK(vls.offset_of("tail") == 4);
    CHECK(vls.size(3) == 16);
    CHECK(vls.with_count(3).fields()[1].type.name() == "int32_t[3]");
    CHECK_FALSE(equivalent(vla, layout::array_of(i32, 0)));  // int[?] is not int[0]
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct a").add("tail", vla).add("after", i32),
                         memreg::bad_argument,
                         Catch::Message("layout_builder::add(type=struct a, name=after): the variable-length "
                                        "array 'tail' must be the last member"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::union_, "union u").add("tail", vla), memreg::bad_argument,
                         Catch::Message("layout_builder::add(type=union u, name=tail): a variable-length array "
                                        "can only be a struct's last member"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct b").add("inner", vls), memreg::bad_argument,
                         Catch::Message("layout_builder::add(type=struct b, name=inner): struct vls is a "
                                        "variable-length struct: it cannot be a member"));
    CHECK_THROWS_MATCHES(layout::array_of(vla, 2), memreg::bad_argument,
                         Catch::Message("layout::array_of(type=int32_t[?], count=2): an array element cannot be a "
                                        "variable-length type ('[?]' is only allowed in the outermost dimension)"));
    CHECK_THROWS_MATCHES(layout::variable_array_of(vls), memreg::bad_argument,
                         Catch::Message("layout::variable_array_of(type=struct vls): an array element cannot be a "
                                        "variable-length type ('[?]' is only allowed in the outermost dimension)"));
    CHECK_THROWS_MATCHES(layout::variable_array_of(layout()), memreg::bad_argument,
                         Catch::Message("layout::variable_array_of(type=void): an array of void has no size"));
}

TEST_CASE("layout misuse throws with the names", "[layout][error]") {
    const layout i = layout::of_scalar(scalar_kind::int32);
    const layout s = layout_builder(layout_kind::struct_, "struct s")
                         .add("a", layout::array_of(i, 4))
                         .add("n", i)
                         .build();
    CHECK_THROWS_MATCHES(s.resolve("b"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=b): struct s has no field 'b'"));
    CHECK_THROWS_MATCHES(s.resolve("a[4]"), memreg::out_of_range,
                         Catch::Message("layout::resolve(path=a[4]): index 4 outside int32_t[4]"));
    CHECK_THROWS_MATCHES(s.resolve("a[99999999999999999999999]"), memreg::out_of_range,
                         Catch::Message("layout::resolve(path=a[99999999999999999999999]): index " +
                                        std::to_string(SIZE_MAX) + " outside int32_t[4]"));
    CHECK_THROWS_MATCHES(s.resolve("n[0]"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=n[0]): int32_t is not an array"));
    CHECK_THROWS_MATCHES(s.resolve("n.x"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=n.x): int32_t has no fields"));
    CHECK_THROWS_MATCHES(s.resolve("a[x]"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[x]): expected an index and ']' at column 3"));
    CHECK_THROWS_MATCHES(s.resolve("a..b"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a..b): expected a field name at column 3"));
    CHECK_THROWS_MATCHES(s.offset_of("a-b"), memreg::bad_argument,
                         Catch::Message("layout::offset_of(path=a-b): expected '.' or '[' at column 2"));
    CHECK_THROWS_MATCHES(s.resolve("a["), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[): expected an index and ']' at column 3"));
    CHECK_THROWS_MATCHES(s.resolve("a[1"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[1): expected an index and ']' at column 3"));
    CHECK_THROWS_MATCHES(s.resolve("a[]"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[]): expected an index and ']' at column 3"));
    CHECK_THROWS_MATCHES(s.resolve("a[1]x"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[1]x): expected '.' or '[' at column 5"));
    CHECK_THROWS_MATCHES(s.resolve(".a"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=.a): expected a field name at column 1"));
    CHECK_THROWS_MATCHES(s.resolve("a."), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a.): expected a field name at column 3"));
    CHECK_THROWS_MATCHES(s.resolve("[0]"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=[0]): struct s is not an array"));
    // The type is checked before the index's syntax: the step cannot apply at all.
    CHECK_THROWS_MATCHES(s.resolve("n[x"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=n[x): int32_t is not an array"));
    CHECK_THROWS_MATCHES(s.resolve("a[1].x"), memreg::bad_argument,
                         Catch::Message("layout::resolve(path=a[1].x): int32_t has no fields"));
    CHECK(s.resolve("").offset == 0);
    CHECK(s.resolve("").type == &s);
    CHECK(s.resolve("a[3]").offset == 12);
    CHECK(s.resolve("n").offset == 16);
    CHECK(layout::array_of(s, 3).resolve("[2].a[1]").offset == 2 * 20 + 4);
    CHECK_THROWS_MATCHES(i.element(), memreg::bad_argument,
                         Catch::Message("layout::element(type=int32_t): not an array"));
    CHECK_THROWS_MATCHES(s.scalar(), memreg::bad_argument,
                         Catch::Message("layout::scalar(type=struct s): not a scalar"));
    CHECK_THROWS_MATCHES(layout::array_of(layout(), 2), memreg::bad_argument,
                         Catch::Message("layout::array_of(type=void): an array of void has no size"));
    CHECK_THROWS_MATCHES(layout::array_of(layout::of_scalar(scalar_kind::int64),
                                          std::numeric_limits<std::size_t>::max() / 4),
                         memreg::bad_argument,
                         Catch::Message("layout::array_of(type=int64_t, count=" + std::to_string(SIZE_MAX / 4) + "): "
                                        "the array's size overflows"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct v").add("x", layout()),
                         memreg::bad_argument,
                         Catch::Message("layout_builder::add(name=x): a field cannot have type void"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct v").add("", i),
                         memreg::bad_argument,
                         Catch::Message("layout_builder::add(type=int32_t): only a struct or union member may be anonymous"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::struct_, "struct v").pack(3), memreg::bad_alignment,
                         Catch::Message("layout_builder::pack(type=struct v, alignment=3): alignment is not a power of two"));
    CHECK_THROWS_MATCHES(layout_builder(layout_kind::array, "x"), memreg::bad_argument,
                         Catch::Message("layout_builder(name=x): only a struct or a union is built from fields"));
}

TEST_CASE("scalars are read and written at any offset", "[layout][scalar]") {
    std::array<std::byte, 16> storage{};
    const memreg::region r(storage.data(), storage.size());
    memreg::write_scalar(r, 1, scalar_kind::uint32, scalar_value(std::uint64_t{0xdeadbeef}));
    std::uint32_t raw = 0;
    std::memcpy(&raw, storage.data() + 1, 4);
    CHECK(raw == 0xdeadbeef);
    CHECK(std::get<std::uint64_t>(memreg::read_scalar(r, 1, scalar_kind::uint32)) == 0xdeadbeef);
    memreg::write_scalar(r, 3, scalar_kind::int16, scalar_value(-2.0));
    CHECK(std::get<std::int64_t>(memreg::read_scalar(r, 3, scalar_kind::int16)) == -2);
    memreg::write_scalar(r, 5, scalar_kind::float64, scalar_value(std::int64_t{3}));
    CHECK(std::get<double>(memreg::read_scalar(r, 5, scalar_kind::float64)) == 3.0);
    memreg::write_scalar(r, 0, scalar_kind::boolean, scalar_value(true));
    CHECK(std::get<bool>(memreg::read_scalar(r, 0, scalar_kind::boolean)));
    storage[0] = std::byte{7};  // a bool byte that is not 0 or 1 still reads as true, without UB
    CHECK(std::get<bool>(memreg::read_scalar(r, 0, scalar_kind::boolean)));
    memreg::write_scalar(r, 8, scalar_kind::pointer, scalar_value(std::uint64_t{0x1000}));
    CHECK(std::get<std::uint64_t>(memreg::read_scalar(r, 8, scalar_kind::pointer)) == 0x1000);
    memreg::write_scalar(r, 8, scalar_kind::uint64, scalar_value(18446744073709549568.0));
    CHECK(std::get<std::uint64_t>(memreg::read_scalar(r, 8, scalar_kind::uint64)) == 18446744073709549568ull);
    CHECK(memreg::scalar_cast<int>(scalar_value(std::uint64_t{42})) == 42);
    CHECK(memreg::scalar_cast<double>(memreg::to_scalar(1.5f)) == 1.5);
}

TEST_CASE("a write that does not fit throws and writes nothing", "[layout][scalar][error]") {
    std::array<std::byte, 8> storage{};
    const memreg::region r(storage.data(), storage.size());
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::uint8, scalar_value(std::int64_t{300})),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=uint8_t, value=300): value does not fit"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::uint32, scalar_value(std::int64_t{-1})),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=uint32_t, value=-1): value does not fit"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::int32, scalar_value(1.5)),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=int32_t, value=1.5): value is not a whole number"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::int64, scalar_value(9223372036854775808.0)),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=int64_t, value=9223372036854775808): value does not fit"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::boolean, scalar_value(std::int64_t{1})),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=bool, value=1): a number is not a bool"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::float32, scalar_value(true)),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=float, value=true): a bool is not a number"));
    CHECK_THROWS_AS(memreg::write_scalar(r, 0, scalar_kind::float32, scalar_value(1e300)),
                    memreg::bad_argument);
    CHECK_THROWS_WITH(memreg::write_scalar(r, 0, scalar_kind::float32, scalar_value(1e300)),
                      Catch::StartsWith("write_scalar(type=float, value=1") &&
                          Catch::EndsWith("): value does not fit"));
    // char is signed on x86, unsigned on s390x (and ARM): a value outside its range.
    constexpr std::int64_t not_a_char = std::is_signed_v<char> ? 200 : -1;
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 0, scalar_kind::character, scalar_value(not_a_char)),
                         memreg::bad_argument,
                         Catch::Message("write_scalar(type=char, value=" + std::to_string(not_a_char) +
                                        "): value does not fit"));
    CHECK_THROWS_MATCHES(memreg::write_scalar(r, 5, scalar_kind::int32, scalar_value(std::int64_t{1})),
                         memreg::out_of_range,
                         Catch::Message("write_scalar(offset=5, kind=int32_t): outside region of size 8"));
    CHECK_THROWS_MATCHES(memreg::read_scalar(r, 9, scalar_kind::int8), memreg::out_of_range,
                         Catch::Message("read_scalar(offset=9, kind=int8_t): outside region of size 8"));
    CHECK_THROWS_MATCHES(memreg::scalar_cast<std::uint8_t>(scalar_value(-1.0)), memreg::bad_argument,
                         Catch::Message("scalar_cast(type=uint8_t, value=-1): value does not fit"));
    for (const std::byte b : storage) CHECK(b == std::byte{0});
}
