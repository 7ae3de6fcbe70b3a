// memreg/cdecl/parser.hpp — a recursive-descent parser for C declarations as
// preprocessed headers write them (C11 with the GNU extensions glibc uses), producing
// layouts for the types and records of the functions, objects and constants.
// Internal to cdecl.hpp; the grammar it accepts is documented in docs/adapters.md.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../layout.hpp"
#include "expression.hpp"
#include "lexer.hpp"
#include "names.hpp"

namespace memreg::cdecl::detail {

// The machine's alignments of the types memreg lays out but does not read, as the C
// compiler of the machine memreg is built for gives them (checked against it by
// c_compiler_test and cdecl_glibc_test, on s390x and i686 too).
// __int128 (16 on x86-64, 8 on s390x; 16 where the compiler has none, as on i686).
#if defined(__SIZEOF_INT128__)
inline constexpr std::size_t int128_alignment = alignof(__int128_t);
#else
inline constexpr std::size_t int128_alignment = 16;
#endif
// _Float128 and __float128: long double's where that is the same 16-byte format (8 on
// s390x, 16 on aarch64), else 16 (x86).
inline constexpr std::size_t float128_alignment = sizeof(long double) == 16 ? alignof(long double) : 16;
/// A floating type of `size` bytes (2, 4, 8, long double's, 16), a complex one's part.
constexpr std::size_t floating_alignment(std::size_t size) noexcept {
    if (size == 4) return alignof(float);
    if (size == 8) return alignof(double);  // 4 on i686
    if (size == sizeof(long double)) return alignof(long double);
    if (size == 16) return float128_alignment;
    return size;
}

class parser final : expression_parser {
public:
    parser(std::string_view text, scope& state, const char* operation, bool read_only = false)
        : expression_parser(text, state, operation), read_only_(read_only) {}

    /// A whole cdef chunk: declarations and `#pragma` lines.
    void declarations() {
        while (peek().kind != token_kind::end) {
            if (is("#")) pragma();
            else if (!accept(";")) declaration();
        }
    }

    /// One type name: "int", "struct foo", "uint8_t[16]", "char *", "rgba_pixel".
    layout type_name_only() {
        layout t = type_name();
        if (peek().kind != token_kind::end) error(peek(), "expected the end of the type, found " + describe(peek()));
        return t;
    }

private:
    /// What a C type is while it is being put together: an object type with a layout,
    /// void, a struct or union without a body yet (usable through a pointer), or a
    /// function type. `left` and `right` are its C spelling around a declarator's name
    /// ("void (*" and ")(int)" for a pointer to a function).
    enum class form : std::uint8_t { object, void_, incomplete, function };
    struct ctype {
        layout type;
        std::string left, right;
        form kind = form::object;
        std::optional<std::pair<layout_kind, std::string>> tag;  // an incomplete record

        [[nodiscard]] std::string spelling() const {
            if (kind == form::function && !left.ends_with('*')) return left + " " + right;
            return left + right;
        }
        static ctype of(const layout& l) { return {l, l.name(), {}, l.kind() == layout_kind::void_ ? form::void_ : form::object, {}}; }
    };
    /// What __attribute__ lists (and _Alignas) said.
    struct attribute_set {
        field_options field;
        std::size_t mode = 0;    // __mode__: the integer's new size in bytes
        bool float_mode = false; // __mode__(HF/SF/DF/XF/TF)
        bool complex_mode = false; // __mode__(HC/SC/DC/XC/TC): mode is one part's size
        std::size_t vector = 0;  // __vector_size__(n)
        token where;
    };
    struct specifier {
        ctype base;
        token where;
        bool is_typedef = false, is_extern = false, is_static = false, is_const = false;
        attribute_set attributes;
    };
    struct derivation {
        enum { pointer, array, function } kind;
        std::size_t count = 0;   // arrays
        bool flexible = false;   // name[]
        std::string parameters;  // functions: "(int, char *)"
        bool variable = false;   // name[?]: LuaJIT's variable-length array
    };
    struct declarator {
        std::string name;
        token where;
        ctype type;
        attribute_set attributes;
        bool flexible = false;  // name[]: a flexible array member
    };
    enum class context : std::uint8_t { typedef_, object, member, parameter, type_name };

    // ---- declarations -----------------------------------------------------------
    void declaration() {
        if (is("_Static_assert") || is("static_assert")) return static_assertion();
        const specifier spec = specifiers();
        if (is(";")) {
            if (spec.is_typedef) error(peek(), "a typedef needs a name");
            next();
            return;  // a struct, union or enum declared or defined on its own
        }
        do {
            const declarator d = declare(spec, spec.is_typedef ? context::typedef_ : context::object);
            if (spec.is_typedef) {
                define_typedef(d);
            } else if (d.type.kind == form::function) {
                record(&name_table::functions, d, d.type.spelling());
                if (is("{")) {  // a definition (static inline in headers): the body is skipped
                    skip_body();
                    return;
                }
            } else {
                object(spec, d);
            }
        } while (accept(","));
        expect(";", "after the declaration");
    }

    // _Static_assert(expr, "message");
    void static_assertion() {
        const token& at = next();
        expect("(", "after _Static_assert");
        const std::int64_t v = expression();
        std::string text;
        if (accept(","))
            while (peek().kind == token_kind::string) text += next().text;
        expect(")", "after the assertion");
        expect(";", "after _Static_assert");
        if (v == 0) error(at, "static assertion failed" + (text.empty() ? "" : ": " + text));
    }

