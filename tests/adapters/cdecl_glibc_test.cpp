// Real headers as ground truth: this machine's glibc headers preprocessed with
// `cc -E -P`, fed to cdecl one declaration at a time and as one text, and every
// type that comes out compared with what the C compiler says about the same text:
// sizeof and _Alignof of every struct, union and typedef, offsetof of every member
// (through anonymous members and nested records), the bits every bit-field occupies
// (the C program stores a value in the field in zeroed memory and prints the bytes;
// write_bitfield must make the same bytes and read_bitfield get the value back),
// and the value of every enumerator and constant.
#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cdecl = memreg::cdecl;

// The build's C compiler and emulator (see CMakeLists.txt), as c_compiler_test uses.
#ifndef MEMREG_TEST_C_COMPILER
#define MEMREG_TEST_C_COMPILER "cc"
#endif
#ifndef MEMREG_TEST_EMULATOR
#define MEMREG_TEST_EMULATOR ""
#endif

namespace {

// The headers the issue measured first, then the rest of what a C program commonly
// includes; one missing from this machine is left out.
const char* const headers[] = {
    "sys/stat.h", "netinet/tcp.h", "netinet/ip.h", "sys/select.h", "ucontext.h", "sys/timex.h",
    "elf.h", "sys/epoll.h", "sys/socket.h", "netinet/in.h", "sys/time.h", "time.h", "signal.h",
    "sys/types.h", "stdint.h", "sys/uio.h", "sys/un.h", "sys/utsname.h", "sys/resource.h",
    "sys/wait.h", "dirent.h", "fcntl.h", "termios.h", "poll.h", "sys/mman.h", "sys/ioctl.h",
    "net/if.h", "netinet/udp.h", "arpa/inet.h", "sys/statvfs.h", "pwd.h", "grp.h", "sched.h",
    "netinet/ip_icmp.h", "sys/sysinfo.h", "sys/ipc.h", "sys/shm.h", "sys/msg.h", "sys/sem.h",
    "net/ethernet.h", "netinet/if_ether.h", "netinet/ip6.h", "netinet/icmp6.h", "sys/user.h",
    "sys/procfs.h", "link.h", "glob.h", "regex.h", "wordexp.h", "stdio.h", "stdlib.h",
    "string.h", "math.h", "fenv.h", "setjmp.h", "pthread.h", "semaphore.h", "mqueue.h",
    "spawn.h", "aio.h", "utmp.h", "netdb.h", "ifaddrs.h", "sys/inotify.h", "sys/signalfd.h",
    "sys/timerfd.h", "sys/eventfd.h", "sys/ptrace.h", "sys/quota.h", "sys/mount.h",
    "sys/xattr.h", "wchar.h", "locale.h", "langinfo.h", "iconv.h", "dlfcn.h", "fnmatch.h",
    "ftw.h", "search.h", "sys/personality.h", "sys/prctl.h", "sys/reg.h", "sys/sendfile.h",
    "sys/vfs.h", "shadow.h", "threads.h", "uchar.h", "inttypes.h", "complex.h",
};

std::filesystem::path test_dir() {
    const char* dir = std::getenv("MEMREG_TEST_DIR");
    return dir ? dir : std::filesystem::temp_directory_path();
}

std::string run(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    REQUIRE(::pclose(pipe) == 0);
    return out;
}

/// The top-level declarations of preprocessed text: split at ';' and at a function
/// body's closing '}' outside braces and parentheses, and at #pragma lines.
std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    int braces = 0, parens = 0;
    bool body = false;  // a function body: ends at its '}'
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '#' && braces == 0 && parens == 0 && current.find_first_not_of(" \t\n") == std::string::npos) {
            const std::size_t eol = text.find('\n', i);
            out.push_back(text.substr(i, eol - i));
            current.clear();
            i = eol == std::string::npos ? text.size() : eol + 1;
            continue;
        }
        current += c;
        if (c == '(') ++parens;
        else if (c == ')') --parens;
        else if (c == '{') {
            if (braces == 0 && parens == 0 && current.find_last_not_of(" \t\n{") != std::string::npos &&
                current[current.find_last_not_of(" \t\n{")] == ')')
                body = true;
            ++braces;
        } else if (c == '}') {
            --braces;
            if (braces == 0 && body) {
                out.push_back(current);
                current.clear();
                body = false;
            }
        } else if (c == ';' && braces == 0 && parens == 0) {
            out.push_back(current);
            current.clear();
        }
        ++i;
    }
    return out;
}

