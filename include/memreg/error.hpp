// memreg/error.hpp — the exceptions every checked operation throws.
//
// Messages name the operation and the numbers involved, e.g.
//   "subregion(offset=12, count=8): outside region of size 16".
// The throw helpers are out of line and cold so that a check costs one compare
// and one predictable branch at the call site.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace memreg {

/// Base of every error memreg reports for misuse or a failed system call.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An offset, count or size outside a region (or an overflowing one).
class out_of_range : public error {
public:
    using error::error;
};

/// An alignment that is not a power of two, or an address or size that does not
/// meet the alignment a type needs.
class bad_alignment : public error {
public:
    using error::error;
};

/// A region used after the memory behind it was freed, rewound or remapped.
class invalidated : public error {
public:
    using error::error;
};

/// A value that does not fit what it is stored into, or an unknown name.
class bad_argument : public error {
public:
    using error::error;
};

/// An allocator's internal structures are inconsistent (double free, a block it
/// does not own, an overwritten header), found by a check or by validate().
class corruption : public error {
public:
    using error::error;
};

/// A failed operation on a file or shared-memory object; carries the system's code.
class file_error : public error {
public:
    file_error(const std::string& what, std::error_code code, std::string path)
        : error(what), code_(code), path_(std::move(path)) {}
    [[nodiscard]] const std::error_code& code() const noexcept { return code_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::error_code code_;
    std::string path_;
};

/// Text (a C declaration, a format string) that could not be parsed.
class parse_error : public error {
public:
    parse_error(const std::string& what, std::size_t line, std::size_t column)
        : error(what), line_(line), column_(column) {}
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    [[nodiscard]] std::size_t column() const noexcept { return column_; }

private:
    std::size_t line_;
    std::size_t column_;
};

/// An allocation that could not be satisfied.
///
/// Derives from std::bad_alloc, not from memreg::error: code that handles
/// out-of-memory (std containers, operator new callers) expects bad_alloc, and a
/// class cannot derive from both without two std::exception bases, which would make
/// `catch (const std::exception&)` miss it. Running out of memory is not misuse.
class allocation_failure : public std::bad_alloc {
public:
    explicit allocation_failure(std::string what) : what_(std::move(what)) {}
    [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string what_;
};

namespace detail {

/// Builds "op(name=value, name=value)" — the start of every memreg message.
class message {
public:
    explicit message(std::string_view operation) : text_(operation) { text_ += '('; }

    // uint64_t: sizes, and file offsets, which are 64-bit where size_t is not.
    message& arg(std::string_view name, std::uint64_t value) {
        separate();
        text_.append(name).append("=").append(std::to_string(value));
        return *this;
    }
    message& arg(std::string_view name, std::string_view value) {
        separate();
        text_.append(name).append("=").append(value);
        return *this;
    }
    /// Closes the argument list and appends ": reason".
    std::string because(std::string_view reason) {
        text_.append("): ").append(reason);
        return std::move(text_);
    }

private:
    void separate() {
        if (text_.back() != '(') text_ += ", ";
    }
    std::string text_;
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_outside(const char* operation,
                                                                 std::size_t offset,
                                                                 std::uint64_t count,
                                                                 std::size_t size) {
    throw out_of_range(message(operation)
                           .arg("offset", offset)
                           .arg("count", count)
                           .because("outside region of size " + std::to_string(size)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_index(const char* operation,
                                                               std::size_t index,
                                                               std::size_t size) {
    throw out_of_range(
        message(operation).arg("index", index).because("outside region of size " +
                                                        std::to_string(size)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_count(const char* operation,
                                                               std::size_t count,
                                                               std::size_t size) {
    throw out_of_range(
        message(operation).arg("count", count).because("longer than region of size " +
                                                        std::to_string(size)));
}

}  // namespace detail
}  // namespace memreg