    /// extern int x; static const int X = 5; int table[4];: recorded with its type;
    /// an integer constant with a constant initializer also becomes a constant.
    void object(const specifier& spec, const declarator& d) {
        if (d.type.kind == form::void_) error(d.where, "'" + d.name + "' cannot have type void");
        if (d.type.kind == form::incomplete && !spec.is_extern)
            error(d.where, d.type.spelling() + " has no definition (only a pointer to it can be used)");
        if (accept("=")) {
            const layout& t = d.type.type;
            const token& at = peek();
            if (d.type.kind != form::object || !t.is_scalar() || !is_integer_kind(t.scalar()))
                error(at, "only an integer object can have an initializer here ('" + d.name + "' is " +
                              d.type.spelling() + ")");
            const cvalue v = conditional();
            const cvalue shape = type_shape(t);
            const cvalue stored = convert(v, shape.size, shape.is_unsigned);
            if (stored.bits != v.bits && !(v.is_unsigned == stored.is_unsigned && v.size <= stored.size))
                if (stored.text() != v.text())
                    error(at, "the initializer " + v.text() + " does not fit " + t.name());
            if (spec.is_const) {
                if (stored.is_unsigned && stored.bits > static_cast<std::uint64_t>(INT64_MAX))
                    error(at, "the constant " + stored.text() + " is too large");
                if (names_.contains(&name_table::constants, d.name))
                    error(d.where, "redefinition of '" + d.name + "'");
                names_.staged.constants.emplace(d.name, stored.as_signed());
            }
        }
        record(&name_table::variables, d, d.type.spelling());
    }

    /// Records a prototype or an object; declaring the same name again is allowed
    /// with the same type, as in C.
    void record(name_map<std::string> name_table::*table, const declarator& d, std::string spelling) {
        const auto other = table == &name_table::functions ? &name_table::variables : &name_table::functions;
        if (names_.contains(other, d.name) || names_.contains(&name_table::typedefs, d.name) ||
            names_.contains(&name_table::opaque_typedefs, d.name) ||
            names_.contains(&name_table::function_typedefs, d.name))
            error(d.where, "'" + d.name + "' is already declared as something else");
        if (const std::string* found = names_.find(table, d.name)) {
            if (*found != spelling)
                error(d.where, "conflicting types for '" + d.name + "': " + *found + " and " + spelling);
            return;
        }
        (names_.staged.*table).emplace(d.name, std::move(spelling));
    }

    void define_typedef(const declarator& d) {
        if (names_.contains(&name_table::functions, d.name) || names_.contains(&name_table::variables, d.name))
            error(d.where, "'" + d.name + "' is already declared as something else");
        if (d.type.kind == form::function) {
            std::pair<std::string, std::string> spelling(d.type.left, d.type.right);
            if (const auto* found = names_.find(&name_table::function_typedefs, d.name)) {
                if (*found != spelling) error(d.where, "'" + d.name + "' is already a typedef");
                return;
            }
            if (names_.contains(&name_table::typedefs, d.name) ||
                names_.contains(&name_table::opaque_typedefs, d.name))
                error(d.where, "'" + d.name + "' is already a typedef");
            names_.staged.function_typedefs.emplace(d.name, std::move(spelling));
            return;
        }
        if (names_.contains(&name_table::function_typedefs, d.name))
            error(d.where, "'" + d.name + "' is already a typedef of a function type");
        if (d.type.kind == form::incomplete) {
            if (const auto* found = names_.find(&name_table::opaque_typedefs, d.name)) {
                if (*found == *d.type.tag) return;
            }
            if (names_.contains(&name_table::typedefs, d.name) ||
                names_.contains(&name_table::opaque_typedefs, d.name))
                error(d.where, "'" + d.name + "' is already a typedef");
            names_.staged.opaque_typedefs.emplace(d.name, *d.type.tag);
            return;
        }
        if (names_.contains(&name_table::opaque_typedefs, d.name))
            error(d.where, "'" + d.name + "' is already a typedef of an incomplete type");
        layout type = d.type.type;
        // typedef struct { ... } name; gives the anonymous struct its name.
        if (type.is_record() && type.name().find("<anonymous>") != std::string::npos)
            type = type.renamed(d.name);
        if (const layout* found = names_.find(&name_table::typedefs, d.name)) {
            if (!equivalent(*found, type))
                error(d.where, "'" + d.name + "' is already a typedef of " + found->name());
            return;  // C11 allows repeating a typedef of the same type
        }
        names_.staged.typedefs.emplace(d.name, std::move(type));
    }

    // #pragma pack(n) | pack() | pack(push[, n]) | pack(pop); other pragmas are
    // skipped to the end of their line.
    void pragma() {
        const std::size_t line = next().line;  // #
        const token& at = peek();
        if (!accept("pragma"))
            error(at, "only '#pragma pack' is understood, found " + describe(at));
        if (!is("pack")) {
            while (peek().kind != token_kind::end && peek().line == line) next();
            return;
        }
        next();
        expect("(", "after #pragma pack");
        if (accept("push")) {
            names_.pack_stack.push_back(names_.pack);
            if (accept(",")) names_.pack = pack_value();
        } else if (is("pop")) {
            if (names_.pack_stack.empty()) error(peek(), "#pragma pack(pop) without a push");
            next();
            names_.pack = names_.pack_stack.back();
            names_.pack_stack.pop_back();
        } else if (!is(")")) {
            names_.pack = pack_value();
        } else {
            names_.pack = 0;
        }
        expect(")", "to close #pragma pack");
    }

    std::size_t pack_value() {
        const token& at = peek();
        const std::int64_t n = expression();
        if (n <= 0 || n > 256 || (n & (n - 1)) != 0)
            error(at, "pack value " + std::to_string(n) + " is not a power of two up to 256");
        return static_cast<std::size_t>(n);
    }

    // ---- specifiers -------------------------------------------------------------
    static bool is_qualifier(std::string_view w) noexcept {
        static constexpr std::string_view words[] = {
            "const", "__const", "__const__", "volatile", "__volatile", "__volatile__", "restrict",
            "__restrict", "__restrict__", "_Atomic", "register", "inline", "__inline", "__inline__",
            "_Noreturn", "__extension__", "_Thread_local", "__thread", "auto"};
        return std::find(std::begin(words), std::end(words), w) != std::end(words);
    }
    static bool is_type_keyword(std::string_view w) noexcept {
        static constexpr std::string_view words[] = {
            "void", "char", "short", "int", "long", "float", "double", "signed", "__signed",
            "__signed__", "unsigned", "_Bool", "bool", "struct", "union", "enum", "_Complex",
            "__complex__", "__int128", "__int128_t", "__uint128_t", "_Float32", "_Float64",
            "_Float32x", "_Float64x", "_Float128", "__float128", "__builtin_va_list", "_Alignas"};
        return std::find(std::begin(words), std::end(words), w) != std::end(words);
    }

