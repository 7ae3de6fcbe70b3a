#include <memreg/cdecl.hpp>
#include <memreg/describe.hpp>
#include <memreg/view.hpp>

#include <catch2/catch.hpp>

#include <boost/describe/class.hpp>

#include <array>
#include <cstddef>
#include <string>

#include "c_structs.hpp"

namespace cs {
// The declarations of c_structs.hpp that Boost.Describe can describe (it has no
// unions, and anonymous members have no name to describe).
BOOST_DESCRIBE_STRUCT(s01, (), (c, i))
BOOST_DESCRIBE_STRUCT(s02, (), (c, d, e))
BOOST_DESCRIBE_STRUCT(s03, (), (a, b, c, d))
BOOST_DESCRIBE_STRUCT(s04, (), (flag, value, done))
BOOST_DESCRIBE_STRUCT(s05, (), (name, id))
BOOST_DESCRIBE_STRUCT(s06, (), (big, tail))
BOOST_DESCRIBE_STRUCT(s07, (), (p, c, next))
BOOST_DESCRIBE_STRUCT(s08, (), (s, inner, after))
BOOST_DESCRIBE_STRUCT(s09, (), (items, n))
BOOST_DESCRIBE_STRUCT(s10, (), (m, c))
BOOST_DESCRIBE_STRUCT(s13, (), (c, i))
BOOST_DESCRIBE_STRUCT(s14, (), (a, b, c))
BOOST_DESCRIBE_STRUCT(s16, (), (uc, sc, us, l, ull))
BOOST_DESCRIBE_STRUCT(s17, (), (n, d, ip, up))
BOOST_DESCRIBE_STRUCT(s18, (), (d, i))
BOOST_DESCRIBE_STRUCT(s19, (), (a, b, c))
BOOST_DESCRIBE_STRUCT(s21, (), (callback, c))
BOOST_DESCRIBE_STRUCT(s22, (), (u, ll, f, s))
BOOST_DESCRIBE_STRUCT(s25, (), (a, p, z))
BOOST_DESCRIBE_STRUCT(s26, (), (c))
BOOST_DESCRIBE_STRUCT(s27, (), (c, i, s))
BOOST_DESCRIBE_STRUCT(s28, (), (kind, text))

struct with_std_array { std::array<std::uint16_t, 3> a; double d; };
BOOST_DESCRIBE_STRUCT(with_std_array, (), (a, d))
struct base { int id; };
BOOST_DESCRIBE_STRUCT(base, (), (id))
struct derived : base { char tag; };
BOOST_DESCRIBE_STRUCT(derived, (base), (tag))
struct incomplete_description { int x; double y; };
BOOST_DESCRIBE_STRUCT(incomplete_description, (), (y))
struct middle_missing { char a; int b; char c; };
BOOST_DESCRIBE_STRUCT(middle_missing, (), (a, c))
struct tail_missing { int a; char b; double c; };
BOOST_DESCRIBE_STRUCT(tail_missing, (), (a, b))
}  // namespace cs


#define CHECK_SAME(T)                                                                      \
    do {                                                                                   \
        const memreg::layout l = memreg::layout_of<cs::T>();                               \
        CHECK(l.size() == sizeof(cs::T));                                                  \
        CHECK(l.alignment() == alignof(cs::T));                                            \
        CHECK(equivalent(l, types.type(std::string(#T)[0] == 'u' ? "union " #T : "struct " #T))); \
    } while (false)

TEST_CASE("layout_of gives the compiler's layout, the same as cdecl's", "[describe][layout]") {
    memreg::cdecl::registry types;
    for (const char* decl : {cs::s01_decl, cs::s02_decl, cs::s03_decl, cs::s04_decl, cs::s05_decl,
                             cs::s06_decl, cs::s07_decl, cs::s08_decl, cs::s09_decl, cs::s10_decl,
                             cs::s13_decl, cs::s14_decl, cs::s16_decl, cs::s17_decl, cs::s18_decl,
                             cs::s19_decl, cs::s21_decl, cs::s22_decl, cs::s25_decl, cs::s26_decl,
                             cs::s27_decl, cs::s28_decl})
        types.define(decl);
    CHECK_SAME(s01); CHECK_SAME(s02); CHECK_SAME(s03); CHECK_SAME(s04); CHECK_SAME(s05);
    CHECK_SAME(s06); CHECK_SAME(s07); CHECK_SAME(s08); CHECK_SAME(s09); CHECK_SAME(s10);
    CHECK_SAME(s13); CHECK_SAME(s14); CHECK_SAME(s16); CHECK_SAME(s17); CHECK_SAME(s18);
    CHECK_SAME(s19); CHECK_SAME(s21); CHECK_SAME(s22); CHECK_SAME(s25); CHECK_SAME(s26);
    CHECK_SAME(s27); CHECK_SAME(s28);
    const memreg::layout s09 = memreg::layout_of<cs::s09>();
    CHECK(s09.offset_of("items[2].e") == offsetof(cs::s09, items[2].e));
    CHECK(s09.name() == "cs::s09");
    CHECK(memreg::layout_of<cs::s09>("struct s09").name() == "struct s09");
    CHECK(s09.fields()[0].type.element().name() == "cs::s02");
    CHECK(memreg::layout_of<cs::s07>().fields()[2].type.name() == "cs::s07 *");
}

TEST_CASE("layout_of takes std::array members and described bases", "[describe]") {
    const memreg::layout a = memreg::layout_of<cs::with_std_array>();
    CHECK(a.offset_of("a[2]") == 4);
    CHECK(a.offset_of("d") == offsetof(cs::with_std_array, d));
    const memreg::layout d = memreg::layout_of<cs::derived>();
    CHECK(d.size() == sizeof(cs::derived));
    CHECK(d.offset_of("id") == 0);
    CHECK(d.offset_of("tag") == sizeof(int));
    cs::derived object{};
    object.id = 5;
    const memreg::struct_view v(d, memreg::bytes_of(object));
    v.set("tag", 'x');
    CHECK(object.tag == 'x');
    CHECK(v.get<int>("id") == 5);
}

TEST_CASE("layout_of refuses a description that misses members", "[describe][error]") {
    CHECK_THROWS_MATCHES(memreg::layout_of<cs::incomplete_description>(), memreg::bad_argument,
                         Catch::Message("layout_of(type=cs::incomplete_description): the offset of y is 0 "
                                        "from the described members but " +
                                        std::to_string(offsetof(cs::incomplete_description, y)) +
                                        " in the compiler's layout; "
                                        "describe every member"));
    CHECK_THROWS_MATCHES(memreg::layout_of<cs::middle_missing>(), memreg::bad_argument,
                         Catch::Message("layout_of(type=cs::middle_missing): the offset of c is 1 from "
                                        "the described members but 8 in the compiler's layout; describe "
                                        "every member"));
    CHECK_THROWS_MATCHES(memreg::layout_of<cs::tail_missing>(), memreg::bad_argument,
                         Catch::Message("layout_of(type=cs::tail_missing): the size is 8 from the "
                                        "described members but 16 in the compiler's layout; describe "
                                        "every member"));
}
