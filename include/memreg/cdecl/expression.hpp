// memreg/cdecl/expression.hpp — integer constant expressions in C declarations
// (array sizes, bit-field widths, enumerator values, initializers of static const
// integers, pack and aligned arguments), evaluated with C's types: literals with
// their suffixes, character literals, enumerators and constants, casts, sizeof (of a
// type or of an expression), _Alignof/__alignof__, and every C operator but the
// assignment and comma ones. Unsigned arithmetic wraps as in C, and a left shift
// as GNU C defines it; a signed overflow, a division by zero or a shift past the
// width is refused. Internal to cdecl.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "../layout.hpp"
#include "lexer.hpp"
#include "names.hpp"

namespace memreg::cdecl::detail {

/// A value with its C type: `size` bytes (1, 2, 4 or 8), signed or not. The bits
/// are kept in `bits`, already truncated (and sign-extended) to the type.
struct cvalue {
    std::uint64_t bits = 0;
    std::uint8_t size = 4;
    bool is_unsigned = false;

    [[nodiscard]] std::int64_t as_signed() const noexcept { return static_cast<std::int64_t>(bits); }
    [[nodiscard]] bool truth() const noexcept { return bits != 0; }
    [[nodiscard]] bool negative() const noexcept { return !is_unsigned && as_signed() < 0; }
    [[nodiscard]] std::string text() const {
        return is_unsigned ? std::to_string(bits) : std::to_string(as_signed());
    }

    /// The value converted to a type of `n` bytes (C's conversion: modulo 2^(8n)).
    [[nodiscard]] static cvalue make(std::uint64_t raw, std::uint8_t n, bool u) noexcept {
        cvalue out{raw, n, u};
        if (n < 8) {
            const std::uint64_t mask = (std::uint64_t{1} << (8 * n)) - 1;
            out.bits &= mask;
            if (!u && (out.bits >> (8 * n - 1)) != 0) out.bits |= ~mask;  // sign-extend
        }
        return out;
    }
    [[nodiscard]] static cvalue of_int(std::int64_t v) noexcept {
        return make(static_cast<std::uint64_t>(v), 4, false);
    }
};

class expression_parser : protected cursor {
protected:
    expression_parser(std::string_view text, scope& state, const char* operation)
        : cursor(text, operation), names_(state) {}
    ~expression_parser() = default;

    /// A type name, for casts, sizeof and alignof; the declaration parser provides it.
    virtual layout type_name() = 0;
    /// Whether the token at `ahead` starts a type name (a cast, sizeof(type)).
    [[nodiscard]] virtual bool starts_type(std::size_t ahead) const = 0;

    /// An integer constant expression as int64 (an unsigned one above INT64_MAX is
    /// refused where a signed value is needed).
    std::int64_t expression() {
        const token& at = peek();
        const cvalue v = conditional();
        if (v.is_unsigned && v.bits > static_cast<std::uint64_t>(INT64_MAX))
            error(at, "the constant " + v.text() + " is too large");
        return v.as_signed();
    }

    // a ? b : c, right-associative
    cvalue conditional() {
        const depth_guard guard(*this);
        const cvalue c = binary(0);
        if (!is("?")) return c;
        next();
        const cvalue a = conditional();
        expect(":", "in the conditional expression");
        const cvalue b = conditional();
        const cvalue common = promote(a, b);
        return convert(c.truth() ? a : b, common.size, common.is_unsigned);
    }

    // Precedence levels, lowest first: || && | ^ & == != < > <= >= << >> + - * / %
    cvalue binary(int level) {
        static constexpr std::string_view ops[][4] = {
            {"||", "", "", ""}, {"&&", "", "", ""}, {"|", "", "", ""},   {"^", "", "", ""},
            {"&", "", "", ""},  {"==", "!=", "", ""}, {"<", ">", "<=", ">="}, {"<<", ">>", "", ""},
            {"+", "-", "", ""}, {"*", "/", "%", ""}};
        if (level == 10) return unary();
        cvalue left = binary(level + 1);
        for (;;) {
            std::string_view op;
            for (std::string_view o : ops[level])
                if (!o.empty() && is(o)) op = o;
            if (op.empty()) return left;
            const token& at = next();
            const cvalue right = binary(level + 1);
            left = apply(op, left, right, at);
        }
    }

    /// The usual arithmetic conversions of two integer operands (after promotion).
    static cvalue promote(const cvalue& a, const cvalue& b) noexcept {
        const std::uint8_t n = std::max<std::uint8_t>({a.size, b.size, 4});
        const bool u = (a.size == n && a.is_unsigned) || (b.size == n && b.is_unsigned);
        return cvalue{0, n, u};
    }
    static cvalue convert(const cvalue& v, std::uint8_t n, bool u) noexcept {
        return cvalue::make(v.bits, n, u);
    }

