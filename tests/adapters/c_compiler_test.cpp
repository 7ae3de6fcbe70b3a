// C-only declarations (anonymous structs, _Bool, flexible arrays, enums, packed
// nesting) checked against the system's C compiler: the test writes a C program
// that prints sizeof, _Alignof and offsetof, compiles it with the build's C compiler
// (MEMREG_TEST_C_COMPILER, `cc` by default: the cross compiler in cross builds), runs
// it (under MEMREG_TEST_EMULATOR when set: qemu-user), and compares every number with
// what cdecl computed from the same text.
#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#ifndef MEMREG_TEST_C_COMPILER
#define MEMREG_TEST_C_COMPILER "cc"
#endif
#ifndef MEMREG_TEST_EMULATOR
#define MEMREG_TEST_EMULATOR ""
#endif

namespace {

constexpr const char* declarations = R"(
struct a1 { char c; struct { int x; short y; }; _Bool b; };
struct a2 { int len; char data[]; };
struct a3 { char c; union { double d; int i; }; struct { char p, q; } named; };
enum mode { M_A, M_B = 1000 };
struct a4 { enum mode m; char c; };
typedef struct { _Bool flags[3]; unsigned long long v; } a6;
#pragma pack(push, 1)
struct a7 { char c; int i; struct { short s; long l; } inner; };
#pragma pack(pop)
struct a8 { char c; int i __attribute__((aligned(32))); };
struct a9 { char c; struct a1 nested[2]; double tail; } __attribute__((packed));
union a10 { struct { char a; double b; } s; char raw[13]; };
struct a11 { unsigned char tag; struct a11 *next; void (*fn)(void); long double_not; };
)";

/// (C type, field path or "" for the type itself)
const std::vector<std::pair<std::string, std::string>> queries = {
    {"struct a1", ""}, {"struct a1", "x"}, {"struct a1", "y"}, {"struct a1", "b"},
    {"struct a2", ""}, {"struct a2", "data"},
    {"struct a3", ""}, {"struct a3", "d"}, {"struct a3", "i"}, {"struct a3", "named.q"},
    {"struct a4", ""}, {"struct a4", "c"},
    {"a6", ""}, {"a6", "v"},
    {"struct a7", ""}, {"struct a7", "i"}, {"struct a7", "inner.l"},
    {"struct a8", ""}, {"struct a8", "i"},
    {"struct a9", ""}, {"struct a9", "nested[1].b"}, {"struct a9", "tail"},
    {"union a10", ""}, {"union a10", "s.b"},
    {"struct a11", ""}, {"struct a11", "next"}, {"struct a11", "fn"}, {"struct a11", "double_not"},
};

std::string c_program() {
    std::string src = "#include <stdio.h>\n#include <stddef.h>\n";
    src += declarations;
    src += "int main(void) {\n";
    for (const auto& [type, path] : queries) {
        if (path.empty())
            src += "    printf(\"%zu %zu\\n\", sizeof(" + type + "), _Alignof(" + type + "));\n";
        else
            src += "    printf(\"%zu\\n\", offsetof(" + type + ", " + path + "));\n";
    }
    return src + "    return 0;\n}\n";
}

}  // namespace

TEST_CASE("cdecl agrees with the system's C compiler on C-only declarations", "[cdecl][layout]") {
    const char* dir_env = std::getenv("MEMREG_TEST_DIR");
    const std::filesystem::path dir = dir_env ? dir_env : std::filesystem::temp_directory_path();
    const std::filesystem::path source = dir / "memreg_cdecl_check.c";
    const std::filesystem::path program = dir / "memreg_cdecl_check";
    std::ofstream(source) << c_program();
    const std::string compile = std::string(MEMREG_TEST_C_COMPILER) + " -std=c11 -o '" +
                                program.string() + "' '" + source.string() + "'";
    REQUIRE(std::system(compile.c_str()) == 0);

    memreg::cdecl::registry types;
    types.define(declarations);

    FILE* pipe = ::popen((std::string(MEMREG_TEST_EMULATOR) + " '" + program.string() + "'").c_str(), "r");
    REQUIRE(pipe != nullptr);
    for (const auto& [type, path] : queries) {
        INFO(type << " " << path);
        const memreg::layout l = types.type(type);
        if (path.empty()) {
            std::size_t size = 0, alignment = 0;
            REQUIRE(std::fscanf(pipe, "%zu %zu", &size, &alignment) == 2);
            CHECK(l.size() == size);
            CHECK(l.alignment() == alignment);
        } else {
            std::size_t offset = 0;
            REQUIRE(std::fscanf(pipe, "%zu", &offset) == 1);
            CHECK(l.offset_of(path) == offset);
        }
    }
    CHECK(::pclose(pipe) == 0);
}
