// memreg/cdecl/parser.hpp — a recursive-descent parser for the plain-data subset of
// C declarations that LuaJIT's ffi.cdef takes, producing layouts. Internal to
// cdecl.hpp; the grammar it accepts is documented in docs/adapters.md.
#pragma once

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

class parser final : expression_parser {
public:
    parser(std::string_view text, scope& state, const char* operation, bool read_only = false)
        : expression_parser(text, state, operation), read_only_(read_only) {}

    /// A whole cdef chunk: declarations and #pragma pack lines.
    void declarations() {
        while (peek().kind != token_kind::end) {
            if (accept("#")) pragma();
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
    struct specifier {
        layout type;
        std::string incomplete;  // "struct foo" when only declared: usable through a pointer
        token where;
        std::optional<std::pair<layout_kind, std::string>> tag;  // for an opaque typedef
    };
    struct declarator {
        std::string name;
        layout type;
        field_options options;
        token where;
        std::optional<std::pair<layout_kind, std::string>> opaque;  // typedef of incomplete
        bool flexible = false;  // name[]: a flexible array member
    };

    // ---- declarations -----------------------------------------------------------
    void declaration() {
        const bool is_typedef = accept("typedef");
        const specifier spec = specifiers();
        if (is(";")) {
            if (is_typedef) error(peek(), "a typedef needs a name");
            next();
            return;  // a struct, union or enum declared or defined on its own
        }
        do {
            const declarator d = declare(spec, true, is_typedef);
            if (!is_typedef)
                error(d.where, "'" + d.name +
                                   "' declares an object; only types (typedef, struct, union, "
                                   "enum) can be declared");
            define_typedef(d);
        } while (accept(","));
        expect(";", "after the declaration");
    }

    void define_typedef(const declarator& d) {
        if (d.opaque) {
            if (names_.contains(&name_table::typedefs, d.name) ||
                names_.contains(&name_table::opaque_typedefs, d.name))
                error(d.where, "'" + d.name + "' is already a typedef");
            names_.staged.opaque_typedefs.emplace(d.name, *d.opaque);
            return;
        }
        if (names_.contains(&name_table::opaque_typedefs, d.name))
            error(d.where, "'" + d.name + "' is already a typedef of an incomplete type");
        layout type = d.type;
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

    // #pragma pack(n) | pack() | pack(push[, n]) | pack(pop)
    void pragma() {
        const token& at = peek();
        if (!accept("pragma") || !accept("pack"))
            error(at, "only '#pragma pack' is understood, found " + describe(at));
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
    specifier specifiers() {
        specifier out{{}, {}, peek(), std::nullopt};
        int sign = 0;  // -1 signed, +1 unsigned
        int longs = 0, shorts = 0, ints = 0;
        std::string base;  // char, float, double, void, bool
        bool have_type = false;
        for (;;) {
            const token& t = peek();
            if (t.kind != token_kind::identifier) break;
            const std::string_view w = t.text;
            if (w == "const" || w == "volatile" || w == "static" || w == "extern" ||
                w == "__const" || w == "__volatile__" || w == "__extension__" || w == "register") {
                next();
            } else if (w == "signed" || w == "__signed__" || w == "unsigned") {
                if (sign != 0) error(t, "repeated " + describe(t));
                sign = w == "unsigned" ? 1 : -1;
                next();
            } else if (w == "long") {
                if (++longs > 2) error(t, "'long long long' is too long");
                next();
            } else if (w == "short") {
                ++shorts;
                next();
            } else if (w == "int") {
                ++ints;
                next();
            } else if (w == "char" || w == "float" || w == "double" || w == "void" || w == "bool" ||
                       w == "_Bool") {
                if (!base.empty() || have_type) error(t, "two types in one declaration: " + describe(t));
                base = std::string(w);
                next();
            } else if (w == "struct" || w == "union") {
                if (have_type || !base.empty()) error(t, "two types in one declaration: " + describe(t));
                next();
                record(out, w == "struct" ? layout_kind::struct_ : layout_kind::union_);
                have_type = true;
            } else if (w == "enum") {
                if (have_type || !base.empty()) error(t, "two types in one declaration: " + describe(t));
                next();
                out.type = enumeration();
                have_type = true;
            } else if (w == "__attribute__" || w == "__attribute") {
                field_options ignored;
                attributes(ignored);
            } else if (!have_type && base.empty() && sign == 0 && longs + shorts + ints == 0) {
                if (const layout* found = names_.find(&name_table::typedefs, w)) {
                    out.type = *found;
                } else if (const auto* opaque = names_.find(&name_table::opaque_typedefs, w)) {
                    const auto& [kind, tag] = *opaque;
                    const std::string word = kind == layout_kind::struct_ ? "struct " : "union ";
                    if (const layout* body = names_.find(records(kind), tag)) {
                        out.type = *body;
                    } else {
                        out.incomplete = word + tag;
                        out.tag = *opaque;
                    }
                } else {
                    break;
                }
                have_type = true;
                next();
            } else {
                break;
            }
        }
        const bool any = have_type || !base.empty() || sign != 0 || longs + shorts + ints != 0;
        if (!any) {
            const token& t = peek();
            if (t.kind == token_kind::identifier) error(t, "unknown type name " + describe(t));
            error(t, "expected a type, found " + describe(t));
        }
        if (have_type) {
            if (sign != 0 || longs + shorts + ints != 0)
                error(out.where, "'signed', 'unsigned', 'short', 'long' or 'int' with " + out.type.name());
            return out;
        }
        out.type = builtin(base, sign, longs, shorts, ints, out.where);
        return out;
    }

    layout builtin(const std::string& base, int sign, int longs, int shorts, int ints,
                   const token& at) const {
        const auto bad = [&] { error(at, "invalid combination of type specifiers"); };
        if (base == "void" || base == "float" || base == "bool" || base == "_Bool") {
            if (sign != 0 || longs + shorts + ints != 0) bad();
            if (base == "void") return layout();
            if (base == "float") return layout::of_scalar(scalar_kind::float32);
            return layout::of_scalar(scalar_kind::boolean);
        }
        if (base == "double") {
            if (sign != 0 || shorts + ints != 0 || longs > 1) bad();
            if (longs == 1) error(at, "long double is not supported");
            return layout::of_scalar(scalar_kind::float64);
        }
        if (base == "char") {
            if (longs + shorts + ints != 0) bad();
            if (sign == 0) return layout::of_scalar(scalar_kind::character);
            return layout::of_scalar(sign > 0 ? scalar_kind::uint8 : scalar_kind::int8);
        }
        if (ints > 1 || (shorts && longs) || shorts > 1) bad();
        const bool u = sign > 0;
        if (shorts) return layout::of_scalar(u ? scalar_kind_of<unsigned short>() : scalar_kind_of<short>());
        if (longs == 2)
            return layout::of_scalar(u ? scalar_kind_of<unsigned long long>() : scalar_kind_of<long long>());
        if (longs == 1) return layout::of_scalar(u ? scalar_kind_of<unsigned long>() : scalar_kind_of<long>());
        return layout::of_scalar(u ? scalar_kind_of<unsigned>() : scalar_kind_of<int>());
    }

    // struct/union [attributes] [tag] [{ members }] [attributes]
    void record(specifier& out, layout_kind kind) {
        const depth_guard guard(*this);
        const char* word = kind == layout_kind::struct_ ? "struct " : "union ";
        const auto defined = records(kind);
        const auto declared = kind == layout_kind::struct_ ? &name_table::declared_structs
                                                           : &name_table::declared_unions;
        field_options record_options;
        attributes(record_options);
        std::string tag;
        const token tag_token = peek();
        if (peek().kind == token_kind::identifier && !is("__attribute__")) tag = std::string(next().text);
        if (!is("{")) {
            if (tag.empty()) error(peek(), std::string("expected a tag name or '{' after '") + word + "', found " + describe(peek()));
            if (const layout* found = names_.find(defined, tag)) {
                out.type = *found;
            } else {
                if (!read_only_) (names_.staged.*declared).insert(tag);
                out.incomplete = word + tag;
                out.tag = std::pair(kind, tag);
                out.type = layout();
            }
            return;
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
                error(peek(), "the flexible array member '" + flexible + "' must be the last member");
            flexible = member(builder, kind);
        }
        attributes(record_options);
        if (record_options.packed) builder.pack(1);
        else if (pack != 0) builder.pack(pack);
        if (record_options.aligned != 0) builder.align(record_options.aligned);
        out.type = builder.build();
        if (!tag.empty()) {
            (names_.staged.*defined).emplace(tag, out.type);
            (names_.staged.*declared).insert(tag);
        }
    }

    /// One member declaration; returns the name of a flexible array member in it.
    std::string member(layout_builder& builder, layout_kind kind) {
        const specifier spec = specifiers();
        if (accept(";")) {
            if (!spec.type.is_record() || spec.type.name().find("<anonymous>") == std::string::npos)
                error(spec.where, "a member declaration without a name");
            builder.add({}, spec.type);
            return {};
        }
        std::string flexible;
        do {
            if (!flexible.empty())
                error(peek(), "the flexible array member '" + flexible + "' must be the last member");
            in_member_ = kind == layout_kind::struct_;
            const declarator d = declare(spec, true);
            in_member_ = false;
            if (d.flexible) flexible = d.name;
            if (is(":")) error(peek(), "bit-fields are not supported");
            try {
                builder.add(d.name, d.type, d.options);
            } catch (const bad_argument& e) {
                error(d.where, e.what());
            }
        } while (accept(","));
        expect(";", "after the member");
        return flexible;
    }

    // enum [tag] [{ A [= expr], ... }]: an int, its enumerators become constants.
    layout enumeration() {
        std::string tag;
        if (peek().kind == token_kind::identifier) tag = std::string(next().text);
        const layout type = layout::of_scalar(scalar_kind_of<int>()).renamed(
            tag.empty() ? "enum <anonymous>" : "enum " + tag);
        if (!accept("{")) {
            if (tag.empty()) error(peek(), "expected a tag name or '{' after 'enum', found " + describe(peek()));
            return type;
        }
        if (read_only_) error(peek(), "a type name cannot define a type");
        std::int64_t value = 0;
        while (!accept("}")) {
            const token& name = next();
            if (name.kind != token_kind::identifier) error(name, "expected an enumerator name, found " + describe(name));
            if (accept("=")) value = expression();
            if (value < INT32_MIN || value > UINT32_MAX)
                error(name, "enumerator value " + std::to_string(value) + " does not fit an int");
            if (names_.contains(&name_table::constants, name.text))
                error(name, "redefinition of " + describe(name));
            names_.staged.constants.emplace(std::string(name.text), value);
            ++value;
            if (!accept(",")) {
                expect("}", "after the enumerators");
                break;
            }
        }
        if (!tag.empty()) names_.staged.enums.insert(tag);
        return type;
    }

    // __attribute__((packed)), ((aligned(n))), ((aligned)), with __x__ spellings.
    void attributes(field_options& options) {
        while (is("__attribute__") || is("__attribute")) {
            next();
            expect("(", "after __attribute__");
            expect("(", "after __attribute__(");
            do {
                if (is(")")) break;
                const token& a = next();
                if (a.text == "packed" || a.text == "__packed__") {
                    options.packed = true;
                } else if (a.text == "aligned" || a.text == "__aligned__") {
                    std::int64_t n = alignof(std::max_align_t);
                    if (accept("(")) {
                        n = expression();
                        expect(")", "after the alignment");
                    }
                    if (n <= 0 || n > (1 << 28) || (n & (n - 1)) != 0)
                        error(a, "alignment " + std::to_string(n) + " is not a power of two");
                    options.aligned = std::max(options.aligned, static_cast<std::size_t>(n));
                } else {
                    error(a, "unsupported attribute " + describe(a));
                }
            } while (accept(","));
            expect(")", "to close the attribute list");
            expect(")", "to close __attribute__");
        }
    }

    // ---- declarators --------------------------------------------------------------
    // pointers, then a name (or (*name)(...) for a function pointer), then [n]...
    declarator declare(const specifier& spec, bool named, bool allow_opaque = false) {
        declarator d{{}, spec.type, {}, peek(), std::nullopt, false};
        int pointers = 0;
        while (accept("*")) {
            ++pointers;
            while (accept("const") || accept("volatile") || accept("restrict") || accept("__restrict")) {}
        }
        bool function_pointer = false;
        if (is("(") && is("*", 1)) {
            next();
            next();
            function_pointer = true;
        }
        d.where = peek();
        if (named && peek().kind == token_kind::identifier && !is("__attribute__")) {
            d.name = std::string(next().text);
        } else if (named) {
            error(peek(), "expected a name, found " + describe(peek()));
        }
        std::vector<std::size_t> dims = dimensions(d.flexible);
        if (d.flexible && !in_member_)
            error(d.where, "an array without a size is only allowed as a struct's last member");
        if (function_pointer) {
            expect(")", "after the function pointer's name");
            skip_parameters();
        } else if (is("(")) {
            error(peek(), "function declarations are not supported");
        }
        attributes(d.options);
        if (function_pointer) {
            d.type = layout::pointer_to(spec.type.name() + " (*)()");
        } else if (pointers > 0) {
            std::string pointee = spec.incomplete.empty() ? spec.type.name() : spec.incomplete;
            for (int i = 1; i < pointers; ++i) pointee += pointee.ends_with('*') ? "*" : " *";
            d.type = layout::pointer_to(pointee);
        } else if (!spec.incomplete.empty()) {
            if (!allow_opaque || !dims.empty())
                error(d.where, spec.incomplete + " has no definition (only a pointer to it can be used)");
            d.opaque = spec.tag;
        } else if (spec.type.kind() == layout_kind::void_) {
            error(d.where, "'" + d.name + "' cannot have type void");
        }
        for (auto i = dims.rbegin(); i != dims.rend(); ++i) {
            try {
                d.type = layout::array_of(d.type, *i);
            } catch (const bad_argument& e) {
                error(d.where, e.what());
            }
        }
        if (d.type.name().size() > max_type_name)
            error(d.where, "the type's C spelling is longer than " + std::to_string(max_type_name) +
                               " characters");
        return d;
    }

    // [n]...; a first [] is a flexible array member (C99), counted as 0 elements.
    std::vector<std::size_t> dimensions(bool& flexible) {
        std::vector<std::size_t> dims;
        while (is("[")) {
            const token& open = next();
            if (dims.empty() && accept("]")) {
                flexible = true;
                dims.push_back(0);
                continue;
            }
            const std::int64_t n = expression();
            if (n < 0) error(open, "array size " + std::to_string(n) + " is negative");
            dims.push_back(static_cast<std::size_t>(n));
            expect("]", "after the array size");
        }
        return dims;
    }

    void skip_parameters() {
        expect("(", "for the function pointer's parameters");
        int open = 1;
        while (open > 0) {
            const token& t = next();
            if (t.kind == token_kind::end) error(t, "expected ')' to close the parameter list");
            if (t.text == "(") ++open;
            if (t.text == ")") --open;
        }
    }

    // A type name: specifiers, pointers, array sizes ("unsigned char *", "int[4]").
    layout type_name() override {
        const specifier spec = specifiers();
        return declare(spec, false).type;
    }

    static name_map<layout> name_table::*records(layout_kind kind) noexcept {
        return kind == layout_kind::struct_ ? &name_table::structs : &name_table::unions;
    }

    bool read_only_ = false;
    bool in_member_ = false;  // declaring a struct member: a flexible array is allowed
};

}  // namespace memreg::cdecl::detail
