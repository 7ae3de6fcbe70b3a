// Random truncations and byte flips of valid declarations: the parser must either
// accept the text or throw memreg::parse_error — never crash, hang or throw
// anything else (ASan and UBSan builds check the "never crash" part). What it
// accepts must be sound: every layout it defined has a power-of-two alignment, a
// record's size is a multiple of it, fields lie inside (a struct's in order, a
// union's at 0), and parsing the text again gives the same layouts.
#include <memreg/cdecl.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "c_structs.hpp"

namespace {

const std::string corpus = std::string(cs::s01_decl) + "\n" + cs::s07_decl + "\n" + cs::s11_decl +
                           "\n" + cs::s12_decl + "\n" + cs::s13_decl + "\n" + cs::s15_decl + "\n" +
                           cs::s20_decl + "\n" + cs::s21_decl + "\n" + cs::u23_decl + "\n" +
                           cs::s27_decl + "\n" + cs::s28_decl +
                           "\ntypedef struct { uint8_t r, g, b, a; } px; /* c */ // d\n"
                           "enum { K = (1 << 4) * sizeof(px) };";

/// The invariants of one layout and of the layouts inside it; counts the layouts.
void check_layout(const memreg::layout& l, std::size_t& checked) {
    ++checked;
    const std::size_t a = l.alignment();
    INFO(l.name() << ": size " << l.size() << ", alignment " << a);
    CHECK((a != 0 && (a & (a - 1)) == 0));
    if (l.is_array()) {
        if (!l.is_variable()) CHECK(l.size() == l.count() * l.element().size());
        check_layout(l.element(), checked);
        return;
    }
    if (!l.is_record()) return;
    CHECK(l.size() % a == 0);
    std::size_t previous = 0;  // a struct's fields (not its bit-fields) never go back
    for (const memreg::layout_field& f : l.fields()) {
        INFO("field '" << f.name << "' at " << f.offset);
        check_layout(f.type, checked);
        if (f.is_bitfield()) {  // readable in a region of the record's size
            CHECK(f.offset * 8 + f.bit_offset + f.bit_width <= l.size() * 8);
            continue;
        }
        if (!f.type.is_variable()) CHECK(f.offset + f.type.size() <= l.size());
        if (l.kind() == memreg::layout_kind::union_) {
            CHECK(f.offset == 0);
        } else {
            CHECK(f.offset >= previous);
            previous = f.offset;
        }
    }
}

/// Every layout `types` defines: structs, unions and typedefs, by name.
std::vector<std::pair<std::string, memreg::layout>> layouts(const memreg::cdecl::registry& types) {
    std::vector<std::pair<std::string, memreg::layout>> out;
    for (const std::string& tag : types.struct_names()) out.emplace_back("struct " + tag, *types.find_struct(tag));
    for (const std::string& tag : types.union_names()) out.emplace_back("union " + tag, *types.find_union(tag));
    for (const std::string& name : types.typedef_names())
        if (const auto t = types.find_typedef(name)) out.emplace_back(name, *t);
    return out;
}

/// What the tests saw: inputs accepted and refused, layouts checked.
struct tally {
    std::size_t accepted = 0, refused = 0, checked = 0;
};

/// Parses text; true if accepted, false on parse_error. Anything else fails the
/// test, as does an accepted text whose layouts break an invariant or differ when
/// the text is parsed again.
bool parses(const std::string& text, tally& seen) {
    memreg::cdecl::registry types;
    try {
        types.define(text);
    } catch (const memreg::parse_error& e) {
        CHECK(e.line() >= 1);
        CHECK(e.column() >= 1);
        ++seen.refused;
        return false;
    }
    ++seen.accepted;
    INFO("accepted: " << text);
    const auto defined = layouts(types);
    for (const auto& [name, l] : defined) check_layout(l, seen.checked);
    memreg::cdecl::registry again;
    again.define(text);
    const auto redefined = layouts(again);
    REQUIRE(redefined.size() == defined.size());
    for (std::size_t i = 0; i < defined.size(); ++i) {
        CHECK(redefined[i].first == defined[i].first);
        CHECK(equivalent(redefined[i].second, defined[i].second));
    }
    CHECK(again.constant_names() == types.constant_names());
    return true;
}

bool parses(const std::string& text) {
    tally ignored;
    return parses(text, ignored);
}

}  // namespace

TEST_CASE("the fuzz corpus itself parses", "[cdecl][fuzz]") { CHECK(parses(corpus)); }

TEST_CASE("every truncation of valid declarations parses or throws parse_error", "[cdecl][fuzz]") {
    tally seen;
    for (std::size_t n = 0; n <= corpus.size(); ++n) (void)parses(corpus.substr(0, n), seen);
    // Empty text and cuts right after a ';' are valid; most cuts are not.
    CHECK(seen.accepted > 2);
    CHECK(seen.accepted < corpus.size() / 4);
    CHECK(seen.accepted + seen.refused == corpus.size() + 1);
    CHECK(seen.checked > seen.accepted);  // the cuts after whole structs defined layouts
}

TEST_CASE("random cuts and byte changes never crash the parser", "[cdecl][fuzz]") {
    std::mt19937 random(20261122);  // fixed seed: a failure reproduces
    tally seen;
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
        (void)parses(text.substr(0, cut), seen);
    }
    std::printf("cdecl fuzz: of 3000 mutated texts %zu accepted (%zu layouts checked), %zu refused\n",
                seen.accepted, seen.checked, seen.refused);
    // Both outcomes occurred, and the accepted texts defined layouts to check.
    CHECK(seen.accepted + seen.refused == 3000);
    CHECK(seen.accepted > 0);
    CHECK(seen.refused > 0);
    CHECK(seen.checked > 0);
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
