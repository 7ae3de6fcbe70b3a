#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "c_structs.hpp"

using memreg::layout;
using memreg::scalar_kind;
namespace cdecl = memreg::cdecl;

namespace {

// Mirrors of the declarations below whose layout depends on the machine (long double,
// __int128, __float128, vectors; double's alignment in a struct): the compiler's own
// offsetof and sizeof are the expected values (x86-64's are in the comments).
struct vls_mirror {  // struct vls { double d; char c; int32_t tail[?]; }, one tail element
    double d;
    char c;
    std::int32_t tail[1];
};
constexpr std::size_t vls_tail = offsetof(vls_mirror, tail);  // 12
constexpr std::size_t vls_alignment = alignof(vls_mirror);    // 8 (4 on i686)
constexpr std::size_t vls_fixed = (vls_tail + vls_alignment - 1) / vls_alignment * vls_alignment;  // 16

#if defined(__SIZEOF_INT128__)
using int128_like = __int128_t;
#else
struct alignas(16) int128_like {  // i686's compiler has no __int128: cdecl's is 16 bytes at 16
    unsigned char bytes[16];
};
#endif
#if defined(__SIZEOF_FLOAT128__)
constexpr std::size_t float128_alignment = alignof(__float128);  // x86
#else
static_assert(sizeof(long double) == 16, "_Float128 is long double's format here (s390x, aarch64)");
constexpr std::size_t float128_alignment = alignof(long double);
#endif
typedef int vector32 __attribute__((vector_size(32)));
struct w_mirror {  // struct w below; _Complex double as two doubles, as every ABI lays it out
    char c;
    long double ld;
    int128_like i;
    std::complex<double> z;
    // gcc's C places a vector at a multiple of its size on x86-64, i686 and s390x (there
    // _Alignof reports 8); g++'s alignof of the type varies with the vector unit (16 on
    // x86-64 without AVX), so the mirror states it.
    alignas(32) vector32 v;
};
struct fl_mirror {  // struct fl below, up to its long double
    char c;
    float a;
    double b;
    double c2;
    long double d;
};
constexpr std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

/// Every declaration of c_structs.hpp, in one registry, in order.
cdecl::registry all_structs() {
    cdecl::registry types;
    for (const char* decl :
         {cs::s01_decl, cs::s02_decl, cs::s03_decl, cs::s04_decl, cs::s05_decl, cs::s06_decl,
          cs::s07_decl, cs::s08_decl, cs::s09_decl, cs::s10_decl, cs::s11_decl, cs::s12_decl,
          cs::s13_decl, cs::s14_decl, cs::s15_decl, cs::s16_decl, cs::s17_decl, cs::s18_decl,
          cs::s19_decl, cs::s20_decl, cs::s21_decl, cs::s22_decl, cs::u23_decl, cs::s24_decl,
          cs::s25_decl, cs::s26_decl, cs::s27_decl, cs::s28_decl})
        types.define(decl);
    return types;
}

}  // namespace