    cvalue apply(std::string_view op, cvalue a, cvalue b, const token& at) const {
        if (op == "||") return cvalue::of_int(a.truth() || b.truth());
        if (op == "&&") return cvalue::of_int(a.truth() && b.truth());
        if (op == "<<" || op == ">>") {
            const cvalue t = promote(a, a);  // the left operand's promoted type
            a = convert(a, t.size, t.is_unsigned);
            if (b.negative() || b.bits >= 8u * t.size)
                error(at, "shift by " + b.text() + " bits of a " + std::to_string(8 * t.size) +
                              "-bit value");
            if (op == ">>") {
                if (t.is_unsigned) return cvalue::make(a.bits >> b.bits, t.size, true);
                return cvalue::make(static_cast<std::uint64_t>(a.as_signed() >> b.bits), t.size, false);
            }
            // GNU C defines << of a signed value as on the two's complement bits
            // (glibc writes `1 << 31`), so it wraps like the unsigned shift.
            return cvalue::make(a.bits << b.bits, t.size, t.is_unsigned);
        }
        const cvalue t = promote(a, b);
        a = convert(a, t.size, t.is_unsigned);
        b = convert(b, t.size, t.is_unsigned);
        if (op == "==") return cvalue::of_int(a.bits == b.bits);
        if (op == "!=") return cvalue::of_int(a.bits != b.bits);
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            const int c = t.is_unsigned ? (a.bits < b.bits ? -1 : a.bits > b.bits)
                                        : (a.as_signed() < b.as_signed() ? -1 : a.as_signed() > b.as_signed());
            const bool r = op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0;
            return cvalue::of_int(r);
        }
        if (op == "|") return cvalue::make(a.bits | b.bits, t.size, t.is_unsigned);
        if (op == "^") return cvalue::make(a.bits ^ b.bits, t.size, t.is_unsigned);
        if (op == "&") return cvalue::make(a.bits & b.bits, t.size, t.is_unsigned);
        if ((op == "/" || op == "%") && b.bits == 0) error(at, "division by zero");
        if (t.is_unsigned) {
            std::uint64_t r = 0;
            if (op == "+") r = a.bits + b.bits;
            else if (op == "-") r = a.bits - b.bits;
            else if (op == "*") r = a.bits * b.bits;
            else if (op == "/") r = a.bits / b.bits;
            else r = a.bits % b.bits;
            return cvalue::make(r, t.size, true);
        }
        const std::int64_t x = a.as_signed(), y = b.as_signed();
        std::int64_t r = 0;
        bool bad = false;
        if (op == "+") bad = __builtin_add_overflow(x, y, &r);
        else if (op == "-") bad = __builtin_sub_overflow(x, y, &r);
        else if (op == "*") bad = __builtin_mul_overflow(x, y, &r);
        else if (x == INT64_MIN && y == -1) bad = true;
        else r = op == "/" ? x / y : x % y;
        if (t.size == 4 && (r < INT32_MIN || r > INT32_MAX)) bad = true;
        if (bad) error(at, "the constant expression overflows");
        return cvalue::make(static_cast<std::uint64_t>(r), t.size, false);
    }

    /// What sizeof or a cast needs of a type: its size, and whether it is unsigned.
    static cvalue type_shape(const layout& type) noexcept {
        bool u = true;
        if (type.is_scalar()) {
            const scalar_kind k = type.scalar();
            u = !(k == scalar_kind::int8 || k == scalar_kind::int16 || k == scalar_kind::int32 ||
                  k == scalar_kind::int64 || (k == scalar_kind::character && static_cast<char>(-1) < 0));
        }
        const std::size_t n = type.size();
        return cvalue{0, static_cast<std::uint8_t>(n == 1 || n == 2 || n == 4 ? n : 8), u};
    }