bool is_type_declaration(const std::string& d) {
    const auto word = [&](const char* w) {
        for (std::size_t at = d.find(w); at != std::string::npos; at = d.find(w, at + 1)) {
            const std::size_t end = at + std::string(w).size();
            const bool left = at == 0 || !(std::isalnum(static_cast<unsigned char>(d[at - 1])) || d[at - 1] == '_');
            const bool right = end >= d.size() || !(std::isalnum(static_cast<unsigned char>(d[end])) || d[end] == '_');
            if (left && right) return true;
        }
        return false;
    };
    if (word("typedef")) return true;
    // struct/union/enum definitions and declarations on their own (not prototypes)
    const std::size_t first = d.find_first_not_of(" \t\n");
    std::string head = d.substr(first == std::string::npos ? 0 : first);
    if (head.rfind("__extension__", 0) == 0) head = head.substr(13 + head.substr(13).find_first_not_of(" \t\n"));
    return (head.rfind("struct", 0) == 0 || head.rfind("union", 0) == 0 || head.rfind("enum", 0) == 0) &&
           (head.find('(') == std::string::npos || head.find('{') != std::string::npos) &&
           !word("extern");
}

struct check {
    std::string what;  // printed with the result, for the failure message
    std::string expected_from;  // "size", "offset", "bits", "constant"
    std::string c_expression;
    std::string ours;
};