    [[nodiscard]] bool starts_type(std::size_t ahead) const override {
        const token& t = peek(ahead);
        if (t.kind != token_kind::identifier) return false;
        if (is_type_keyword(t.text) || (is_qualifier(t.text) && t.text != "__extension__")) return true;
        return names_.contains(&name_table::typedefs, t.text) ||
               names_.contains(&name_table::opaque_typedefs, t.text) ||
               names_.contains(&name_table::function_typedefs, t.text);
    }

    // specifiers() works in two phases. Reading (specifier_word) takes the words in
    // any order ("long unsigned int long"): storage classes, qualifiers and attributes
    // go to the specifier, the type's own words to a type_words. Mapping (type_of)
    // then turns the type words into one type, or says which words do not go together.

    /// The words of a declaration that say its type, as read: the keywords of a
    /// built-in type, or one named type (struct, union, enum or a typedef name).
    struct type_words {
        token first;                 // the first type word: where errors point
        std::string written;         // the built-in keywords as written: "unsigned float"
        std::optional<token> sign;   // signed or unsigned
        int longs = 0, shorts = 0, ints = 0;
        bool complex = false;
        std::string_view base;       // a word that is a type alone: char, double, __int128, ...
        std::optional<ctype> named;  // struct, union, enum or a typedef name
        std::string named_as;        // it as written: "struct s", "'size_t'"

        [[nodiscard]] bool no_keywords() const noexcept {
            return !sign && longs + shorts + ints == 0 && !complex && base.empty();
        }
        [[nodiscard]] bool none() const noexcept { return no_keywords() && !named; }
        /// What a second type word would be a second type to: "'char'", "struct s".
        [[nodiscard]] std::string base_spelling() const {
            return named ? named_as : "'" + std::string(base) + "'";
        }
    };

    static bool is_base_keyword(std::string_view w) noexcept {
        static constexpr std::string_view words[] = {
            "char", "float", "double", "void", "bool", "_Bool", "__int128", "_Float32", "_Float64",
            "_Float32x", "_Float64x", "_Float128", "__float128"};
        return std::find(std::begin(words), std::end(words), w) != std::end(words);
    }

    specifier specifiers() {
        specifier out{{}, peek(), false, false, false, false, {}};
        type_words words;
        while (specifier_word(out, words)) {
        }
        out.base = type_of(words);
        return out;
    }

    /// The reading phase, one word: false, consuming nothing, at the first token
    /// that is no specifier (the declarator's name, a '*', ...).
    bool specifier_word(specifier& out, type_words& words) {
        const token& t = peek();
        if (t.kind != token_kind::identifier) return false;
        const std::string_view w = t.text;
        if (is_qualifier(w)) {
            if (w == "const" || w == "__const" || w == "__const__") out.is_const = true;
            next();
            if (w == "_Atomic" && is("(")) error(t, "_Atomic(type) is not supported");
        } else if (w == "typedef" || w == "extern" || w == "static") {
            (w == "typedef" ? out.is_typedef : w == "extern" ? out.is_extern : out.is_static) = true;
            next();
        } else if (w == "_Alignas") {
            alignas_specifier(out.attributes);
        } else if (w == "__attribute__" || w == "__attribute") {
            attributes(out.attributes);
        } else if (w == "__asm__" || w == "__asm" || w == "asm") {
            error(t, "an asm statement is not a declaration");
        } else {
            return type_word(words);
        }
        return true;
    }

    // _Alignas(type) or _Alignas(constant expression); _Alignas(0) has no effect.
    void alignas_specifier(attribute_set& out) {
        const token& at = next();
        expect("(", "after _Alignas");
        const std::int64_t n =
            starts_type(0) ? static_cast<std::int64_t>(type_name().alignment()) : expression();
        expect(")", "after _Alignas(");
        if (n != 0) out.field.aligned = std::max(out.field.aligned, checked_alignment(at, n));
    }

    /// One word of the type: a built-in type's keyword, struct, union or enum with
    /// what follows, or a typedef name as the only type word. False, consuming
    /// nothing, for any other word.
    bool type_word(type_words& words) {
        const token& t = peek();
        const std::string_view w = t.text;
        const bool first = words.none();
        if (w == "signed" || w == "__signed__" || w == "__signed" || w == "unsigned") {
            if (words.sign)
                error(t, words.sign->text == w ? "repeated " + describe(t)
                                               : describe(t) + " after " + describe(*words.sign));
            words.sign = t;
        } else if (w == "long") {
            if (++words.longs > 2) error(t, "'long long long' is too long");
        } else if (w == "short") {
            ++words.shorts;
        } else if (w == "int") {
            ++words.ints;
        } else if (w == "_Complex" || w == "__complex__") {
            words.complex = true;
        } else if ((w.starts_with("_Float") || w == "__float128") &&
                   (!words.base.empty() || words.named || words.sign ||
                    words.longs + words.shorts + words.ints != 0)) {
            // After a type it is the name being declared: glibc's `typedef float
            // _Float32;` for compilers without the type (clang, g++ before 13).
            return false;
        } else if (is_base_keyword(w)) {
            second_type(words, t);
            words.base = w;
        } else if (w == "struct" || w == "union" || w == "enum") {
            second_type(words, t);
            if (first) words.first = t;
            next();
            words.named = w == "enum" ? ctype::of(enumeration())
                                      : record(w == "struct" ? layout_kind::struct_ : layout_kind::union_);
            words.named_as = words.named->spelling();
            return true;
        } else if (first) {
            ctype named;
            if (!typedef_name(w, named)) return false;
            words.named = std::move(named);
            words.named_as = describe(t);
            words.first = t;
            next();
            return true;
        } else {
            return false;
        }
        if (first) words.first = t;
        if (!words.written.empty()) words.written += ' ';
        words.written += w;
        next();
        return true;
    }

