// Random truncations and byte flips of valid declarations: the parser must either
// accept the text or throw memreg::parse_error — never crash, hang or throw
// anything else (ASan and UBSan builds check the "never crash" part).
#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "c_structs.hpp"

namespace {

const std::string corpus = std::string(cs::s01_decl) + "\n" + cs::s07_decl + "\n" + cs::s11_decl +
                           "\n" + cs::s12_decl + "\n" + cs::s13_decl + "\n" + cs::s15_decl + "\n" +
                           cs::s20_decl + "\n" + cs::s21_decl + "\n" + cs::u23_decl + "\n" +
                           cs::s27_decl + "\n" + cs::s28_decl +
                           "\ntypedef struct { uint8_t r, g, b, a; } px; /* c */ // d\n"
                           "enum { K = (1 << 4) * sizeof(px) };";

/// Parses text; true if accepted, false on parse_error. Anything else fails the test.
bool parses(const std::string& text) {
    memreg::cdecl::registry types;
    try {
        types.define(text);
        return true;
    } catch (const memreg::parse_error& e) {
        CHECK(e.line() >= 1);
        CHECK(e.column() >= 1);
        return false;
    }
}

}  // namespace

TEST_CASE("the fuzz corpus itself parses", "[cdecl][fuzz]") { CHECK(parses(corpus)); }

TEST_CASE("every truncation of valid declarations parses or throws parse_error", "[cdecl][fuzz]") {
    std::size_t accepted = 0;
    for (std::size_t n = 0; n <= corpus.size(); ++n) accepted += parses(corpus.substr(0, n)) ? 1 : 0;
    // Empty text and cuts right after a ';' are valid; most cuts are not.
    CHECK(accepted > 2);
    CHECK(accepted < corpus.size() / 4);
}

TEST_CASE("random cuts and byte changes never crash the parser", "[cdecl][fuzz]") {
    std::mt19937 random(20261122);  // fixed seed: a failure reproduces
    const std::string alphabet = "{}[]();,*#:=<>/+-~ \n\tabcxyz019_";
    for (int round = 0; round < 3000; ++round) {
        std::string text = corpus;
        std::uniform_int_distribution<std::size_t> where(0, text.size() - 1);
        const std::size_t changes = 1 + round % 4;
        for (std::size_t c = 0; c < changes; ++c) {
            const std::size_t at = where(random);
            switch (random() % 3) {
                case 0: text.erase(at, 1 + random() % 8); break;
                case 1: text[at] = alphabet[random() % alphabet.size()]; break;
                default: text.insert(at, 1, static_cast<char>(random() % 256)); break;
            }
            if (text.empty()) break;
            where = std::uniform_int_distribution<std::size_t>(0, text.size() - 1);
        }
        const std::size_t cut = std::uniform_int_distribution<std::size_t>(0, text.size())(random);
        (void)parses(text.substr(0, cut));
    }
    SUCCEED("3000 mutated inputs parsed or were refused with parse_error");
}

TEST_CASE("hostile nesting is refused, not a stack overflow", "[cdecl][fuzz][error]") {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "struct { ";
    CHECK_THROWS_AS(memreg::cdecl::registry().define(deep), memreg::parse_error);
    CHECK_THROWS_WITH(memreg::cdecl::registry().define(deep), Catch::EndsWith("nesting is too deep"));
    const std::string parens = "enum { A = " + std::string(5000, '(') + "1" + std::string(5000, ')') + " };";
    CHECK_THROWS_AS(memreg::cdecl::registry().define(parens), memreg::parse_error);
    CHECK_THROWS_WITH(memreg::cdecl::registry().define(parens), Catch::EndsWith("nesting is too deep"));
}

TEST_CASE("truncated type names and field paths are refused, never a crash", "[cdecl][fuzz]") {
    memreg::cdecl::registry types;
    types.define(corpus);
    for (const std::string name : {"struct s07 *[4]", "unsigned long long int", "union u23", "px[3][2]",
                                   "enum e28", "int (*)(int)", "struct s20"}) {
        for (std::size_t n = 0; n <= name.size(); ++n) {
            try {
                (void)types.type(name.substr(0, n));
            } catch (const memreg::parse_error& e) {
                CHECK(e.column() >= 1);
            }
        }
    }
    const memreg::layout s20 = types.type("struct s20");
    std::mt19937 random(11);
    const std::string alphabet = "body.len[]crc0129x";
    for (int round = 0; round < 2000; ++round) {
        std::string path;
        const std::size_t length = random() % 12;
        for (std::size_t i = 0; i < length; ++i) path += alphabet[random() % alphabet.size()];
        try {
            const memreg::layout_member m = s20.resolve(path);
            CHECK(m.offset + m.type->size() <= s20.size());
        } catch (const memreg::bad_argument&) {
        } catch (const memreg::out_of_range&) {
        }
    }
}