/// Compares everything `types_of` learnt from `text` with what the C compiler says
/// about the same text; returns how many numbers were compared.
int compare_with_cc(const cdecl::registry& types_of, const std::string& text, const std::string& program_name,
                    const std::string& cc = MEMREG_TEST_C_COMPILER) {
    const std::filesystem::path dir = test_dir();
    // Everything cdecl computed, next to the C expression that must give the same.
    std::vector<check> checks;
    std::function<void(const std::string&, const memreg::layout&, const std::string&, std::size_t)> members =
        [&](const std::string& type, const memreg::layout& record, const std::string& prefix, std::size_t base) {
            for (const memreg::layout_field& f : record.fields()) {
                if (f.name.empty() && f.is_bitfield()) continue;  // unnamed: padding only
                if (f.name.empty()) {  // an anonymous struct or union: its members are the record's
                    members(type, f.type, prefix, base + f.offset);
                    continue;
                }
                const std::string path = prefix + f.name;
                if (f.is_bitfield()) {
                    checks.push_back({type + " " + path, "bits", type + "|" + path,
                                      std::to_string(base + f.offset) + ":" + std::to_string(f.bit_offset) +
                                          ":" + std::to_string(f.bit_width) + ":" +
                                          std::to_string(static_cast<int>(f.type.scalar()))});
                    continue;
                }
                checks.push_back({type + " " + path, "offset", "__builtin_offsetof(" + type + ", " + path + ")",
                                  std::to_string(base + f.offset)});
                if (f.type.is_record()) members(type, f.type, path + ".", base + f.offset);
            }
        };
    const auto record_checks = [&](const std::string& type, const memreg::layout& l) {
        if (l.kind() == memreg::layout_kind::void_) return;  // typedef void: sizeof is a GNU 1
        checks.push_back({type, "size", "sizeof(" + type + ")", std::to_string(l.size())});
        // gcc for s390x places a vector at a multiple of its size (memreg's alignment of
        // it) but reports at most 8 for it and a record around it (BIGGEST_ALIGNMENT
        // without the vector facility); an explicit alignment it reports as given.
#if defined(__s390x__)
        const std::function<bool(const memreg::layout&)> has_vector = [&](const memreg::layout& t) {
            if (t.is_opaque()) return t.name().find("vector_size") != std::string::npos;
            if (t.is_array()) return has_vector(t.element());
            if (!t.is_record()) return false;
            for (const memreg::layout_field& f : t.fields())
                if (has_vector(f.type)) return true;
            return false;
        };
        const std::size_t alignment = has_vector(l) ? std::min<std::size_t>(l.alignment(), 8) : l.alignment();
#else
        const std::size_t alignment = l.alignment();
#endif
        checks.push_back({type, "alignment", "_Alignof(" + type + ")", std::to_string(alignment)});
        if (l.is_record()) members(type, l, "", 0);
    };
    for (const std::string& tag : types_of.struct_names()) record_checks("struct " + tag, *types_of.find_struct(tag));
    for (const std::string& tag : types_of.union_names()) record_checks("union " + tag, *types_of.find_union(tag));
    for (const std::string& name : types_of.typedef_names())
        if (const auto t = types_of.find_typedef(name)) record_checks(name, *t);
    for (const std::string& name : types_of.constant_names())
        checks.push_back({name, "constant", "(long long)(" + name + ")", std::to_string(*types_of.constant(name))});

    // The same preprocessed text (no macros: glibc defines some member names as
    // macros), then the checks.
    // cdecl's built-in typedefs first, spelled as the compiler predefines them
    // (a repeated typedef of the same type is allowed).
    std::string program =
        "typedef __INT8_TYPE__ int8_t; typedef __UINT8_TYPE__ uint8_t; typedef __INT16_TYPE__ int16_t;\n"
        "typedef __UINT16_TYPE__ uint16_t; typedef __INT32_TYPE__ int32_t; typedef __UINT32_TYPE__ uint32_t;\n"
        "typedef __INT64_TYPE__ int64_t; typedef __UINT64_TYPE__ uint64_t; typedef __SIZE_TYPE__ size_t;\n"
        "typedef __PTRDIFF_TYPE__ ssize_t; typedef __PTRDIFF_TYPE__ ptrdiff_t; typedef __INTPTR_TYPE__ intptr_t;\n"
        "typedef __UINTPTR_TYPE__ uintptr_t; typedef __WCHAR_TYPE__ wchar_t;\n" +
        text + "\nint printf(const char *, ...);\n"
                                 "void *memset(void *, int, __SIZE_TYPE__);\n"
                                 "int main(void) {\n";
    int bitfields = 0;
    for (const check& c : checks) {
        if (c.expected_from == "bits") {
            const std::size_t bar = c.c_expression.find('|');
            const std::string type = c.c_expression.substr(0, bar), path = c.c_expression.substr(bar + 1);
            const std::string v = "v" + std::to_string(bitfields++);
            program += "    { " + type + " " + v + "; memset(&" + v + ", 0, sizeof " + v + "); " + v + "." +
                       path + " = 0xB5A5C3D2E1F09687ULL; const unsigned char* p = (const unsigned char*)&" + v +
                       "; for (unsigned long i = 0; i < sizeof " + v + "; ++i) printf(\"%02x\", p[i]); " +
                       "printf(\" %lld\\n\", (long long)" + v + "." + path + "); }\n";
        } else if (c.expected_from == "constant") {
            program += "    printf(\"%lld\\n\", " + c.c_expression + ");\n";
        } else {
            program += "    printf(\"%lu\\n\", (unsigned long)" + c.c_expression + ");\n";
        }
    }
    program += "    return 0;\n}\n";
    std::ofstream(dir / (program_name + ".c")) << program;
    REQUIRE(std::system((cc + " -std=gnu11 -w -o '" + (dir / program_name).string() + "' '" +
                         (dir / (program_name + ".c")).string() + "'")
                            .c_str()) == 0);
    std::istringstream results(run(std::string(MEMREG_TEST_EMULATOR) + " '" + (dir / program_name).string() + "'"));

    int compared = 0, members_compared = 0;
    for (const check& c : checks) {
        std::string got;
        REQUIRE(std::getline(results, got));
        INFO(c.what << " " << c.expected_from);
        if (c.expected_from == "bits") {
            // The same value written by write_bitfield into zeroed bytes, as the
            // same hex dump, and read back by read_bitfield as the C program reads it
            // (sign-extended exactly when the compiler takes the field as signed: an
            // enum's bit-field is unsigned unless the enum has a negative value).
            const std::size_t space = got.find(' ');
            REQUIRE(space != std::string::npos);
            const long long c_value = std::stoll(got.substr(space + 1));
            got.resize(space);
            std::size_t offset = 0, bit = 0, width = 0;
            int kind_number = 0;
            REQUIRE(std::sscanf(c.ours.c_str(), "%zu:%zu:%zu:%d", &offset, &bit, &width, &kind_number) == 4);
            const auto kind = static_cast<memreg::scalar_kind>(kind_number);
            const std::uint64_t raw = 0xB5A5C3D2E1F09687ULL & (width == 64 ? ~0ULL : (1ULL << width) - 1);
            memreg::scalar_value value = raw;
            if (kind == memreg::scalar_kind::boolean) {
                value = true;
            } else if (memreg::detail::is_signed_kind(kind)) {
                const bool negative = (raw >> (width - 1)) != 0;
                value = static_cast<std::int64_t>(negative ? raw | ~(width == 64 ? ~0ULL : (1ULL << width) - 1) : raw);
            }
            std::vector<std::byte> memory(got.size() / 2);
            memreg::write_bitfield(memreg::region(memory.data(), memory.size()), offset, bit, width, kind, value);
            const memreg::scalar_value back =
                memreg::read_bitfield(memreg::const_region(memory.data(), memory.size()), offset, bit, width, kind);
            CHECK(back == value);
            if (const auto* i = std::get_if<std::int64_t>(&back)) CHECK(*i == c_value);
            else if (const auto* u = std::get_if<std::uint64_t>(&back)) CHECK(*u == static_cast<std::uint64_t>(c_value));
            else CHECK(std::get<bool>(back) == (c_value != 0));
            std::string ours;
            char hex[3];
            for (const std::byte byte : memory) {
                std::snprintf(hex, sizeof hex, "%02x", std::to_integer<unsigned>(byte));
                ours += hex;
            }
            CHECK(ours == got);
            ++members_compared;
        } else {
            CHECK(c.ours == got);
            if (c.expected_from == "offset") ++members_compared;
        }
        ++compared;
    }
    std::printf("%s: ", program_name.c_str());
    std::printf("compared with the C compiler: %d numbers, %d of them members (%d bit-fields)\n",
                compared, members_compared, bitfields);
    return compared;
}