    /// A second word that is a type on its own ("char double", "struct s float").
    void second_type(const type_words& words, const token& t) const {
        if (!words.base.empty() || words.named)
            error(t, "two types in one declaration: " + describe(t) + " after " + words.base_spelling());
    }

    /// The mapping phase: the one type the words name.
    ctype type_of(const type_words& words) const {
        if (words.none()) {
            const token& t = peek();
            if (t.kind == token_kind::identifier) error(t, "unknown type name " + describe(t));
            error(t, "expected a type, found " + describe(t));
        }
        if (!words.named) return ctype::of(builtin(words));
        if (!words.no_keywords())
            error(words.first, "invalid combination of type specifiers: '" + words.written + "' with " +
                                   words.named_as);
        return *words.named;
    }

    /// A typedef name (or a built-in one the compiler predefines) as a type.
    bool typedef_name(std::string_view w, ctype& out) const {
        if (const layout* found = names_.find(&name_table::typedefs, w)) {
            out = ctype::of(*found);
            return true;
        }
        if (const auto* opaque = names_.find(&name_table::opaque_typedefs, w)) {
            const auto& [kind, tag] = *opaque;
            if (const layout* body = names_.find(records(kind), tag)) {
                out = ctype::of(*body);
            } else {
                out = {layout(), (kind == layout_kind::struct_ ? "struct " : "union ") + tag, {},
                       form::incomplete, *opaque};
            }
            return true;
        }
        if (const auto* fn = names_.find(&name_table::function_typedefs, w)) {
            out = {layout(), fn->first, fn->second, form::function, std::nullopt};
            return true;
        }
        if (w == "__builtin_va_list") {
#if defined(__x86_64__)
            constexpr std::size_t va_list_size = 24;  // struct { unsigned, unsigned; void *, *; }[1]
#elif defined(__aarch64__)
            constexpr std::size_t va_list_size = 32;  // struct { void *, *, *; int, int; }
#elif defined(__s390x__)
            constexpr std::size_t va_list_size = 32;  // struct { long, long; void *, *; }[1]
#else
            constexpr std::size_t va_list_size = sizeof(void*);  // i386 and most others: char *
#endif
            out = ctype::of(layout::opaque("__builtin_va_list", va_list_size, alignof(void*)));
            return true;
        }
        if (w == "__int128_t" || w == "__uint128_t") {
            out = ctype::of(layout::opaque(w == "__int128_t" ? "__int128" : "unsigned __int128", 16, int128_alignment));
            return true;
        }
        return false;
    }

    /// The built-in type a set of keywords names: C11's list (6.7.2p2) with GNU's
    /// __int128 and _FloatN. A set that names none is an error naming its words.
    layout builtin(const type_words& w) const {
        if (w.base.empty() || w.base == "char" || w.base == "__int128") return integer(w);
        return non_integer(w);
    }

    [[noreturn]] void invalid_combination(const type_words& w) const {
        error(w.first, "invalid combination of type specifiers: '" + w.written + "'");
    }

    /// char (plain, signed and unsigned: three types), __int128, and int with at most
    /// one of short, long and long long.
    layout integer(const type_words& w) const {
        const bool u = w.sign && w.sign->text == "unsigned";
        const int sizes = w.longs + w.shorts + w.ints;
        if (w.base == "__int128") {
            if (sizes != 0 || w.complex) invalid_combination(w);
            return layout::opaque(u ? "unsigned __int128" : "__int128", 16, int128_alignment);
        }
        if (w.complex) error(w.first, "_Complex of an integer type is not supported");
        if (w.base == "char") {
            if (sizes != 0) invalid_combination(w);
            if (!w.sign) return layout::of_scalar(scalar_kind::character);
            return layout::of_scalar(u ? scalar_kind::uint8 : scalar_kind::int8);
        }
        if (w.ints > 1 || w.shorts > 1 || (w.shorts != 0 && w.longs != 0)) invalid_combination(w);
        if (w.shorts != 0) return layout::of_scalar(u ? scalar_kind_of<unsigned short>() : scalar_kind_of<short>());
        if (w.longs == 2)
            return layout::of_scalar(u ? scalar_kind_of<unsigned long long>() : scalar_kind_of<long long>());
        if (w.longs == 1) return layout::of_scalar(u ? scalar_kind_of<unsigned long>() : scalar_kind_of<long>());
        return layout::of_scalar(u ? scalar_kind_of<unsigned>() : scalar_kind_of<int>());
    }

    /// void, bool and the floating-point types: _Complex goes with the floating ones,
    /// 'long' with double alone, 'signed', 'unsigned', 'short' and 'int' with none.
    layout non_integer(const type_words& w) const {
        const std::string_view base = w.base;
        const auto wide = [&](std::string_view name, std::size_t size) {
            const std::string spelled(name);
            return layout::opaque(w.complex ? "_Complex " + spelled : spelled, w.complex ? 2 * size : size,
                                  floating_alignment(size));
        };
        const bool is_double = base == "double";
        if (w.sign || w.shorts + w.ints != 0 || w.longs > (is_double ? 1 : 0)) invalid_combination(w);
        if (base == "void" || base == "bool" || base == "_Bool") {
            if (w.complex) invalid_combination(w);
            return base == "void" ? layout() : layout::of_scalar(scalar_kind::boolean);
        }
        if (is_double && w.longs == 1) return wide("long double", sizeof(long double));
        if (base == "_Float64x") return wide(base, sizeof(long double));
        if (base == "_Float128" || base == "__float128") return wide(base, 16);
        const bool single = base == "float" || base == "_Float32";
        if (w.complex) return wide(base, single ? 4 : 8);
        return layout::of_scalar(single ? scalar_kind::float32 : scalar_kind::float64);
    }

