// memreg/error.hpp — the exceptions every checked operation throws.
//
// Messages name the operation and the numbers involved, e.g.
//   "subregion(offset=12, count=8): outside region of size 16".
// The throw helpers are out of line and cold so that a check costs one compare
// and one predictable branch at the call site.
//
// Every check reports through MEMREG_THROW(exception). With exceptions (the
// default) that is `throw exception`. Compiled with -fno-exceptions it calls the
// error handler with the exception object instead — by default one that prints
// "memreg: " and the message the exception would carry to stderr and calls
// std::abort() — see set_error_handler(). The handler must not return; if it does,
// std::abort() is called. A program may also define MEMREG_THROW itself, before
// including any memreg header, to an expression that does not return.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

// 1 when the compiler throws exceptions (not -fno-exceptions); a program may
// define it to 0 itself, before including memreg, to use the error handler anyway.
#ifndef MEMREG_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define MEMREG_EXCEPTIONS 1
#else
#define MEMREG_EXCEPTIONS 0
#endif
#endif

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

/// What a failed check calls when memreg is built without exceptions: it is given
/// the exception that would have been thrown (its what() is the message; its type
/// one of the classes above, or pack's). It must not return (abort, exit, or a
/// longjmp that abandons the memreg operation); if it does, std::abort() is called.
using error_handler = void (*)(const std::exception& e);

namespace detail {

/// The default handler: "memreg: <message>" on stderr, then std::abort().
[[noreturn]] inline void print_and_abort(const std::exception& e) {
    std::fputs("memreg: ", stderr);
    std::fputs(e.what(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    std::abort();
}

inline std::atomic<error_handler> current_error_handler{&print_and_abort};

}  // namespace detail

/// Sets the handler failed checks call without exceptions (nullptr: the default
/// one, print and abort); returns the one it replaces. Thread-safe; with exceptions
/// on, checks throw and never call it.
inline error_handler set_error_handler(error_handler handler) noexcept {
    return detail::current_error_handler.exchange(handler != nullptr ? handler : &detail::print_and_abort);
}

/// The handler failed checks call without exceptions.
[[nodiscard]] inline error_handler get_error_handler() noexcept {
    return detail::current_error_handler.load();
}

namespace detail {

/// The classes a handler of on_error<C> can name, as bits: on_error<C> catches an
/// E when error_kinds<E> has error_kinds<C>'s bit (E is, or derives from, C).
template <class E>
inline constexpr unsigned error_kinds =
    (std::is_base_of_v<std::exception, E> ? 1u << 0 : 0u) | (std::is_base_of_v<error, E> ? 1u << 1 : 0u) |
    (std::is_base_of_v<out_of_range, E> ? 1u << 2 : 0u) | (std::is_base_of_v<bad_alignment, E> ? 1u << 3 : 0u) |
    (std::is_base_of_v<invalidated, E> ? 1u << 4 : 0u) | (std::is_base_of_v<bad_argument, E> ? 1u << 5 : 0u) |
    (std::is_base_of_v<corruption, E> ? 1u << 6 : 0u) | (std::is_base_of_v<file_error, E> ? 1u << 7 : 0u) |
    (std::is_base_of_v<parse_error, E> ? 1u << 8 : 0u) |
    (std::is_base_of_v<allocation_failure, E> ? 1u << 9 : 0u);

/// Without exceptions, the innermost on_error() in progress on this thread: a
/// failed check inside its body that it names goes to its handler, not the error
/// handler (as a catch clause would take the exception).
struct catch_frame {
    unsigned kind;  // one bit of error_kinds
    void (*handle)(const void* context, const std::exception& e);
    const void* context;
    catch_frame* outer;
};
inline thread_local catch_frame* innermost_catch = nullptr;

/// Where MEMREG_THROW goes without exceptions: the innermost on_error() that names
/// the exception's class, else the error handler; then std::abort().
template <class E>
[[noreturn, gnu::cold, gnu::noinline]] void raise(const E& e) noexcept {
    static_assert(std::is_base_of_v<std::exception, E>, "memreg raises std::exception classes only");
    for (catch_frame* f = innermost_catch; f != nullptr; f = f->outer) {
        if ((error_kinds<E> & f->kind) != 0) {
            innermost_catch = f->outer;  // as leaving the try block
            f->handle(f->context, e);
            std::abort();  // a handler of on_error must raise, not return
        }
    }
    current_error_handler.load()(e);
    std::abort();
}

}  // namespace detail
}  // namespace memreg

#ifndef MEMREG_THROW
#if MEMREG_EXCEPTIONS
#define MEMREG_THROW(...) throw __VA_ARGS__
#else
#define MEMREG_THROW(...) ::memreg::detail::raise(__VA_ARGS__)
#endif
#endif

namespace memreg {
namespace detail {

/// `try { body(); } catch (const C& e) { handler(e); }` that works without
/// exceptions too: there a failed check of class C inside body() calls handler,
/// which must itself raise (MEMREG_THROW) — it cannot resume after the check.
/// With exceptions it is exactly that try/catch. C is one of error.hpp's classes.
template <class C, class Body, class Handler>
void on_error(Body&& body, Handler&& handler) {
    static_assert(std::is_same_v<C, std::exception> || std::is_same_v<C, error> ||
                      std::is_same_v<C, out_of_range> || std::is_same_v<C, bad_alignment> ||
                      std::is_same_v<C, invalidated> || std::is_same_v<C, bad_argument> ||
                      std::is_same_v<C, corruption> || std::is_same_v<C, file_error> ||
                      std::is_same_v<C, parse_error> || std::is_same_v<C, allocation_failure>,
                  "on_error catches one of error.hpp's classes");
#if MEMREG_EXCEPTIONS
    try {
        body();
    } catch (const C& e) {
        handler(e);
    }
#else
    using handler_type = const std::remove_reference_t<Handler>;
    struct frame_guard {
        explicit frame_guard(const catch_frame& f) noexcept : frame(f) { innermost_catch = &frame; }
        frame_guard(const frame_guard&) = delete;
        frame_guard& operator=(const frame_guard&) = delete;
        ~frame_guard() { innermost_catch = frame.outer; }  // body() returned
        catch_frame frame;
    };
    const frame_guard guard(catch_frame{std::bit_floor(error_kinds<C>),  // C's own bit: the highest
                                        [](const void* context, const std::exception& e) {
                                            (*static_cast<handler_type*>(context))(static_cast<const C&>(e));
                                        },
                                        std::addressof(handler), innermost_catch});
    body();
#endif
}

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
    MEMREG_THROW(out_of_range(message(operation)
                                  .arg("offset", offset)
                                  .arg("count", count)
                                  .because("outside region of size " + std::to_string(size))));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_index(const char* operation,
                                                               std::size_t index,
                                                               std::size_t size) {
    MEMREG_THROW(out_of_range(
        message(operation).arg("index", index).because("outside region of size " + std::to_string(size))));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_count(const char* operation,
                                                               std::size_t count,
                                                               std::size_t size) {
    MEMREG_THROW(out_of_range(
        message(operation).arg("count", count).because("longer than region of size " + std::to_string(size))));
}

}  // namespace detail
}  // namespace memreg