/// The glibc corpus as the C compiler cc preprocesses it: every declaration accepted one
/// by one and as one text, and every number compared with what cc compiles.
void glibc_corpus(const std::string& cc, const std::string& tag) {
    const std::filesystem::path dir = test_dir();
    std::string includes;
    int found = 0;
    for (const char* h : headers) {
        const std::string probe = std::string("echo '#include <") + h + ">' | " + cc +
                                  " -E -x c - >/dev/null 2>&1";
        if (std::system(probe.c_str()) == 0) {
            includes += std::string("#include <") + h + ">\n";
            ++found;
        }
    }
    REQUIRE(found >= 30);
    std::ofstream(dir / ("memreg_glibc_headers_" + tag + ".c")) << includes;
    const std::string text =
        run(cc + " -std=gnu11 -E -P '" + (dir / ("memreg_glibc_headers_" + tag + ".c")).string() + "'");

    // One by one, each declaration its own define() in one registry.
    const std::vector<std::string> declarations = split(text);
    cdecl::registry single;
    int types = 0, types_accepted = 0, others = 0, others_accepted = 0;
    std::string first_refused;
    for (const std::string& d : declarations) {
        const bool type = is_type_declaration(d);
        (type ? types : others) += 1;
        try {
            single.define(d);
            (type ? types_accepted : others_accepted) += 1;
        } catch (const memreg::parse_error& e) {
            if (first_refused.empty()) first_refused = d + "\n  -> " + e.what();
        }
    }
    std::printf("glibc headers (%d, preprocessed by %s): %d of %d type declarations accepted one by one, "
                "%d of %d other declarations (prototypes, objects)\n",
                found, cc.c_str(), types_accepted, types, others_accepted, others);
    INFO("first refused: " << first_refused);
    CHECK(types_accepted == types);
    CHECK(others_accepted == others);

    // As one text.
    cdecl::registry types_of;
    REQUIRE_NOTHROW(types_of.define(text));
    std::printf("as one text: all %zu declarations accepted: %zu structs, %zu unions, %zu typedefs, "
                "%zu constants, %zu functions, %zu objects\n",
                declarations.size(), types_of.struct_names().size(), types_of.union_names().size(),
                types_of.typedef_names().size(), types_of.constant_names().size(),
                types_of.function_names().size(), types_of.variable_names().size());

    CHECK(compare_with_cc(types_of, text, "memreg_glibc_check_" + tag, cc) > 4000);
}

}  // namespace

TEST_CASE("cdecl takes glibc's preprocessed headers whole and agrees with the C compiler",
          "[cdecl][layout][glibc]") {
    glibc_corpus(MEMREG_TEST_C_COMPILER, "cc");
}

// clang is not gcc to glibc's headers: they then declare what gcc has built in
// (`typedef float _Float32;`, `typedef double _Float64;`, `typedef long double
// _Float64x;`, ...), which cdecl takes as LuaJIT does. Native builds only, when a clang
// is installed (CI installs clang-16).
TEST_CASE("cdecl takes glibc's headers as clang preprocesses them (the _FloatN typedefs)",
          "[cdecl][layout][glibc]") {
    if (!std::string(MEMREG_TEST_EMULATOR).empty()) return;  // a cross build: no host clang for its target
    const std::string clang = run("command -v clang-16 || command -v clang || true");
    if (clang.empty()) {
        WARN("no clang-16 or clang found: the clang corpus is not checked");
        return;
    }
    glibc_corpus(clang.substr(0, clang.find('\n')), "clang");
}