    // struct/union [attributes] [tag] [{ members }] [attributes]
    ctype record(layout_kind kind) {
        const depth_guard guard(*this);
        const char* word = kind == layout_kind::struct_ ? "struct " : "union ";
        const auto defined = records(kind);
        const auto declared = kind == layout_kind::struct_ ? &name_table::declared_structs
                                                           : &name_table::declared_unions;
        attribute_set record_attributes;
        attributes(record_attributes);
        std::string tag;
        const token tag_token = peek();
        if (peek().kind == token_kind::identifier && !is("__attribute__") && !is("__attribute"))
            tag = std::string(next().text);
        attributes(record_attributes);
        if (!is("{")) {
            if (tag.empty()) error(peek(), std::string("expected a tag name or '{' after '") + word + "', found " + describe(peek()));
            if (const layout* found = names_.find(defined, tag)) return ctype::of(*found);
            if (!read_only_) (names_.staged.*declared).insert(tag);
            return {layout(), word + tag, {}, form::incomplete, std::pair(kind, tag)};
        }
        if (read_only_) error(peek(), "a type name cannot define a type");
        if (!tag.empty() && names_.contains(defined, tag)) error(tag_token, std::string("redefinition of ") + word + tag);
        next();  // {
        const std::size_t pack = names_.pack;
        layout_builder builder(kind, tag.empty() ? std::string() : word + tag);
        std::string flexible;  // the flexible array member seen, which must come last
        while (!accept("}")) {
            if (peek().kind == token_kind::end) error(peek(), std::string("expected '}' to close ") + word + (tag.empty() ? "<anonymous>" : tag));
            if (accept(";")) continue;
            if (!flexible.empty())
                error(peek(), "the " + flexible + " must be the last member");
            flexible = member(builder, kind);
        }
        attributes(record_attributes);
        if (record_attributes.field.packed) builder.packed();
        if (pack != 0) builder.pack(pack);
        if (record_attributes.field.aligned != 0) builder.align(record_attributes.field.aligned);
        layout type;
        memreg::detail::on_error<bad_argument>([&] { type = builder.build(); },
                                               [&](const bad_argument& e) { error(tag_token, e.what()); });
        if (!tag.empty()) {
            (names_.staged.*defined).emplace(tag, type);
            (names_.staged.*declared).insert(tag);
        }
        return ctype::of(type);
    }

    /// One member declaration; returns "flexible array member 'name'" (or
    /// "variable-length array member 'name'") if it declared one, which must come last.
    std::string member(layout_builder& builder, layout_kind kind) {
        if (is("_Static_assert") || is("static_assert")) {
            static_assertion();
            return {};
        }
        const specifier spec = specifiers();
        if (accept(";")) {
            if (spec.base.kind != form::object || !spec.base.type.is_record() ||
                spec.base.type.name().find("<anonymous>") == std::string::npos)
                error(spec.where, "a member declaration without a name");
            builder.add({}, spec.base.type, spec.attributes.field);
            return {};
        }
        std::string flexible;
        do {
            if (!flexible.empty())
                error(peek(), "the " + flexible + " must be the last member");
            in_struct_ = kind == layout_kind::struct_;
            declarator d = declare(spec, context::member);
            in_struct_ = false;
            if (d.flexible) flexible = "flexible array member '" + d.name + "'";
            if (d.type.kind == form::object && d.type.type.is_variable())
                flexible = "variable-length array member '" + d.name + "'";
            memreg::detail::on_error<bad_argument>(
                [&] {
                    if (accept(":")) {
                        const token& at = peek();
                        const std::int64_t width = expression();
                        if (width < 0) error(at, "bit-field width " + std::to_string(width) + " is negative");
                        attributes(d.attributes);
                        layout type = d.type.type;
                        // gcc: the bit-field of an enum with no negative value is unsigned.
                        if (type.is_scalar() && type.scalar() == scalar_kind_of<int>() && names_.is_unsigned_enum(type))
                            type = layout::of_scalar(scalar_kind::uint32).renamed(type.name());
                        builder.add_bitfield(d.name, std::move(type), static_cast<std::size_t>(width),
                                             d.attributes.field);
                    } else {
                        builder.add(d.name, d.type.type, d.attributes.field);
                    }
                },
                [&](const bad_argument& e) { error(d.where, e.what()); });
        } while (accept(","));
        expect(";", "after the member");
        return flexible;
    }

    // enum [tag] [{ A [= expr], ... }]: an int (an unsigned int if a value needs it),
    // its enumerators become constants.
    layout enumeration() {
        attribute_set ignored;
        attributes(ignored);
        std::string tag;
        if (peek().kind == token_kind::identifier) tag = std::string(next().text);
        attributes(ignored);
        const std::string name = tag.empty() ? "enum <anonymous>" : "enum " + tag;
        if (!accept("{")) {
            if (tag.empty()) error(peek(), "expected a tag name or '{' after 'enum', found " + describe(peek()));
            if (const layout* found = names_.find(&name_table::enum_types, tag)) return *found;
            return layout::of_scalar(scalar_kind_of<int>()).renamed(name);
        }
        if (read_only_) error(peek(), "a type name cannot define a type");
        std::int64_t value = 0;
        bool above_int = false, negative = false;
        while (!accept("}")) {
            const token& at = next();
            if (at.kind != token_kind::identifier) error(at, "expected an enumerator name, found " + describe(at));
            attributes(ignored);
            if (accept("=")) value = expression();
            if (value < INT32_MIN || value > UINT32_MAX)
                error(at, "enumerator value " + std::to_string(value) + " does not fit an int");
            above_int = above_int || value > INT32_MAX;
            negative = negative || value < 0;
            if (names_.contains(&name_table::constants, at.text))
                error(at, "redefinition of " + describe(at));
            names_.staged.constants.emplace(std::string(at.text), value);
            ++value;
            if (!accept(",")) {
                expect("}", "after the enumerators");
                break;
            }
        }
        attributes(ignored);
        const layout type = layout::of_scalar(above_int ? scalar_kind::uint32 : scalar_kind_of<int>()).renamed(name);
        if (!negative && !above_int) names_.staged.unsigned_enums.push_back(type);
        if (!tag.empty()) {
            names_.staged.enums.insert(tag);
            names_.staged.enum_types.emplace(tag, type);
        }
        return type;
    }

    std::size_t checked_alignment(const token& at, std::int64_t n) const {
        if (n <= 0 || n > (1 << 28) || (n & (n - 1)) != 0)
            error(at, "alignment " + std::to_string(n) + " is not a power of two");
        return static_cast<std::size_t>(n);
    }

