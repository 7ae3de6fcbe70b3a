// Hostile C declarations: every recursive construct has a limit, no text costs more
// than linear time and memory, and the refusal is a parse_error naming the place.
#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <string>

#ifndef MEMREG_TEST_TIME_FACTOR
#define MEMREG_TEST_TIME_FACTOR 1
#endif

namespace cdecl = memreg::cdecl;

namespace {

/// The process's peak resident set, in MiB (a high-water mark: it never goes down).
long peak_rss_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

std::string repeat(std::string_view piece, std::size_t n) {
    std::string out;
    out.reserve(piece.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += piece;
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("20000 array dimensions are refused at the nesting limit, in little memory",
          "[cdecl][limits]") {
    // Before the limit this took ~700 MB (each dimension copied the type's name) and
    // crashed in a recursive destructor.
    const long before = peak_rss_mib();
    cdecl::registry types;
    CHECK_THROWS_MATCHES(types.define("typedef char d" + repeat("[1]", 20000) + ";"),
                         memreg::parse_error,
                         Catch::Message("cdecl::define(line=1, column=14): layout::array_of(type=char" +
                                        repeat("[1]", 255) +
                                        ", count=1): types nest deeper than 256 levels"));
    CHECK(peak_rss_mib() - before < 64);
    CHECK_FALSE(types.find_typedef("d").has_value());
}

TEST_CASE("typedef chains cannot nest deeper than the limit either", "[cdecl][limits]") {
    cdecl::registry types;
    types.define("typedef char t0[1];");
    std::string chain;
    for (int i = 1; i < 255; ++i)
        chain += "typedef t" + std::to_string(i - 1) + " t" + std::to_string(i) + "[1];\n";
    types.define(chain);
    CHECK(types.type("t254").depth() == 256);
    CHECK_THROWS_WITH(types.define("typedef t254 t255[1];"),
                      Catch::EndsWith("types nest deeper than 256 levels"));
    CHECK_THROWS_WITH(types.define("struct s { t254 inner; };"),
                      Catch::EndsWith("types nest deeper than 256 levels"));
}

TEST_CASE("type names cannot grow without bound through pointer typedefs", "[cdecl][limits]") {
    const long before = peak_rss_mib();
    cdecl::registry types;
    std::string chain = "typedef char *p0;\n";
    for (int i = 1; i < 20000; ++i)
        chain += "typedef p" + std::to_string(i - 1) + " *p" + std::to_string(i) + ";\n";
    CHECK_THROWS_WITH(types.define(chain),
                      Catch::EndsWith("the type's C spelling is longer than 1024 characters"));
    CHECK(peak_rss_mib() - before < 64);
    CHECK_THROWS_WITH(types.define("typedef char " + repeat("*", 2000) + "p;"),
                      Catch::EndsWith("the type's C spelling is longer than 1024 characters"));
}

TEST_CASE("deep nesting of structs, parentheses and expressions is refused", "[cdecl][limits]") {
    cdecl::registry types;
    CHECK_THROWS_WITH(types.define(repeat("struct { ", 300) + "int x;" + repeat(" } a;", 300)),
                      Catch::EndsWith("nesting is too deep"));
    CHECK_THROWS_WITH(types.define("enum { A = " + repeat("(", 50000) + "1" + repeat(")", 50000) + " };"),
                      Catch::EndsWith("nesting is too deep"));
    CHECK_THROWS_WITH(types.define("enum { A = " + repeat("-", 50000) + "1 };"),
                      Catch::EndsWith("nesting is too deep"));
}

TEST_CASE("N separate defines cost O(N), not O(N^2)", "[cdecl][limits]") {
    // The registry used to be copied on each define: 8000 calls took 12.6 s.
    cdecl::registry types;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 8000; ++i)
        types.define("typedef struct { int a; char b[" + std::to_string(i + 1) + "]; } t" +
                     std::to_string(i) + ";");
    const double elapsed = seconds_since(start);
    INFO("8000 defines took " << elapsed << " s");
    // About 0.05 s on an idle machine, Debug build; 4.6 s under qemu-user (s390x), whose
    // builds define MEMREG_TEST_TIME_FACTOR. O(N^2) took 12.6 s natively.
    CHECK(elapsed < 3.0 * MEMREG_TEST_TIME_FACTOR);
    CHECK(types.type("t7999").size() == 8004);
    // A failing define among them still leaves nothing behind.
    CHECK_THROWS(types.define("typedef int fresh; struct broken {"));
    CHECK_FALSE(types.find_typedef("fresh").has_value());
}

TEST_CASE("the constructs of real headers keep to the limits too", "[cdecl][limits]") {
    const long before = peak_rss_mib();
    cdecl::registry types;
    // Parenthesized declarators, parameter lists inside parameter lists, casts.
    CHECK_THROWS_WITH(types.define("int " + repeat("(", 50000) + "x" + repeat(")", 50000) + ";"),
                      Catch::EndsWith("nesting is too deep"));
    CHECK_THROWS_WITH(types.define("void f" + repeat("(void (*)", 50000) + repeat(")", 50000) + ";"),
                      Catch::EndsWith("nesting is too deep"));
    CHECK_THROWS_WITH(types.define("enum { A = " + repeat("(int)", 50000) + "1 };"),
                      Catch::EndsWith("nesting is too deep"));
    CHECK_THROWS_WITH(types.define("enum { A = " + repeat("1 ? ", 50000) + "1" + repeat(" : 0", 50000) + " };"),
                      Catch::EndsWith("nesting is too deep"));
    // A long parameter list or a long function type is refused at the spelling limit.
    CHECK_THROWS_WITH(types.define("void f(" + repeat("int, ", 100000) + "int);"),
                      Catch::EndsWith("the type's C spelling is longer than 1024 characters"));
    // Attribute arguments, asm labels and function bodies are skipped in linear time.
    const auto start = std::chrono::steady_clock::now();
    types.define("int g(void) __attribute__((deprecated(" + repeat("(x)", 50000) + ")));\n"
                 "int h(void) { " + repeat("{ x = 1; } ", 50000) + " }\n"
                 "extern int i __asm__(" + repeat("\"a\" ", 50000) + ");");
    const double elapsed = seconds_since(start);
    INFO("skipping 3 x 50000 pieces took " << elapsed << " s");
    CHECK(elapsed < 3.0 * MEMREG_TEST_TIME_FACTOR);
    CHECK(types.function("h") == "int32_t (void)");
    // Linear: the tokens and the strings above, under 64 MiB in plain builds and 165 MiB
    // measured under ASan (its redzones and quarantine); quadratic would be many GiB.
    CHECK(peak_rss_mib() - before < 320);
}
