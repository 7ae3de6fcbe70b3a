// memreg/cdecl/expression.hpp — integer constant expressions in C declarations
// (array sizes, enumerator values, pack and aligned arguments): literals,
// enumerators, sizeof/alignof(type) and the C operators, over int64 with overflow
// refused. Internal to cdecl.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "../layout.hpp"
#include "lexer.hpp"
#include "names.hpp"

namespace memreg::cdecl::detail {

class expression_parser : protected cursor {
protected:
    expression_parser(std::string_view text, scope& state, const char* operation)
        : cursor(text, operation), names_(state) {}
    ~expression_parser() = default;

    /// A type name, for sizeof and alignof; the declaration parser provides it.
    virtual layout type_name() = 0;

    // | ^ & << >> + - * / % and unary - + ~
    // | & << >> + - * / % and unary - + ~ over int64, with overflow refused.
    std::int64_t expression(int level = 0) {
        static constexpr std::string_view ops[][3] = {
            {"|", "", ""}, {"^", "", ""}, {"&", "", ""}, {"<<", ">>", ""}, {"+", "-", ""}, {"*", "/", "%"}};
        if (level == 6) return unary();
        std::int64_t left = expression(level + 1);
        for (;;) {
            std::string_view op;
            for (std::string_view o : ops[level])
                if (!o.empty() && is(o)) op = o;
            if (op.empty()) return left;
            const token& at = next();
            const std::int64_t right = expression(level + 1);
            left = apply(op, left, right, at);
        }
    }

    std::int64_t apply(std::string_view op, std::int64_t a, std::int64_t b, const token& at) const {
        std::int64_t r = 0;
        bool bad = false;
        if (op == "|") r = a | b;
        else if (op == "^") r = a ^ b;
        else if (op == "&") r = a & b;
        else if (op == "+") bad = __builtin_add_overflow(a, b, &r);
        else if (op == "-") bad = __builtin_sub_overflow(a, b, &r);
        else if (op == "*") bad = __builtin_mul_overflow(a, b, &r);
        else if (op == "<<" || op == ">>") {
            if (b < 0 || b > 62 || a < 0) bad = true;
            else if (op == ">>") r = a >> b;
            else if (a > (INT64_MAX >> b)) bad = true;
            else r = a << b;
        } else {
            if (b == 0) error(at, "division by zero");
            if (a == INT64_MIN && b == -1) bad = true;
            else r = op == "/" ? a / b : a % b;
        }
        if (bad) error(at, "the constant expression overflows");
        return r;
    }

    std::int64_t unary() {
        const depth_guard guard(*this);
        const token& t = next();
        if (t.text == "-") {
            const std::int64_t v = unary();
            if (v == INT64_MIN) error(t, "the constant expression overflows");
            return -v;
        }
        if (t.text == "+") return unary();
        if (t.text == "~") return ~unary();
        if (t.text == "(") {
            const std::int64_t v = expression();
            expect(")", "to close the parenthesis");
            return v;
        }
        if (t.kind == token_kind::number) return number(t);
        if (t.kind == token_kind::identifier) {
            if (t.text == "sizeof" || t.text == "alignof" || t.text == "_Alignof") {
                expect("(", "after " + std::string(t.text));
                const layout type = type_name();
                expect(")", "after the type");
                const std::size_t n = t.text == "sizeof" ? type.size() : type.alignment();
                return static_cast<std::int64_t>(n);
            }
            if (const std::int64_t* v = names_.find(&name_table::constants, t.text)) return *v;
            error(t, "unknown constant " + describe(t));
        }
        error(t, "expected a constant, found " + describe(t));
    }

    // Decimal, 0x hex or 0 octal, with optional u/l suffixes.
    std::int64_t number(const token& t) const {
        std::string_view s = t.text;
        while (!s.empty() && (s.back() == 'u' || s.back() == 'U' || s.back() == 'l' || s.back() == 'L'))
            s.remove_suffix(1);
        unsigned base = 10;
        if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s.remove_prefix(2);
        } else if (s.size() > 1 && s[0] == '0') {
            base = 8;
            s.remove_prefix(1);
        }
        std::uint64_t v = 0;
        for (const char c : s) {
            unsigned digit = 99;
            if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
            if (digit >= base) error(t, "malformed number " + describe(t));
            if (v > (static_cast<std::uint64_t>(INT64_MAX) - digit) / base)
                error(t, "number " + describe(t) + " is too large");
            v = v * base + digit;
        }
        return static_cast<std::int64_t>(v);
    }

    scope& names_;
};

}  // namespace memreg::cdecl::detail
