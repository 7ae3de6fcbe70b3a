// The C declarations the layout tests check against the compiler: each is compiled
// here as C++ and kept as text (the same tokens) for the cdecl parser.
#pragma once

#include <cstddef>
#include <cstdint>

// Declares struct `name` and `name_decl`, the text "struct name { ... };".
#define MEMREG_C_STRUCT(name, ...)      \
    struct name __VA_ARGS__;            \
    inline constexpr const char* name##_decl = "struct " #name " " #__VA_ARGS__ ";";
#define MEMREG_C_UNION(name, ...)       \
    union name __VA_ARGS__;             \
    inline constexpr const char* name##_decl = "union " #name " " #__VA_ARGS__ ";";

namespace cs {
using std::int16_t, std::int32_t, std::int64_t, std::int8_t, std::intptr_t, std::ptrdiff_t,
    std::size_t, std::uint16_t, std::uint32_t, std::uint64_t, std::uint8_t, std::uintptr_t;

MEMREG_C_STRUCT(s01, { char c; int i; })
MEMREG_C_STRUCT(s02, { char c; double d; char e; })
MEMREG_C_STRUCT(s03, { int8_t a; int16_t b; int32_t c; int64_t d; })
MEMREG_C_STRUCT(s04, { bool flag; double value; bool done; })
MEMREG_C_STRUCT(s05, { char name[13]; uint32_t id; })
MEMREG_C_STRUCT(s06, { int64_t big; char tail; })
MEMREG_C_STRUCT(s07, { void *p; char c; struct s07 *next; })
MEMREG_C_STRUCT(s08, { short s; struct s01 inner; char after; })
MEMREG_C_STRUCT(s09, { struct s02 items[3]; uint8_t n; })
MEMREG_C_STRUCT(s10, { float m[4][4]; char c; })
MEMREG_C_STRUCT(s11, { union { int i; float f; } u; char c; })
MEMREG_C_STRUCT(s12, { char tag; union { int64_t i; double d; }; })
MEMREG_C_STRUCT(s13, { char c; int i; } __attribute__((packed)))
MEMREG_C_STRUCT(s14, { uint8_t a; uint64_t b; uint16_t c; } __attribute__((packed)))
MEMREG_C_STRUCT(s15, { char c; int32_t i __attribute__((aligned(16))); })
MEMREG_C_STRUCT(s16, { unsigned char uc; signed char sc; unsigned short us; long l; unsigned long long ull; })
MEMREG_C_STRUCT(s17, { size_t n; ptrdiff_t d; intptr_t ip; uintptr_t up; })
MEMREG_C_STRUCT(s18, { double d; int i; })
MEMREG_C_STRUCT(s19, { char a; struct s18 b[2]; short c; })
MEMREG_C_STRUCT(s20, { uint16_t hdr; struct { uint8_t len; uint32_t crc; } body; })
MEMREG_C_STRUCT(s21, { int (*callback)(int, char *); char c; })
MEMREG_C_STRUCT(s22, { unsigned u; long long ll; float f; signed s; })
MEMREG_C_UNION(u23, { char c[3]; int32_t i; double d; })
MEMREG_C_STRUCT(s24, { char c; union u23 u; bool b; })
MEMREG_C_STRUCT(s25, { uint8_t a; struct s14 p; uint8_t z; })
MEMREG_C_STRUCT(s26, { char c; } __attribute__((aligned(8))))

#pragma pack(push, 2)
struct s27 { char c; int64_t i; int16_t s; };
#pragma pack(pop)
inline constexpr const char* s27_decl =
    "#pragma pack(push, 2)\n struct s27 { char c; int64_t i; int16_t s; };\n #pragma pack(pop)";

enum e28 : int { e28_a, e28_b = 10, e28_c };  // a C enum is an int
struct s28 { enum e28 kind; char text[e28_c]; };
inline constexpr const char* s28_decl =
    "enum e28 { e28_a, e28_b = 10, e28_c };\n struct s28 { enum e28 kind; char text[e28_c]; };";

}  // namespace cs