TEST_CASE("cdecl agrees with the C compiler on hard cases: bit-fields, packing, attributes, "
          "declarators", "[cdecl][layout][bitfield]") {
    std::string text = R"(
struct b1 { unsigned a : 3, b : 5, c : 9; char d; };
struct b2 { char c; int x : 31; int y : 2; };                   /* y starts a new int */
struct b3 { char c; int : 0; char d; };                         /* zero width: next int */
struct b4 { char c; long long : 0; char d; int : 3; };          /* unnamed: no alignment */
struct b5 { char a; int x : 4; long long : 0; char d; };
struct __attribute__((packed)) b6 { char c; int x : 31; int y : 2; };
struct b7 { char c; int x : 31 __attribute__((packed)); int y : 2; };
#pragma pack(push, 2)
struct b8 { char c; int x : 31; int y : 2; char z; };
struct b9 { char c; int : 0; char d; };
#pragma pack(pop)
#pragma pack(1)
struct b10 { char c; unsigned long long v : 60; unsigned w : 7; };
#pragma pack()
union b11 { char a; int x : 3; long long : 5; };
struct b12 { unsigned char f : 1, g : 1, : 0, h : 7; _Bool flag : 1; signed char s : 4; };
struct b13 { unsigned long long a : 1, b : 63, c : 64; short d : 9, e : 9; };
struct b14 { int a : 7; struct { int b : 3; int c : 30; }; union { char u : 2; short v : 13; }; int last : 1; };
struct b15 { char c; unsigned x : 4 __attribute__((aligned(4))); char d; };
typedef unsigned int u8m __attribute__((__mode__(__QI__)));
typedef int s16m __attribute__((__mode__(__HI__)));
typedef unsigned u64m __attribute__((mode(DI)));
typedef int v4si __attribute__((__vector_size__(16)));
struct h1 { char c; u8m a; s16m b; u64m d; v4si v; long double ld; __int128 i; _Complex double z; char e; };
struct h2 { char c; _Alignas(16) int a; _Alignas(long double) char b; _Complex float f; };
struct h3 { char c; int a __attribute__((aligned(8), unused, deprecated("no"))); } __attribute__((aligned(32), may_alias));
enum h4e { E_A = 'a', E_NL = '\n', E_HEX = '\x7f', E_NEG = -(1 << 4), E_SH = 1u << 31,
           E_T = sizeof(int) == 4 ? 10 : 20, E_C = (int)(unsigned char)300, E_AL = _Alignof(double) | __alignof__(short) << 4,
           E_SE = sizeof 'x' + sizeof (long) * 2, E_L = 0x10UL >> 2, E_B = !0 + (3 > 2) + (2 <= 1) * 5 + (7 & 3 ^ 1) };
struct h5 { char data[E_T]; char more[(E_SH >> 28) + E_C]; };
struct h6 { void (**pp)(void); int (*const f)(void); char (*pa)[3]; int (*fa[2])(int, char *); };
typedef void fn_t(int);
struct h7 { fn_t *handler; fn_t **handlers; char tail[]; };
static const int h8_k = 5 * 3;
static const unsigned char h8_c = 200;
/* (C does not take h8_k as a constant expression; memreg does, as LuaJIT does) */
__extension__ typedef long long h9_ll;
struct h9 { __extension__ union { h9_ll x; double y; }; __extension__ struct { char p; short q; } named; };
/* 16 where long long is 8-aligned, 12 on i686 (4-aligned) */
_Static_assert(sizeof(struct h9) == sizeof(h9_ll) + __alignof__(struct h9), "h9");
enum h10u { H10_A, H10_B, H10_C = 5 };
enum h10s { H10_NEG = -1, H10_POS = 3 };
typedef enum { H10_X, H10_Y } h10t;
struct h10 { enum h10u u : 3; enum h10s s : 3; h10t t : 2; enum h10u w : 32; enum { H10_Z } z : 1; int i : 3; };
)";
#if !defined(__SIZEOF_INT128__)
    // The C compiler has no __int128 here (i686): h1 holds a long long in its place.
    const std::size_t int128_at = text.find("__int128 i;");
    REQUIRE(int128_at != std::string::npos);
    text.replace(int128_at, 8, "long long");
#endif
    cdecl::registry types_of;
    REQUIRE_NOTHROW(types_of.define(text));
    CHECK(types_of.constant("E_SH") == 2147483648);
    CHECK(types_of.constant("h8_k") == 15);
    CHECK(types_of.constant("h8_c") == 200);
    CHECK(types_of.variable("h8_c") == "uint8_t");
    CHECK(types_of.type("struct h6").fields()[3].type.name() == "int32_t (*[2])(int32_t, char *)");
    CHECK(compare_with_cc(types_of, text, "memreg_hard_cases_check") > 150);
}
