// memreg/cdecl/lexer.hpp — splits C declaration text into tokens with their line and
// column, dropping comments and white space. Internal to cdecl.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"

namespace memreg::cdecl::detail {
/// Nesting deeper than this (structs in structs, parentheses) is refused rather than
/// allowed to exhaust the stack on hostile input.
inline constexpr int max_depth = 200;
/// A type's C spelling ("struct foo **[4]") is at most this long, so that chains of
/// typedefs each adding a '*' cannot make the names cost more than linear memory.
inline constexpr std::size_t max_type_name = 1024;
}  // namespace memreg::cdecl::detail

namespace memreg::cdecl::detail {

enum class token_kind : unsigned char { end, identifier, number, punct, character, string };

struct token {
    token_kind kind = token_kind::end;
    std::string_view text;
    std::size_t line = 1;
    std::size_t column = 1;
};

/// The parse_error every cdecl failure throws: "op(line=3, column=12): reason".
[[noreturn, gnu::cold, gnu::noinline]] inline void fail(const char* operation, std::size_t line,
                                                        std::size_t column,
                                                        const std::string& reason) {
    MEMREG_THROW(parse_error(memreg::detail::message(operation)
                                 .arg("line", line)
                                 .arg("column", column)
                                 .because(reason),
                             line, column));
}

constexpr bool is_ident_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// All tokens of `text`, ending with one token_kind::end. Unknown characters become
/// one-character punctuation tokens, for the parser to reject with its position.
inline std::vector<token> tokenize(std::string_view text, const char* operation) {
    std::vector<token> out;
    std::size_t i = 0, line = 1, column = 1;
    const auto advance = [&](std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance(1);
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') advance(1);
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            const std::size_t l = line, col = column;
            const std::size_t close = text.find("*/", i + 2);
            if (close == std::string_view::npos) fail(operation, l, col, "unterminated comment");
            advance(close + 2 - i);
        } else {
            token t{token_kind::punct, {}, line, column};
            std::size_t n = 1;
            if (is_ident_start(c)) {
                t.kind = token_kind::identifier;
                while (i + n < text.size() && (is_ident_start(text[i + n]) || is_digit(text[i + n])))
                    ++n;
            } else if (is_digit(c)) {
                t.kind = token_kind::number;
                while (i + n < text.size() && (is_ident_start(text[i + n]) || is_digit(text[i + n])))
                    ++n;
            } else if (c == '\'' || c == '"') {
                // A character or string literal: up to the closing quote on this line,
                // with backslash escapes (their value is read by the expression parser).
                t.kind = c == '"' ? token_kind::string : token_kind::character;
                while (i + n < text.size() && text[i + n] != c && text[i + n] != '\n')
                    n += text[i + n] == '\\' && i + n + 1 < text.size() ? std::size_t{2} : std::size_t{1};
                if (i + n >= text.size() || text[i + n] != c)
                    fail(operation, line, column,
                         c == '"' ? "unterminated string literal" : "unterminated character literal");
                ++n;
            } else if (i + 2 < text.size() && text.substr(i, 3) == "...") {
                n = 3;
            } else if (i + 1 < text.size()) {
                static constexpr std::string_view pairs[] = {"<<", ">>", "<=", ">=", "==", "!=",
                                                             "&&", "||", "->", "::"};
                for (const std::string_view pair : pairs)
                    if (text.substr(i, 2) == pair) n = 2;
            }
            t.text = text.substr(i, n);
            out.push_back(t);
            advance(n);
        }
    }
    out.push_back({token_kind::end, {}, line, column});
    return out;
}

/// How a token reads in a message: 'int', or "the end of the text".
inline std::string describe(const token& t) {
    if (t.kind == token_kind::end) return "the end of the text";
    if (t.kind == token_kind::character || t.kind == token_kind::string) return std::string(t.text);
    return "'" + std::string(t.text) + "'";
}

/// Walks the tokens of one text and reports errors at a token's position.
class cursor {
public:
    cursor(std::string_view text, const char* operation)
        : tokens_(tokenize(text, operation)), operation_(operation) {}

protected:
    const token& peek(std::size_t ahead = 0) const {
        const std::size_t i = pos_ + ahead;
        return tokens_[i < tokens_.size() ? i : tokens_.size() - 1];
    }
    const token& next() {
        const token& t = peek();
        if (pos_ + 1 < tokens_.size()) ++pos_;
        return t;
    }
    bool is(std::string_view text, std::size_t ahead = 0) const {
        const token& t = peek(ahead);
        return t.kind != token_kind::end && t.text == text;
    }
    bool accept(std::string_view text) {
        if (!is(text)) return false;
        next();
        return true;
    }
    void expect(std::string_view text, std::string_view after) {
        if (!accept(text))
            error(peek(), "expected '" + std::string(text) + "' " + std::string(after) + ", found " +
                              describe(peek()));
    }
    [[noreturn]] void error(const token& at, const std::string& reason) const {
        fail(operation_, at.line, at.column, reason);
    }
    struct depth_guard {
        cursor& p;
        explicit depth_guard(cursor& owner) : p(owner) {
            if (++p.depth_ > max_depth) p.error(p.peek(), "nesting is too deep");
        }
        ~depth_guard() { --p.depth_; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
    };

    std::vector<token> tokens_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    const char* operation_;
};

}  // namespace memreg::cdecl::detail