    cvalue unary() {
        const depth_guard guard(*this);
        const token& t = next();
        const std::string_view w = t.text;
        if (t.kind == token_kind::punct) {
            if (w == "-" || w == "+" || w == "~" || w == "!") {
                cvalue v = unary();
                const cvalue p = promote(v, v);
                v = convert(v, p.size, p.is_unsigned);
                if (w == "!") return cvalue::of_int(!v.truth());
                if (w == "+") return v;
                if (w == "~") return cvalue::make(~v.bits, v.size, v.is_unsigned);
                if (!v.is_unsigned && (v.size == 8 ? v.as_signed() == INT64_MIN : v.as_signed() == INT32_MIN))
                    error(t, "the constant expression overflows");
                return cvalue::make(0 - v.bits, v.size, v.is_unsigned);
            }
            if (w == "(") {
                if (starts_type(0)) {  // a cast: (type) operand
                    const layout type = type_name();
                    expect(")", "after the cast's type");
                    if (!type.is_scalar() || type.scalar() == scalar_kind::float32 ||
                        type.scalar() == scalar_kind::float64)
                        error(t, "a cast to " + type.name() + " in a constant expression");
                    const cvalue shape = type_shape(type);
                    const cvalue v = unary();
                    if (type.scalar() == scalar_kind::boolean) return cvalue::make(v.truth(), 1, true);
                    return convert(v, shape.size, shape.is_unsigned);
                }
                const cvalue v = conditional();
                expect(")", "to close the parenthesis");
                return v;
            }
        }
        if (t.kind == token_kind::number) return number(t);
        if (t.kind == token_kind::character) return character(t);
        if (t.kind == token_kind::identifier) {
            if (w == "__extension__") return unary();
            if (w == "sizeof" || w == "alignof" || w == "_Alignof" || w == "__alignof__" ||
                w == "__alignof") {
                const bool size = w == "sizeof";
                if (is("(") && starts_type(1)) {
                    next();
                    const token& at = peek();
                    const layout type = type_name();
                    expect(")", "after the type");
                    if (size && type.is_variable())
                        error(at, "sizeof(" + type.name() + "): a variable-length type has no size without a count");
                    return cvalue::make(size ? type.size() : type.alignment(), 8, true);
                }
                // sizeof of an expression: the size of its type (integers only here).
                const cvalue v = unary();
                return cvalue::make(v.size, 8, true);
            }
            if (const std::int64_t* v = names_.find(&name_table::constants, w)) {
                const bool fits = *v >= INT32_MIN && *v <= INT32_MAX;
                return cvalue::make(static_cast<std::uint64_t>(*v), fits ? 4 : 8, false);
            }
            error(t, "unknown constant " + describe(t));
        }
        error(t, "expected a constant, found " + describe(t));
    }

    // Decimal, 0x hex or 0 octal, with u/l/ll suffixes, typed as C types them.
    cvalue number(const token& t) const {
        std::string_view s = t.text;
        bool u = false;
        int longs = 0;
        while (!s.empty()) {
            const char c = s.back();
            if ((c == 'u' || c == 'U') && !u) u = true;
            else if ((c == 'l' || c == 'L') && longs < 2) ++longs;
            else break;
            s.remove_suffix(1);
        }
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
            if (v > (UINT64_MAX - digit) / base) error(t, "number " + describe(t) + " is too large");
            v = v * base + digit;
        }
        // C11 6.4.4.1: the first type of int, unsigned int (not for decimal), long,
        // unsigned long (not for decimal without u) that holds the value.
        const bool decimal = base == 10;
        if (longs == 0) {
            if (!u && v <= INT32_MAX) return cvalue::make(v, 4, false);
            if ((u || !decimal) && v <= UINT32_MAX) return cvalue::make(v, 4, true);
        }
        if (!u && v <= static_cast<std::uint64_t>(INT64_MAX)) return cvalue::make(v, 8, false);
        if (u || !decimal) return cvalue::make(v, 8, true);
        error(t, "number " + describe(t) + " is too large for any integer type");
    }

    // 'a', '\n', '\0', '\x41', '\101': an int (a plain char's value, sign-extended).
    cvalue character(const token& t) const {
        const std::string_view s = t.text.substr(1, t.text.size() - 2);
        if (s.empty()) error(t, "an empty character literal");
        std::uint64_t v = 0;
        std::size_t used = 1;
        if (s[0] != '\\') {
            v = static_cast<unsigned char>(s[0]);
        } else if (s.size() < 2) {
            error(t, "malformed character literal " + describe(t));
        } else if (s[1] == 'x') {
            used = 2;
            while (used < s.size() && used < 4 &&
                   ((s[used] >= '0' && s[used] <= '9') || (s[used] >= 'a' && s[used] <= 'f') ||
                    (s[used] >= 'A' && s[used] <= 'F'))) {
                const char c = s[used++];
                v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            if (used == 2) error(t, "malformed character literal " + describe(t));
        } else if (s[1] >= '0' && s[1] <= '7') {
            used = 1;
            while (used < s.size() && used < 4 && s[used] >= '0' && s[used] <= '7')
                v = v * 8 + static_cast<unsigned>(s[used++] - '0');
            if (v > 255) error(t, "malformed character literal " + describe(t));
        } else {
            static constexpr std::string_view from = "ntrabfve\\'\"?", to = "\n\t\r\a\b\f\v\x1b\\'\"?";
            const std::size_t k = from.find(s[1]);
            if (k == std::string_view::npos) error(t, "unknown escape in " + describe(t));
            v = static_cast<unsigned char>(to[k]);
            used = 2;
        }
        if (used != s.size()) error(t, "a character literal of more than one character: " + describe(t));
        return cvalue::make(cvalue::make(v, 1, static_cast<char>(-1) >= 0).bits, 4, false);
    }

    scope& names_;
};

}  // namespace memreg::cdecl::detail