// The compiler's sizeof, alignof and offsetof against the parsed layout.
#define CHECK_RECORD(kind, T)                                       \
    const layout T##_l = types.type(kind " " #T);                  \
    CHECK(T##_l.size() == sizeof(cs::T));                           \
    CHECK(T##_l.alignment() == alignof(cs::T))
#define CHECK_OFFSET(T, path) CHECK(T##_l.offset_of(#path) == offsetof(cs::T, path))

TEST_CASE("cdecl lays out C structs exactly as the compiler does", "[cdecl][layout]") {
    const cdecl::registry types = all_structs();
    CHECK_RECORD("struct", s01); CHECK_OFFSET(s01, c); CHECK_OFFSET(s01, i);
    CHECK_RECORD("struct", s02); CHECK_OFFSET(s02, d); CHECK_OFFSET(s02, e);
    CHECK_RECORD("struct", s03); CHECK_OFFSET(s03, b); CHECK_OFFSET(s03, c); CHECK_OFFSET(s03, d);
    CHECK_RECORD("struct", s04); CHECK_OFFSET(s04, value); CHECK_OFFSET(s04, done);
    CHECK_RECORD("struct", s05); CHECK_OFFSET(s05, name[12]); CHECK_OFFSET(s05, id);
    CHECK_RECORD("struct", s06); CHECK_OFFSET(s06, tail);
    CHECK_RECORD("struct", s07); CHECK_OFFSET(s07, c); CHECK_OFFSET(s07, next);
    CHECK_RECORD("struct", s08); CHECK_OFFSET(s08, inner); CHECK_OFFSET(s08, inner.i); CHECK_OFFSET(s08, after);
    CHECK_RECORD("struct", s09); CHECK_OFFSET(s09, items[2].e); CHECK_OFFSET(s09, n);
    CHECK_RECORD("struct", s10); CHECK_OFFSET(s10, m[3][2]); CHECK_OFFSET(s10, c);
    CHECK_RECORD("struct", s11); CHECK_OFFSET(s11, u.f); CHECK_OFFSET(s11, c);
    CHECK_RECORD("struct", s12); CHECK_OFFSET(s12, i); CHECK_OFFSET(s12, d);
    CHECK_RECORD("struct", s13); CHECK_OFFSET(s13, i);
    CHECK_RECORD("struct", s14); CHECK_OFFSET(s14, b); CHECK_OFFSET(s14, c);
    CHECK_RECORD("struct", s15); CHECK_OFFSET(s15, i);
    CHECK_RECORD("struct", s16); CHECK_OFFSET(s16, sc); CHECK_OFFSET(s16, us); CHECK_OFFSET(s16, l); CHECK_OFFSET(s16, ull);
    CHECK_RECORD("struct", s17); CHECK_OFFSET(s17, d); CHECK_OFFSET(s17, ip); CHECK_OFFSET(s17, up);
    CHECK_RECORD("struct", s18); CHECK_OFFSET(s18, i);
    CHECK_RECORD("struct", s19); CHECK_OFFSET(s19, b[1].i); CHECK_OFFSET(s19, c);
    CHECK_RECORD("struct", s20); CHECK_OFFSET(s20, body.len); CHECK_OFFSET(s20, body.crc);
    CHECK_RECORD("struct", s21); CHECK_OFFSET(s21, c);
    CHECK_RECORD("struct", s22); CHECK_OFFSET(s22, ll); CHECK_OFFSET(s22, f); CHECK_OFFSET(s22, s);
    CHECK_RECORD("union", u23); CHECK_OFFSET(u23, d);
    CHECK_RECORD("struct", s24); CHECK_OFFSET(s24, u.d); CHECK_OFFSET(s24, b);
    CHECK_RECORD("struct", s25); CHECK_OFFSET(s25, p.c); CHECK_OFFSET(s25, z);
    CHECK_RECORD("struct", s26);
    CHECK_RECORD("struct", s27); CHECK_OFFSET(s27, i); CHECK_OFFSET(s27, s);
    CHECK_RECORD("struct", s28); CHECK_OFFSET(s28, text[10]);
}

TEST_CASE("cdecl maps C types to scalar kinds", "[cdecl]") {
    const cdecl::registry types = all_structs();
    const layout s16 = types.type("struct s16");
    CHECK(s16.fields()[0].type.scalar() == scalar_kind::uint8);
    CHECK(s16.fields()[1].type.scalar() == scalar_kind::int8);
    CHECK(s16.fields()[2].type.scalar() == scalar_kind::uint16);
    CHECK(s16.fields()[3].type.scalar() == memreg::scalar_kind_of<long>());
    CHECK(s16.fields()[4].type.scalar() == scalar_kind::uint64);
    CHECK(types.type("char").scalar() == scalar_kind::character);
    CHECK(types.type("_Bool").scalar() == scalar_kind::boolean);
    CHECK(types.type("unsigned").scalar() == scalar_kind::uint32);
    CHECK(types.type("long int").scalar() == memreg::scalar_kind_of<long>());
    CHECK(types.type("const double").scalar() == scalar_kind::float64);
    CHECK(types.type("struct s07").fields()[2].type.name() == "struct s07 *");
    CHECK(types.type("struct s21").fields()[0].type.scalar() == scalar_kind::pointer);
    CHECK(types.type("enum e28").scalar() == scalar_kind::int32);
    CHECK(types.constant("e28_c") == 11);
    CHECK_FALSE(types.constant("nothing").has_value());
    CHECK(types.type("uint8_t[16]").size() == 16);
    CHECK(types.type("uint8_t[16]").name() == "uint8_t[16]");
    CHECK(types.type("struct s01 *[4]").size() == 4 * sizeof(void*));
    CHECK(types.type("char **").name() == "char **");
    CHECK(types.type("struct undefined_yet *").scalar() == scalar_kind::pointer);
}

TEST_CASE("a registry keeps typedefs and tags across define calls", "[cdecl]") {
    cdecl::registry types;
    types.define("typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;");
    types.define("typedef struct image { int w, h; rgba_pixel *pixels; rgba_pixel first; } image_t;");
    const layout pixel = types.type("rgba_pixel");
    CHECK(pixel.size() == 4);
    CHECK(pixel.name() == "rgba_pixel");
    CHECK(pixel.offset_of("alpha") == 3);
    CHECK(types.type("image_t").identical(types.type("struct image")));
    CHECK(types.type("image_t").offset_of("first.blue") == 2 * sizeof(int) + sizeof(void*) + 2);
    CHECK(types.find_typedef("rgba_pixel").has_value());
    CHECK(types.find_struct("image").has_value());
    CHECK_FALSE(types.find_union("image").has_value());
    CHECK_FALSE(types.find_typedef("nothing").has_value());
    // Repeating a typedef of the same type is allowed, as in C11.
    types.define("typedef int int32_t; typedef unsigned long size_t;");
    // Opaque types: a typedef of a struct without a body, filled in later.
    types.define("typedef struct lua_State lua_State; struct holder { lua_State *L; };");
    CHECK(types.type("struct holder").size() == sizeof(void*));
    types.define("struct lua_State { int top; };");
    CHECK(types.type("lua_State").size() == sizeof(int));
    struct char_double { char c; double d; };  // 16 bytes on x86-64 and s390x, 12 on i386
    CHECK(cdecl::parse("struct p { char c; double d; };", "struct p").size() == sizeof(char_double));
}

TEST_CASE("cdecl takes comments, pragmas, expressions and attributes", "[cdecl]") {
    cdecl::registry types;
    types.define(R"(
        /* a block comment */
        // a line comment
        enum { N = 4, M = N * 2 + (1 << 2), K = sizeof(int) + 0x10 - 010 % 3 };
        struct a { char c[M]; int k[K]; };  /* M = 12, K = 18 */
        #pragma pack(1)
        struct b { char c; double d; };
        #pragma pack()
        struct c { char c; double d; };
        struct __attribute__((__packed__)) d { char c; int i; };
    )");
    CHECK(types.type("struct a").offset_of("k") == 12);
    CHECK(types.type("struct a").size() == 12 + 18 * 4);
    CHECK(types.type("struct b").size() == 9);
    struct char_double { char c; double d; };  // 16 bytes on x86-64 and s390x, 12 on i386
    CHECK(types.type("struct c").size() == sizeof(char_double));
    CHECK(types.type("struct d").size() == 5);
    // #pragma pack does not leak out of the define that set it.
    types.define("#pragma pack(1)\nstruct e { char c; int i; };");
    types.define("struct f { char c; int i; };");
    CHECK(types.type("struct e").size() == 5);
    CHECK(types.type("struct f").size() == 8);
}

TEST_CASE("a flexible array member ends a struct with no size of its own", "[cdecl]") {
    cdecl::registry types;
    // What gcc gives these C structs: sizeof 4 and 4, data at offset 4 and 4.
    types.define("struct msg { int len; char data[]; }; struct tail { char c; int data[]; };");
    CHECK(types.type("struct msg").size() == 4);
    CHECK(types.type("struct msg").offset_of("data") == 4);
    CHECK(types.type("struct msg").fields()[1].type.count() == 0);
    CHECK(types.type("struct tail").size() == 4);
    CHECK(types.type("struct tail").alignment() == 4);
    CHECK(types.type("struct tail").offset_of("data") == 4);
    CHECK_THROWS_MATCHES(types.define("struct bad { char data[]; int after; };"), memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=27): the flexible array member 'data' must be the last member"));
    CHECK_THROWS_MATCHES(types.define("struct bad2 { char a[], b; };"), memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=25): the flexible array member 'a' must be the last member"));
    CHECK_THROWS_MATCHES(types.define("typedef char buffer[];"), memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=14): an array without a size is only allowed as a struct's last member"));
    CHECK_THROWS_MATCHES(types.type("uint8_t[]"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=8): an array without a size is only allowed as a struct's last member"));
}

TEST_CASE("variable-length arrays and structs in LuaJIT's notation: T[?] and a T tail[?] member", "[cdecl][vla]") {
    cdecl::registry types;
    types.define("struct vls { double d; char c; int32_t tail[?]; };\n"
                 "typedef uint16_t u16vla[?];\n"
                 "typedef struct { uint8_t n; u16vla items; } tvls;");
    const layout vla = types.type("int32_t[?]");
    CHECK(vla.is_variable());
    CHECK(vla.is_array());
    CHECK(vla.name() == "int32_t[?]");
    CHECK(vla.size() == 0);
    CHECK(vla.alignment() == 4);
    CHECK(vla.size(0) == 0);
    CHECK(vla.size(7) == 28);
    CHECK(vla.variable_element().name() == "int32_t");
    CHECK(vla.with_count(7).name() == "int32_t[7]");
    CHECK(vla.with_count(7).size() == 28);
    CHECK_FALSE(vla.with_count(7).is_variable());
    CHECK(types.type("int32_t[?][3]").name() == "int32_t[?][3]");
    CHECK(types.type("int32_t[?][3]").size(2) == 24);
    CHECK(types.type("char *[?]").size(2) == 2 * sizeof(void*));
    // The struct's size is its fixed part with the tail as 0 elements, padding included
    // (gcc: a flexible array member gives sizeof 16, tail at 12); size(n) adds n
    // elements to it, as LuaJIT's ffi.sizeof(ct, n) does.
    const layout vls = types.type("struct vls");
    CHECK(vls.is_variable());
    CHECK(vls.size() == vls_fixed);
    CHECK(vls.alignment() == vls_alignment);
    CHECK(vls.offset_of("tail") == vls_tail);
    CHECK(vls.size(5) == vls_fixed + 20);
    CHECK(vls.variable_element().name() == "int32_t");
    const layout five = vls.with_count(5);
    CHECK_FALSE(five.is_variable());
    CHECK(five.size() == vls_fixed + 20);
    CHECK(five.offset_of("tail[4]") == vls_tail + 16);
    CHECK_THROWS_MATCHES((void)five.offset_of("tail[5]"), memreg::out_of_range,
                         Catch::Message("layout::offset_of(path=tail[5]): index 5 outside int32_t[5]"));
    // Through typedefs: a typedef of a VLA is a VLA, a struct ending in one a VLS.
    CHECK(types.type("u16vla").name() == "uint16_t[?]");
    CHECK(types.type("tvls").is_variable());
    CHECK(types.type("tvls").offset_of("items") == 2);
    CHECK(types.type("tvls").size(3) == 2 + 6);
    CHECK_FALSE(types.type("struct vls *").is_variable());
    // The count's overflow names the numbers.
    CHECK_THROWS_MATCHES((void)vls.size(SIZE_MAX / 4), memreg::bad_argument,
                         Catch::Message("layout::size(type=struct vls, count=" + std::to_string(SIZE_MAX / 4) +
                                        "): the size " + std::to_string(vls_fixed) + " + " + std::to_string(SIZE_MAX / 4) +
                                        " * 4 overflows size_t (at most " + std::to_string(SIZE_MAX) + ")"));
    CHECK_THROWS_MATCHES((void)vla.with_count(SIZE_MAX / 2), memreg::bad_argument,
                         Catch::Message("layout::size(type=int32_t[?], count=" + std::to_string(SIZE_MAX / 2) +
                                        "): the size 0 + " + std::to_string(SIZE_MAX / 2) +
                                        " * 4 overflows size_t (at most " + std::to_string(SIZE_MAX) + ")"));
    CHECK_THROWS_MATCHES((void)types.type("int").size(3), memreg::bad_argument,
                         Catch::Message("layout::variable_element(type=int32_t): not a variable-length type"));
    // '[?]' anywhere but the outermost dimension or a struct's last member.
    const auto refused = [&](const char* text, const std::string& message) {
        CHECK_THROWS_MATCHES(types.define(text), memreg::parse_error, Catch::Message(message));
    };
    refused("typedef int bad1[4][?];", "cdecl::define(line=1, column=20): '[?]' (a variable-length array) is only "
                                       "allowed in the outermost dimension");
    refused("typedef int (*bad2)[?];", "cdecl::define(line=1, column=20): '[?]' (a variable-length array) is only "
                                       "allowed in the outermost dimension");
    refused("struct bad3 { int a[?]; int b; };",
            "cdecl::define(line=1, column=25): the variable-length array member 'a' must be the last member");
    refused("struct bad4 { int n; u16vla a; char c; };",
            "cdecl::define(line=1, column=32): the variable-length array member 'a' must be the last member");
    refused("union bad5 { int a[?]; };", "cdecl::define(line=1, column=18): 'a' has the variable-length type "
                                         "int32_t[?] ('[?]' is only allowed in a type name, a typedef or a "
                                         "struct's last member)");
    refused("struct bad6 { int n; struct vls v; };",
            "cdecl::define(line=1, column=33): 'v' has the variable-length type struct vls (a struct with a '[?]' "
            "member is only a type of its own)");
    refused("extern int bad7[?];", "cdecl::define(line=1, column=12): 'bad7' has the variable-length type "
                                   "int32_t[?] ('[?]' is only allowed in a type name, a typedef or a struct's "
                                   "last member)");
    refused("typedef struct vls bad8[2];",
            "cdecl::define(line=1, column=20): layout::array_of(type=struct vls, count=2): an array element cannot "
            "be a variable-length type ('[?]' is only allowed in the outermost dimension)");
    refused("enum { BAD9 = sizeof(int[?]) };",
            "cdecl::define(line=1, column=22): sizeof(int32_t[?]): a variable-length type has no size without a count");
    CHECK_THROWS_MATCHES(types.type("void[?]"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=5): an array of void has no size"));
    CHECK_THROWS_MATCHES(types.type("int[2][?]"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=7): '[?]' (a variable-length array) is only "
                                        "allowed in the outermost dimension"));
    // None of the refused texts defined anything.
    CHECK_FALSE(types.find_struct("bad3"));
    CHECK_FALSE(types.find_typedef("bad1"));
    // A prototype's array parameter is spelled as any unsized one, '[?]' or not.
    types.define("int takes_vla(int n, int a[?]);");
    CHECK(types.function("takes_vla") == "int32_t (int32_t, int32_t[])");
}

TEST_CASE("glibc's _FloatN typedefs and floating __mode__s, as headers give them to clang", "[cdecl]") {
    cdecl::registry types;
    // What bits/floatn.h and floatn-common.h declare for a compiler without the types.
    types.define("typedef _Complex float __cfloat128 __attribute__ ((__mode__ (__TC__)));\n"
                 "typedef _Complex float __cfloat16 __attribute__ ((__mode__ (__HC__)));\n"
                 "typedef float _Float16 __attribute__ ((__mode__ (__HF__)));\n"
                 "typedef float _Float32;\ntypedef double _Float64;\ntypedef double _Float32x;\n"
                 "typedef long double _Float64x;\ntypedef __float128 _Float128;\n"
                 "struct fl { char c; _Float32 a; _Float64 b; _Float32x c2; _Float64x d; _Float128 e;\n"
                 "            __cfloat128 f; char g; _Float16 h; __cfloat16 i; };");
    CHECK(types.find_typedef("_Float32"));
    CHECK(types.type("_Float32").scalar() == scalar_kind::float32);
    CHECK(types.type("_Float64").scalar() == scalar_kind::float64);
    CHECK(types.type("__cfloat128").size() == 32);
    CHECK(types.type("__cfloat128").alignment() == float128_alignment);
    CHECK(types.type("__cfloat128").name() == "_Complex _Float128");
    CHECK(types.type("_Float16").size() == 2);
    CHECK(types.type("__cfloat16").size() == 4);
    CHECK(types.type("__cfloat16").alignment() == 2);
    // clang 16 on x86-64 (the typedefs as above, without _Float16): offsets 4 8 16 32 48 64
    // 96 98 100, size 112; elsewhere long double's and _Float128's sizes and alignments
    // move them (i686: 24 48 64 96, size 112; s390x: 32 48 64 96, size 104).
    const layout fl = types.type("struct fl");
    CHECK(fl.offset_of("a") == offsetof(fl_mirror, a));
    CHECK(fl.offset_of("b") == offsetof(fl_mirror, b));
    CHECK(fl.offset_of("c2") == offsetof(fl_mirror, c2));
    CHECK(fl.offset_of("d") == offsetof(fl_mirror, d));
    const std::size_t e = round_up(offsetof(fl_mirror, d) + sizeof(long double), float128_alignment);
    CHECK(fl.offset_of("e") == e);
    CHECK(fl.offset_of("f") == e + 16);
    CHECK(fl.offset_of("g") == e + 48);
    CHECK(fl.offset_of("h") == e + 50);
    CHECK(fl.offset_of("i") == e + 52);
    CHECK(fl.size() == round_up(e + 56, std::max(float128_alignment, alignof(long double))));
    CHECK_THROWS_MATCHES(types.define("typedef int bad_mode __attribute__((__mode__(__TC__)));"), memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=37): __mode__ does not match int32_t"));
}

TEST_CASE("an enum's bit-field is unsigned unless the enum has a negative value (gcc)", "[cdecl][bitfield]") {
    cdecl::registry types;
    types.define("enum eu { EU_A, EU_B = 5 }; enum es { ES_N = -1, ES_P }; typedef enum { ET_X } et;\n"
                 "struct ebits { enum eu u : 3; enum es s : 3; et t : 2; enum { EZ } z : 1; enum eu whole; };");
    const layout b = types.type("struct ebits");
    CHECK(b.fields()[0].type.scalar() == scalar_kind::uint32);
    CHECK(b.fields()[0].type.name() == "enum eu");
    CHECK(b.fields()[1].type.scalar() == scalar_kind::int32);
    CHECK(b.fields()[2].type.scalar() == scalar_kind::uint32);
    CHECK(b.fields()[3].type.scalar() == scalar_kind::uint32);
    CHECK(b.fields()[4].type.scalar() == scalar_kind::int32);  // not a bit-field: the enum as LuaJIT has it
    alignas(4) std::array<std::byte, 8> bytes{};
    bytes.fill(std::byte{0xff});
    memreg::layout_member m{};
    REQUIRE(b.find("u", m));
    CHECK(memreg::read_bitfield(memreg::const_region(bytes.data(), bytes.size()), m) == memreg::scalar_value(std::uint64_t{7}));
    REQUIRE(b.find("s", m));
    CHECK(memreg::read_bitfield(memreg::const_region(bytes.data(), bytes.size()), m) == memreg::scalar_value(std::int64_t{-1}));
}

TEST_CASE("a malformed declaration is a parse_error with line and column", "[cdecl][error]") {
    cdecl::registry types;
    const auto fails = [&](const char* text, const char* message) {
        CHECK_THROWS_MATCHES(types.define(text), memreg::parse_error, Catch::Message(message));
    };
    fails("struct x { int a; }", "cdecl::define(line=1, column=20): expected a name, found the end of the text");
    fails("struct x {\n  int a\n};", "cdecl::define(line=3, column=1): expected ';' after the member, found '}'");
    fails("struct x { foo a; };", "cdecl::define(line=1, column=12): unknown type name 'foo'");
    fails("struct x { int a; int a; };",
          "cdecl::define(line=1, column=23): layout_builder::add(type=struct x, name=a): duplicate field name");
    fails("struct x { int a : 33; };",
          "cdecl::define(line=1, column=16): layout_builder::add_bitfield(name=a, type=int32_t, width=33): the width exceeds the type's 32 bits");
    fails("struct x { float f : 3; };",
          "cdecl::define(line=1, column=18): layout_builder::add_bitfield(name=f, type=float): a bit-field must have an integer, char, bool or enum type");
    fails("struct q { int a; int b : 0; };",
          "cdecl::define(line=1, column=23): layout_builder::add_bitfield(name=b): a zero-width bit-field cannot have a name");
    fails("int f(int) { return 0; ", "cdecl::define(line=1, column=12): expected '}' to close the function body");
    fails("double x = 1;",
          "cdecl::define(line=1, column=12): only an integer object can have an initializer here ('x' is double)");
    fails("typedef void fn(int); struct y { fn f; };",
          "cdecl::define(line=1, column=37): 'f' has a function type (only a pointer to it can be a member)");
    fails("enum { A = 1 << 32 };", "cdecl::define(line=1, column=14): shift by 32 bits of a 32-bit value");
    fails("struct y; struct x { struct y inner; };",
          "cdecl::define(line=1, column=31): struct y has no definition (only a pointer to it can be used)");
    fails("struct x { void v; };", "cdecl::define(line=1, column=17): 'v' cannot have type void");
    fails("struct x { _Complex int c; };", "cdecl::define(line=1, column=12): _Complex of an integer type is not supported");
    fails("struct x { unsigned float f; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'unsigned float'");
    fails("struct x { char c[-1]; };", "cdecl::define(line=1, column=18): array size -1 is negative");
    fails("struct x { char c[1/0]; };", "cdecl::define(line=1, column=20): division by zero");
    fails("struct x { char c[N]; };", "cdecl::define(line=1, column=19): unknown constant 'N'");
    fails("struct x { char c[99999999999999999999]; };",
          "cdecl::define(line=1, column=19): number '99999999999999999999' is too large");
    // 2^63 - 1 sixteen-byte elements overflow a 64-bit size_t; a 32-bit one cannot even
    // hold the count (which must not wrap: 2^32 + 1 was once 1).
    if constexpr (SIZE_MAX > 0xffffffffu) {
        fails("struct x { char c[0x7fffffffffffffff][16]; };",
              "cdecl::define(line=1, column=17): layout::array_of(type=char[16], count=9223372036854775807): the array's size overflows");
        CHECK(types.type("char[0x100000001]").size() == 0x100000001u);
    } else {
        fails("struct x { char c[0x7fffffffffffffff][16]; };",
              "cdecl::define(line=1, column=18): array size 9223372036854775807 exceeds SIZE_MAX (4294967295)");
        CHECK_THROWS_MATCHES(types.type("char[0x100000001]"), memreg::parse_error,
                             Catch::Message("cdecl::type(line=1, column=5): array size 4294967297 exceeds SIZE_MAX (4294967295)"));
    }
    fails("struct x { int a; } __attribute__((aligned(3)));",
          "cdecl::define(line=1, column=36): alignment 3 is not a power of two");
    fails("#define X 1", "cdecl::define(line=1, column=2): only '#pragma pack' is understood, found 'define'");
    fails("#pragma pack(3)", "cdecl::define(line=1, column=14): pack value 3 is not a power of two up to 256");
    fails("#pragma pack(pop)", "cdecl::define(line=1, column=14): #pragma pack(pop) without a push");
    fails("/* open", "cdecl::define(line=1, column=1): unterminated comment");
    fails("struct x { int a; @ };", "cdecl::define(line=1, column=19): expected a type, found '@'");
    fails("typedef int;", "cdecl::define(line=1, column=12): a typedef needs a name");
    fails("struct z { int a; }; struct z { int b; };", "cdecl::define(line=1, column=29): redefinition of struct z");
    fails("typedef int t; typedef char t;", "cdecl::define(line=1, column=29): 't' is already a typedef of int32_t");
    fails("enum { A, A };", "cdecl::define(line=1, column=11): redefinition of 'A'");
    // Nothing from the failed defines was kept.
    CHECK_FALSE(types.find_struct("x").has_value());
    CHECK_FALSE(types.find_struct("z").has_value());
    CHECK_FALSE(types.find_typedef("t").has_value());
    CHECK_FALSE(types.constant("A").has_value());
}

TEST_CASE("type specifiers combine in any order", "[cdecl]") {
    cdecl::registry types;
    types.define("typedef int myint;");
    using memreg::scalar_kind;
    using memreg::scalar_kind_of;
    const auto scalar = [&](const char* name) { return types.type(name).scalar(); };
    CHECK(scalar("long unsigned int long") == scalar_kind_of<unsigned long long>());
    CHECK(scalar("int long long") == scalar_kind_of<long long>());
    CHECK(scalar("long int") == scalar_kind_of<long>());
    CHECK(scalar("short signed") == scalar_kind_of<short>());
    CHECK(scalar("int unsigned short") == scalar_kind_of<unsigned short>());
    CHECK(scalar("unsigned") == scalar_kind_of<unsigned>());
    CHECK(scalar("__signed__") == scalar_kind_of<int>());
    CHECK(scalar("char") == scalar_kind::character);
    CHECK(scalar("char unsigned") == scalar_kind::uint8);
    CHECK(scalar("signed char") == scalar_kind::int8);
    CHECK(scalar("const volatile _Bool") == scalar_kind::boolean);
    CHECK(scalar("float") == scalar_kind::float32);
    CHECK(scalar("const double") == scalar_kind::float64);
    CHECK(types.type("double long").name() == "long double");
    CHECK(types.type("double long").size() == sizeof(long double));
    CHECK(types.type("float _Complex").name() == "_Complex float");
    CHECK(types.type("float _Complex").size() == 8);
    CHECK(types.type("__int128 unsigned").name() == "unsigned __int128");
    CHECK(types.type("signed __int128").name() == "__int128");
    CHECK(types.type("const myint").scalar() == scalar_kind_of<int>());
    CHECK(types.type("void").kind() == memreg::layout_kind::void_);
    // After a type, _Float32 is the name being declared (glibc's fallback typedefs).
    types.define("typedef float _Float32;");
    CHECK(types.type("_Float32").scalar() == scalar_kind::float32);
}

TEST_CASE("a bad set of type specifiers is refused naming its words", "[cdecl][error]") {
    cdecl::registry types;
    types.define("struct s { int a; }; typedef int myint;");
    const auto fails = [&](const char* text, const char* message) {
        CHECK_THROWS_MATCHES(types.define(text), memreg::parse_error, Catch::Message(message));
    };
    // Read: each word as it comes.
    fails("struct x { signed signed a; };", "cdecl::define(line=1, column=19): repeated 'signed'");
    fails("struct x { signed unsigned a; };", "cdecl::define(line=1, column=19): 'unsigned' after 'signed'");
    fails("struct x { long long long a; };", "cdecl::define(line=1, column=22): 'long long long' is too long");
    fails("struct x { char double a; };",
          "cdecl::define(line=1, column=17): two types in one declaration: 'double' after 'char'");
    fails("struct x { __int128 char a; };",
          "cdecl::define(line=1, column=21): two types in one declaration: 'char' after '__int128'");
    fails("struct x { struct s float a; };",
          "cdecl::define(line=1, column=21): two types in one declaration: 'float' after struct s");
    fails("struct x { myint enum e { E } a; };",
          "cdecl::define(line=1, column=18): two types in one declaration: 'enum' after 'myint'");
    fails("struct x { _Atomic(int) a; };", "cdecl::define(line=1, column=12): _Atomic(type) is not supported");
    fails("asm(\"nop\");", "cdecl::define(line=1, column=1): an asm statement is not a declaration");
    fails("struct x { _Alignas(3) int a; };", "cdecl::define(line=1, column=12): alignment 3 is not a power of two");
    // Mapped: the words together, at the first of them.
    fails("struct x { const int char a; };",
          "cdecl::define(line=1, column=18): invalid combination of type specifiers: 'int char'");
    fails("struct x { short long a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'short long'");
    fails("struct x { int int a; };", "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'int int'");
    fails("struct x { short short a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'short short'");
    fails("struct x { long float a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'long float'");
    fails("struct x { long long double a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'long long double'");
    fails("struct x { int double a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'int double'");
    fails("struct x { _Complex _Bool a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: '_Complex _Bool'");
    fails("struct x { short __int128 a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'short __int128'");
    fails("struct x { __int128 _Complex a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: '__int128 _Complex'");
    fails("void _Complex f(void);",
          "cdecl::define(line=1, column=1): invalid combination of type specifiers: 'void _Complex'");
    fails("struct x { unsigned long _Complex a; };",
          "cdecl::define(line=1, column=12): _Complex of an integer type is not supported");
    fails("struct x { unsigned struct s a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'unsigned' with struct s");
    fails("struct x { myint long a; };",
          "cdecl::define(line=1, column=12): invalid combination of type specifiers: 'long' with 'myint'");
    fails("struct x { const };", "cdecl::define(line=1, column=18): expected a type, found '}'");
}

TEST_CASE("a bad type name is a parse_error", "[cdecl][error]") {
    cdecl::registry types;
    types.define("struct known { int a; };");
    CHECK_THROWS_MATCHES(types.type("unknown_t"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=1): unknown type name 'unknown_t'"));
    CHECK_THROWS_MATCHES(types.type("struct missing"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=15): struct missing has no definition (only a pointer to it can be used)"));
    CHECK_THROWS_MATCHES(types.type("struct known junk"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=14): expected the end of the type, found 'junk'"));
    CHECK_THROWS_MATCHES(types.type("struct { int a; }"), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=8): a type name cannot define a type"));
    CHECK_THROWS_MATCHES(types.type(""), memreg::parse_error,
                         Catch::Message("cdecl::type(line=1, column=1): expected a type, found the end of the text"));
    const memreg::parse_error e = [&] {
        try {
            (void)types.type("int\n  [x]");
        } catch (const memreg::parse_error& caught) {
            return caught;
        }
        return memreg::parse_error("", 0, 0);
    }();
    CHECK(e.line() == 2);
    CHECK(e.column() == 4);
}

TEST_CASE("cdecl records prototypes, objects and constants as real headers declare them",
          "[cdecl]") {
    cdecl::registry types;
    types.define(R"(
        __extension__ typedef unsigned long long u64;
        extern int open(const char *__file, int __oflag, ...) __attribute__((__nonnull__(1)));
        extern void (*signal(int, void (*)(int)))(int);
        static __inline int twice(int x) { return x * 2; }
        extern char *environ_like[];
        extern int daylight_like __asm__("" "daylight");
        static const int X = 5, Y = X * 2;
        static const char LETTER = 'q';
        typedef int handler_fn(int, char **);
        handler_fn *table[4];
        enum color { RED, GREEN = 10, BLUE };
    )");
    // Spellings name the types as cdecl's layouts do (qualifiers are not kept).
    CHECK(types.function("open") == "int32_t (char *, int32_t, ...)");
    CHECK(types.function("signal") == "void (*(int32_t, void (*)(int32_t)))(int32_t)");
    CHECK(types.function("twice") == "int32_t (int32_t)");
    CHECK(types.variable("environ_like") == "char *[]");
    CHECK(types.variable("daylight_like") == "int32_t");
    CHECK(types.variable("table") == "int32_t (*[4])(int32_t, char **)");
    CHECK(types.constant("X") == 5);
    CHECK(types.constant("Y") == 10);
    CHECK(types.constant("LETTER") == 'q');
    CHECK(types.constant("BLUE") == 11);
    CHECK(types.type("handler_fn *").name() == "int32_t (*)(int32_t, char **)");
    CHECK(types.type("void (**)(void)").name() == "void (**)(void)");
    CHECK(types.type("int (*)[4]").size() == sizeof(void*));
    const std::vector<std::string> functions = types.function_names();
    CHECK(functions == std::vector<std::string>{"open", "signal", "twice"});
    // The same name declared again with the same type is fine; another type is not.
    types.define("extern int open(const char *, int, ...);");
    CHECK_THROWS_MATCHES(types.define("extern long long open(const char *, int, ...);"), memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=18): conflicting types for 'open': "
                                        "int32_t (char *, int32_t, ...) and int64_t (char *, int32_t, ...)"));
}

TEST_CASE("bit-fields are laid out, found, read and written with range checks", "[cdecl][bitfield]") {
    cdecl::registry types;
    types.define("struct flags { unsigned ver : 4, ihl : 4; int delta : 5; _Bool on : 1; unsigned long long big : 40; };");
    const layout flags = types.type("struct flags");
    CHECK(flags.size() == 8);
    const memreg::layout_field& ihl = flags.fields()[1];
    CHECK(ihl.offset == 0);
    CHECK(ihl.bit_offset == 4);
    CHECK(ihl.bit_width == 4);
    const memreg::layout_field& big = flags.fields()[4];
    CHECK(big.offset == 0);  // in the first 8-byte unit: bits 14..53
    CHECK(big.bit_offset == 14);
    CHECK_THROWS_MATCHES(flags.offset_of("ihl"), memreg::bad_argument,
                         Catch::Message("layout::offset_of(path=ihl): 'ihl' is a bit-field (4 bits at bit 4 of "
                                        "byte 0): read it with read_bitfield or write_bitfield"));
    const memreg::layout_member m = flags.resolve("delta", "test", true);
    CHECK(m.bit_width == 5);
    std::array<std::byte, 8> bytes{};
    const memreg::region r(bytes.data(), bytes.size());
    memreg::write_bitfield(r, m, std::int64_t{-16});
    CHECK(std::get<std::int64_t>(memreg::read_bitfield(r, m)) == -16);
    CHECK_THROWS_MATCHES(memreg::write_bitfield(r, m, std::int64_t{16}, "delta"), memreg::bad_argument,
                         Catch::Message("write_bitfield(path=delta, type=int32_t, width=5, value=16): value does "
                                        "not fit the bit-field"));
    CHECK(std::get<std::int64_t>(memreg::read_bitfield(r, m)) == -16);  // unchanged
    memreg::write_bitfield(r, flags.resolve("big", "test", true), std::uint64_t{0xFFFFFFFFFF});
    // Bits 14..53 in filling order: bytes 1..6 as the C compiler fills them, from the
    // least significant bit up on little-endian machines, from the most down on
    // big-endian ones (s390x).
    const unsigned byte1 = std::to_integer<unsigned>(bytes[1]);
    const unsigned byte6 = std::to_integer<unsigned>(bytes[6]);
    if constexpr (std::endian::native == std::endian::little) {
        CHECK((byte1 & 0xC0) == 0xC0);
        CHECK(byte6 == 0x3F);
    } else {
        CHECK((byte1 & 0x03) == 0x03);
        CHECK(byte6 == 0xFC);
    }
    CHECK(std::to_integer<unsigned>(bytes[2]) == 0xFF);
    CHECK(std::to_integer<unsigned>(bytes[5]) == 0xFF);
    CHECK(std::get<std::uint64_t>(memreg::read_bitfield(r, flags.resolve("big", "test", true))) == 0xFFFFFFFFFF);
    CHECK(std::get<std::int64_t>(memreg::read_bitfield(r, m)) == -16);  // the neighbour is intact
    CHECK_THROWS_AS(memreg::read_bitfield(memreg::const_region(bytes.data(), 1), flags.resolve("big", "t", true)),
                    memreg::out_of_range);
}

TEST_CASE("types memreg lays out but does not read are sized, aligned opaque members", "[cdecl]") {
    cdecl::registry types;
    types.define("struct w { char c; long double ld; __int128 i; _Complex double z; "
                 "int v __attribute__((vector_size(32))); };");
    const layout w = types.type("struct w");
    // x86-64: 16 32 48 64, size 96 at 32 (s390x: 8 24 40 64, size 96).
    CHECK(w.offset_of("ld") == offsetof(w_mirror, ld));
    CHECK(w.offset_of("i") == offsetof(w_mirror, i));
    CHECK(w.offset_of("z") == offsetof(w_mirror, z));
    CHECK(w.offset_of("v") == offsetof(w_mirror, v));
    CHECK(w.size() == sizeof(w_mirror));
    CHECK(w.alignment() == alignof(w_mirror));
    CHECK(w.fields()[1].type.is_opaque());
    CHECK(w.fields()[1].type.name() == "long double");
    CHECK(w.fields()[3].type.name() == "_Complex double");
}