    // __attribute__((a, b(args), ...)) lists, any number of them: packed, aligned,
    // __mode__ and __vector_size__ change the layout; every other attribute is read
    // (its arguments skipped, parentheses balanced) and has no effect.
    void attributes(attribute_set& out) {
        while (is("__attribute__") || is("__attribute")) {
            const depth_guard guard(*this);
            next();
            expect("(", "after __attribute__");
            expect("(", "after __attribute__(");
            do {
                if (is(")")) break;
                const token& a = next();
                if (a.kind != token_kind::identifier) error(a, "expected an attribute name, found " + describe(a));
                std::string_view w = a.text;
                if (w.size() > 4 && w.starts_with("__") && w.ends_with("__")) w = w.substr(2, w.size() - 4);
                if (w == "packed") {
                    out.field.packed = true;
                } else if (w == "aligned") {
                    std::int64_t n = alignof(std::max_align_t);
                    if (accept("(")) {
                        n = expression();
                        expect(")", "after the alignment");
                    }
                    out.field.aligned = std::max(out.field.aligned, checked_alignment(a, n));
                    out.where = a;
                } else if (w == "mode") {
                    expect("(", "after mode");
                    const token& m = next();
                    std::string_view k = m.text;
                    if (k.size() > 4 && k.starts_with("__") && k.ends_with("__")) k = k.substr(2, k.size() - 4);
                    out.float_mode = k == "HF" || k == "SF" || k == "DF" || k == "XF" || k == "TF";
                    out.complex_mode = k == "HC" || k == "SC" || k == "DC" || k == "XC" || k == "TC";
                    if (k == "QI" || k == "byte") out.mode = 1;
                    else if (k == "HI" || k == "HF" || k == "HC") out.mode = 2;
                    else if (k == "SI" || k == "SF" || k == "SC") out.mode = 4;
                    else if (k == "DI" || k == "DF" || k == "DC") out.mode = 8;
                    // The machine's word and pointer: 8 bytes on x86-64 and s390x, 4 on i686.
                    else if (k == "word" || k == "pointer") out.mode = sizeof(void*);
                    else if (k == "TI" || k == "TF" || k == "TC") out.mode = 16;
                    else if (k == "XF" || k == "XC") out.mode = sizeof(long double);
                    else error(m, "unsupported mode " + describe(m));
                    out.where = a;
                    expect(")", "after the mode");
                } else if (w == "vector_size") {
                    expect("(", "after vector_size");
                    const std::int64_t n = expression();
                    expect(")", "after the vector size");
                    out.vector = checked_alignment(a, n);
                    out.where = a;
                } else if (accept("(")) {
                    skip_balanced();
                }
            } while (accept(","));
            expect(")", "to close the attribute list");
            expect(")", "to close __attribute__");
        }
    }

    // After an opening '(': skips to its matching ')'.
    void skip_balanced() {
        std::size_t open = 1;
        while (open > 0) {
            const token& t = next();
            if (t.kind == token_kind::end) error(t, "expected ')' to close the parentheses");
            if (t.text == "(") ++open;
            else if (t.text == ")") --open;
        }
    }

    // A function body: skipped to its matching '}' (braces balanced, no recursion).
    void skip_body() {
        const token& open = next();
        std::size_t depth = 1;
        while (depth > 0) {
            const token& t = next();
            if (t.kind == token_kind::end) error(open, "expected '}' to close the function body");
            if (t.kind != token_kind::punct) continue;
            if (t.text == "{") ++depth;
            else if (t.text == "}") --depth;
        }
    }

    // __asm__("name") and attributes after a declarator.
    void declarator_tail(attribute_set& out) {
        for (;;) {
            if (is("__asm__") || is("__asm") || is("asm")) {
                next();
                expect("(", "after __asm__");
                while (peek().kind == token_kind::string) next();
                expect(")", "after the asm label");
            } else if (is("__attribute__") || is("__attribute")) {
                attributes(out);
            } else {
                return;
            }
        }
    }

    // ---- declarators --------------------------------------------------------------
    // The full C declarator grammar: pointers (with qualifiers and attributes), a name
    // or a parenthesized declarator, then array and function suffixes; the type is
    // built from the inside out. Names are required in declarations and members
    // (but for an unnamed bit-field), optional in parameters, absent in type names.
    declarator declare(const specifier& spec, context where) {
        declarator d{{}, peek(), spec.base, spec.attributes, false};
        std::vector<derivation> ops;
        derivations(ops, d, where);
        declarator_tail(d.attributes);
        if (where != context::type_name && where != context::parameter && d.name.empty() &&
            !(where == context::member && is(":")))
            error(peek(), "expected a name, found " + describe(peek()));
        d.type = derive(spec.base, ops, d, where);
        if (where != context::parameter) d.type = apply_attributes(d.type, d.attributes, where);
        if (d.type.kind == form::object && where != context::object && where != context::typedef_ &&
            where != context::parameter && d.type.type.kind() == layout_kind::void_)
            error(d.where, "'" + d.name + "' cannot have type void");
        if (where == context::member || where == context::type_name) {
            if (d.type.kind == form::incomplete)
                error(d.where, d.type.spelling() + " has no definition (only a pointer to it can be used)");
            if (d.type.kind == form::function)
                error(d.where, "'" + d.name + "' has a function type (only a pointer to it can be a " +
                                   (where == context::member ? "member)" : "value)"));
            if (d.type.kind == form::void_ && where == context::member)
                error(d.where, "'" + d.name + "' cannot have type void");
        }
        if (d.flexible && !(in_struct_ && where == context::member) && where != context::object &&
            where != context::parameter)
            error(d.where, "an array without a size is only allowed as a struct's last member");
        if (d.type.kind == form::object && d.type.type.is_variable() && where != context::type_name &&
            where != context::typedef_ && where != context::parameter &&
            !(where == context::member && in_struct_ && !d.type.type.is_record()))
            error(d.where, "'" + d.name + "' has the variable-length type " + d.type.type.name() +
                               (d.type.type.is_record()
                                    ? " (a struct with a '[?]' member is only a type of its own)"
                                    : " ('[?]' is only allowed in a type name, a typedef or a struct's last member)"));
        return d;
    }

    void derivations(std::vector<derivation>& ops, declarator& d, context where) {
        const depth_guard guard(*this);
        std::size_t pointers = 0;
        while (accept("*")) {
            ++pointers;
            for (;;) {
                if (peek().kind == token_kind::identifier && is_qualifier(peek().text)) next();
                else if (is("__attribute__") || is("__attribute")) attributes(d.attributes);
                else break;
            }
        }
        std::vector<derivation> inner;
        if (is("(") && grouping(where)) {
            next();
            derivations(inner, d, where);
            expect(")", "to close the declarator");
        } else if (peek().kind == token_kind::identifier && where != context::type_name &&
                   !is("__attribute__") && !is("__attribute") && !is("__asm__") && !is("__asm") &&
                   !(where == context::parameter && starts_type(0))) {
            d.where = peek();
            d.name = std::string(next().text);
        } else {
            d.where = peek();
        }
        const std::size_t first = ops.size();
        for (std::size_t p = 0; p < pointers; ++p) ops.push_back({derivation::pointer, 0, false, {}});
        std::vector<derivation> suffixes;
        for (;;) {
            if (is("[")) {
                const token& open = next();
                while (peek().kind == token_kind::identifier && (is_qualifier(peek().text) || is("static"))) next();
                if (where == context::parameter) {
                    // A parameter's array decays to a pointer, and its size may name
                    // other parameters (int n, char buf[n]): skipped, not evaluated.
                    std::size_t open_brackets = 1;
                    for (;;) {
                        const token& t = next();
                        if (t.kind == token_kind::end) error(open, "expected ']' after the array size");
                        if (t.text == "[") ++open_brackets;
                        else if (t.text == "]" && --open_brackets == 0) break;
                    }
                    suffixes.push_back({derivation::array, 0, true, {}});
                    continue;
                }
                if (accept("]")) {
                    if (!suffixes.empty() || !inner.empty() || first != 0)
                        error(open, "an array without a size is only allowed as the outermost one");
                    d.flexible = true;
                    suffixes.push_back({derivation::array, 0, true, {}});
                    continue;
                }
                if (is("?") && peek(1).text == "]") {  // LuaJIT's variable-length array
                    if (!suffixes.empty() || !inner.empty() || first != 0)
                        error(open, "'[?]' (a variable-length array) is only allowed in the outermost dimension");
                    next();
                    next();
                    suffixes.push_back({derivation::array, 0, false, {}, true});
                    continue;
                }
                const std::int64_t n = expression();
                if (n < 0) error(open, "array size " + std::to_string(n) + " is negative");
                // Where size_t has 32 bits a count above SIZE_MAX must not wrap (2^32 + 1 to 1).
                if (static_cast<std::uint64_t>(n) > SIZE_MAX)
                    error(open, "array size " + std::to_string(n) + " exceeds SIZE_MAX (" +
                                    std::to_string(SIZE_MAX) + ")");
                suffixes.push_back({derivation::array, static_cast<std::size_t>(n), false, {}});
                expect("]", "after the array size");
            } else if (is("(")) {
                suffixes.push_back({derivation::function, 0, false, parameters()});
            } else {
                break;
            }
        }
        ops.insert(ops.end(), suffixes.rbegin(), suffixes.rend());
        ops.insert(ops.end(), inner.begin(), inner.end());
    }

    /// After a declarator's pointers, whether '(' opens a parenthesized declarator
    /// ("(*f)", "(name)") rather than a parameter list.
    bool grouping(context where) const {
        const token& t = peek(1);
        if (t.text == "*" || t.text == "(" || t.text == "^") return true;
        if (t.kind != token_kind::identifier) return false;
        if (t.text == "__attribute__" || t.text == "__attribute") return true;
        return where != context::type_name && !starts_type(1);
    }

    // (parameters): their types' spellings, for the function type's spelling.
    std::string parameters() {
        const depth_guard guard(*this);
        expect("(", "for the parameters");
        std::string out = "(";
        bool first = true;
        while (!accept(")")) {
            if (!first) expect(",", "between the parameters");
            if (!first) out += ", ";
            first = false;
            if (accept("...")) {
                out += "...";
                continue;
            }
            const specifier spec = specifiers();
            const declarator d = declare(spec, context::parameter);
            out += d.type.spelling();
            if (out.size() > max_type_name)
                error(d.where, "the type's C spelling is longer than " + std::to_string(max_type_name) +
                                   " characters");
        }
        return out + ")";
    }

    /// Applies the derivations to the base type, checking what C forbids.
    ctype derive(ctype t, const std::vector<derivation>& ops, const declarator& d, context where) const {
        const bool spelled_only = where == context::parameter;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            const derivation& op = ops[i];
            switch (op.kind) {
                case derivation::pointer: {
                    if (t.kind == form::function || !t.right.empty()) {
                        if (t.right.starts_with('(') || t.right.starts_with('[')) {
                            t.left += t.left.ends_with('*') ? "(*" : " (*";
                            t.right = ")" + t.right;
                        } else {
                            t.left += "*";
                        }
                        t.type = layout::pointer_to("void").renamed(t.left + t.right);
                    } else {
                        t.type = layout::pointer_to(t.kind == form::void_ ? "void" : t.left);
                        t.left = t.type.name();
                    }
                    t.kind = form::object;
                    t.tag.reset();
                    break;
                }
                case derivation::array: {
                    if (op.flexible && i + 1 != ops.size() && !spelled_only)
                        error(d.where, "an array without a size is only allowed as the outermost one");
                    if (op.variable && i + 1 != ops.size())
                        error(d.where, "'[?]' (a variable-length array) is only allowed in the outermost dimension");
                    if (t.kind == form::function) error(d.where, "'" + d.name + "' is an array of functions");
                    const std::string right =
                        "[" + (op.variable ? std::string("?") : op.flexible ? std::string() : std::to_string(op.count)) +
                        "]" + t.right;
                    if (t.kind != form::object) {
                        if (!spelled_only) {
                            if (t.kind == form::incomplete)
                                error(d.where, t.spelling() + " has no definition (only a pointer to it can be used)");
                            error(d.where, d.name.empty() ? std::string("an array of void has no size")
                                                          : "'" + d.name + "' cannot have type void");
                        }
                    } else if (!spelled_only || t.type.kind() != layout_kind::void_) {
                        memreg::detail::on_error<bad_argument>(
                            [&] {
                                t.type = op.variable ? layout::variable_array_of(t.type)
                                                     : layout::array_of(t.type, op.count);
                            },
                            [&](const bad_argument& e) { error(d.where, e.what()); });
                        if (!t.right.empty()) t.type = t.type.renamed(t.left + right);
                    }
                    t.right = right;
                    break;
                }
                case derivation::function:
                    if (t.kind == form::function) error(d.where, "'" + d.name + "' is a function returning a function");
                    if (t.kind == form::object && t.type.is_array() && t.right.starts_with('['))
                        error(d.where, "'" + d.name + "' is a function returning an array");
                    t.right = op.parameters + t.right;
                    t.kind = form::function;
                    t.type = layout();
                    t.tag.reset();
                    break;
            }
            if (t.left.size() + t.right.size() > max_type_name)
                error(d.where, "the type's C spelling is longer than " + std::to_string(max_type_name) +
                                   " characters");
        }
        // A plain array's spelling is its layout's name ("char[4][2]").
        if (t.kind == form::object && t.type.is_array() && t.right.starts_with('[') &&
            t.right.find('(') == std::string::npos && t.right.find(')') == std::string::npos &&
            t.right.find("[]") == std::string::npos) {
            t.left = t.type.name();
            t.right.clear();
        }
        return t;
    }

    /// __mode__, __vector_size__ and, on a typedef, aligned.
    ctype apply_attributes(ctype t, const attribute_set& a, context where) const {
        if (a.mode != 0 && (a.complex_mode || (a.float_mode && a.mode != 4 && a.mode != 8))) {
            // A floating type of another width (_Float16, __float128, long double) or a
            // complex one (glibc's `typedef _Complex float __cfloat128
            // __attribute__((__mode__(__TC__)))`): sized, aligned opaque bytes.
            const bool floating = t.kind == form::object &&
                                  ((t.type.is_scalar() && (t.type.scalar() == scalar_kind::float32 ||
                                                           t.type.scalar() == scalar_kind::float64)) ||
                                   (t.type.is_opaque() && (t.type.name().find("float") != std::string::npos ||
                                                           t.type.name().find("double") != std::string::npos ||
                                                           t.type.name().find("_Float") != std::string::npos)));
            const bool complex = t.kind == form::object && t.type.name().starts_with("_Complex ");
            if (!floating || complex != a.complex_mode)
                error(a.where, "__mode__ does not match " + t.spelling());
            const std::size_t part = a.mode;
            const std::string name = part == 2 ? "_Float16" : part == 16 ? "_Float128" : "long double";
            const std::size_t alignment = floating_alignment(part);
            t.type = a.complex_mode ? layout::opaque("_Complex " + name, 2 * part, alignment)
                                    : layout::opaque(name, part, alignment);
            t.left = t.type.name();
        } else if (a.mode != 0) {
            if (t.kind != form::object || !t.type.is_scalar() || t.type.scalar() == scalar_kind::boolean ||
                t.type.scalar() == scalar_kind::pointer)
                error(a.where, "__mode__ on " + t.spelling() + ", which is not an integer or floating type");
            const scalar_kind k = t.type.scalar();
            const bool floating = k == scalar_kind::float32 || k == scalar_kind::float64;
            if (floating != a.float_mode) error(a.where, "__mode__ does not match " + t.spelling());
            if (floating) {
                t.type = layout::of_scalar(a.mode == 4 ? scalar_kind::float32 : scalar_kind::float64);
            } else if (a.mode == 16) {
                t.type = layout::opaque(type_shape(t.type).is_unsigned ? "unsigned __int128" : "__int128", 16,
                                        int128_alignment);
            } else {
                const bool u = type_shape(t.type).is_unsigned;
                static constexpr scalar_kind s[] = {scalar_kind::int8, scalar_kind::int16, scalar_kind::int32, scalar_kind::int64};
                static constexpr scalar_kind us[] = {scalar_kind::uint8, scalar_kind::uint16, scalar_kind::uint32, scalar_kind::uint64};
                const std::size_t i = a.mode == 1 ? 0 : a.mode == 2 ? 1 : a.mode == 4 ? 2 : 3;
                t.type = layout::of_scalar(u ? us[i] : s[i]);
            }
            t.left = t.type.name();
        }
        if (a.vector != 0) {
            if (t.kind != form::object || (!t.type.is_scalar() && !t.type.is_opaque()) ||
                a.vector % t.type.size() != 0)
                error(a.where, "__vector_size__(" + std::to_string(a.vector) + ") of " + t.spelling());
            t.type = layout::opaque(t.spelling() + " __attribute__((vector_size(" + std::to_string(a.vector) + ")))",
                                    a.vector, a.vector);
            t.left = t.type.name();
        }
        // aligned on a typedef sets the type's alignment (gcc lets it lower one too).
        if (where == context::typedef_ && t.kind == form::object && a.field.aligned != 0 &&
            a.field.aligned != t.type.alignment()) {
            memreg::detail::on_error<bad_argument>([&] { t.type = t.type.aligned_to(a.field.aligned); },
                                                   [&](const bad_argument& e) { error(a.where, e.what()); });
        }
        return t;
    }

    // A type name: specifiers and an abstract declarator ("unsigned char *", "int[4]").
    layout type_name() override {
        const specifier spec = specifiers();
        const declarator d = declare(spec, context::type_name);
        if (d.type.kind == form::void_) return layout();
        return d.type.type;
    }

    static name_map<layout> name_table::*records(layout_kind kind) noexcept {
        return kind == layout_kind::struct_ ? &name_table::structs : &name_table::unions;
    }

    bool read_only_ = false;
    bool in_struct_ = false;  // declaring a struct member: a flexible array is allowed
};

}  // namespace memreg::cdecl::detail
