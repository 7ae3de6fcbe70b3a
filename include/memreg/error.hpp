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
//
// This header is the root of every other one, so it is kept light: no <string>,
// <stdexcept> or <atomic> (each costs more than all of this). Messages live in a
// reference-counted, immutable text (copying an exception cannot throw), built by
// a message builder that never throws either: out of memory, the text says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <type_traits>

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
namespace detail {

/// Anything with the characters at data() and their count at size():
/// std::string, std::string_view, and the like, without naming them.
template <class S>
concept string_like = requires(const S& s) {
    s.data();
    s.size();
} && std::is_convertible_v<decltype(std::declval<const S&>().data()), const char*>;

/// An immutable, reference-counted text: what every memreg exception carries, so
/// copying one (as throwing does) never allocates. Its block is one allocation:
/// the count, then the characters and a terminating zero.
class shared_text {
public:
    shared_text() noexcept = default;
    shared_text(const char* text, std::size_t size) noexcept {
        if (auto* block = static_cast<char*>(std::malloc(header + size + 1))) {
            if (size != 0) std::memcpy(block + header, text, size);
            block[header + size] = '\0';
            adopt(block);
        }
    }
    shared_text(const shared_text& other) noexcept : block_(other.block_) {
        if (block_ != nullptr) __atomic_add_fetch(count(), 1, __ATOMIC_RELAXED);
    }
    shared_text& operator=(const shared_text& other) noexcept {
        shared_text copy(other);
        swap(copy);
        return *this;
    }
    ~shared_text() {
        if (block_ != nullptr && __atomic_sub_fetch(count(), 1, __ATOMIC_ACQ_REL) == 0) std::free(block_);
    }

    /// The text; when there was no memory to hold it, a sentence saying so.
    [[nodiscard]] const char* c_str() const noexcept {
        return block_ != nullptr ? block_ + header : "memreg: no memory left for the error message";
    }

    /// Takes over a block laid out as shared_text's (the message builder's buffer),
    /// its characters already terminated.
    static shared_text adopt_block(char* block) noexcept {
        shared_text t;
        t.adopt(block);
        return t;
    }
    /// Bytes before the characters in a block.
    static constexpr std::size_t header = sizeof(std::size_t);

private:
    void adopt(char* block) noexcept {
        block_ = block;
        *count() = 1;
    }
    std::size_t* count() const noexcept { return reinterpret_cast<std::size_t*>(block_); }
    void swap(shared_text& other) noexcept {
        char* b = block_;
        block_ = other.block_;
        other.block_ = b;
    }
    char* block_ = nullptr;
};

/// What an exception's constructor accepts as its message: a C string, any
/// string-like value (copied), or a message builder's finished text (shared).
class text_source {
public:
    text_source(const char* text) noexcept  // NOLINT(google-explicit-constructor)
        : text_(text, std::strlen(text)) {}
    template <string_like S>
    text_source(const S& text) noexcept  // NOLINT(google-explicit-constructor)
        : text_(text.data(), static_cast<std::size_t>(text.size())) {}
    text_source(shared_text text) noexcept : text_(static_cast<shared_text&&>(text)) {}  // NOLINT

    [[nodiscard]] shared_text take() const noexcept { return text_; }

private:
    shared_text text_;
};

/// A standard exception class with a shared text for what().
template <class Standard>
class with_text : public Standard {
public:
    explicit with_text(text_source what) noexcept : text_(what.take()) {}
    [[nodiscard]] const char* what() const noexcept override { return text_.c_str(); }

private:
    shared_text text_;
};

}  // namespace detail

/// Base of every error memreg reports for misuse or a failed system call.
/// (A std::exception; it was a std::runtime_error before 0.2 — see CHANGELOG.)
class error : public detail::with_text<std::exception> {
public:
    using with_text::with_text;
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

/// A failed operation on a file or shared-memory object (memreg/file/file_error.hpp:
/// it carries a std::error_code and a path, which this header does not pull in).
class file_error;

/// Text (a C declaration, a format string) that could not be parsed.
class parse_error : public error {
public:
    parse_error(detail::text_source what, std::size_t line, std::size_t column) noexcept
        : error(static_cast<detail::text_source&&>(what)), line_(line), column_(column) {}
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
class allocation_failure : public detail::with_text<std::bad_alloc> {
public:
    using with_text::with_text;
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

// Read and replaced with atomic builtins (std::atomic would double this header).
inline error_handler current_error_handler = &print_and_abort;

}  // namespace detail

/// Sets the handler failed checks call without exceptions (nullptr: the default
/// one, print and abort); returns the one it replaces. Thread-safe; with exceptions
/// on, checks throw and never call it.
inline error_handler set_error_handler(error_handler handler) noexcept {
    return __atomic_exchange_n(&detail::current_error_handler,
                               handler != nullptr ? handler : &detail::print_and_abort, __ATOMIC_ACQ_REL);
}

/// The handler failed checks call without exceptions.
[[nodiscard]] inline error_handler get_error_handler() noexcept {
    return __atomic_load_n(&detail::current_error_handler, __ATOMIC_ACQUIRE);
}

namespace detail {

template <class... Types>
struct type_list {};

/// The classes on_error<C> can catch, each one bit (in this order) of error_kinds.
using catchable_errors = type_list<std::exception, error, out_of_range, bad_alignment, invalidated,
                                   bad_argument, corruption, file_error, parse_error, allocation_failure>;

/// The bits of the classes C of the list for which Relation<C, E> holds.
template <template <class, class> class Relation, class E, class... C>
constexpr unsigned kinds_where(type_list<C...>) noexcept {
    unsigned kinds = 0;
    unsigned bit = 1;
    // file_error may be incomplete here; then E (complete) cannot derive from it.
    ((kinds |= Relation<C, E>::value ? bit : 0u, bit <<= 1), ...);
    return kinds;
}

/// The catchable classes E is or derives from, as bits: on_error<C> catches an E
/// when error_kinds<E> has own_kind<C>.
template <class E>
inline constexpr unsigned error_kinds = kinds_where<std::is_base_of, E>(catchable_errors{});

/// C's own bit (0: C is not catchable).
template <class C>
inline constexpr unsigned own_kind = kinds_where<std::is_same, C>(catchable_errors{});

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
    get_error_handler()(e);
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
/// With exceptions it is exactly that try/catch. C is one of catchable_errors.
template <class C, class Body, class Handler>
void on_error(Body&& body, Handler&& handler) {
    static_assert(own_kind<C> != 0, "on_error catches one of error.hpp's classes (catchable_errors)");
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
    const frame_guard guard(catch_frame{own_kind<C>,
                                        [](const void* context, const std::exception& e) {
                                            (*static_cast<handler_type*>(context))(static_cast<const C&>(e));
                                        },
                                        __builtin_addressof(handler), innermost_catch});
    body();
#endif
}

/// Builds "op(name=value, name=value): reason" — every memreg message. It never
/// throws: out of memory, the finished text is shared_text's "no memory" sentence.
/// Parts are C strings, string-like values, characters, integers (in decimal) and
/// pointers (in hexadecimal). A message is one line for a person: text past
/// max_size characters is cut and ends in "...", so no part, however long, can
/// make the buffer's size arithmetic overflow.
class message {
public:
    static constexpr std::size_t max_size = 64 * 1024;

    template <class Operation>
    explicit message(const Operation& operation) noexcept {
        append(operation);
        append('(');
    }
    message(const message& other) noexcept : failed_(other.failed_), cut_(other.cut_) {
        if (other.block_ != nullptr) copy_chars(other.chars(), other.size_);
    }
    message(message&& other) noexcept
        : block_(other.block_), size_(other.size_), capacity_(other.capacity_), failed_(other.failed_), cut_(other.cut_) {
        other.block_ = nullptr;
        other.size_ = other.capacity_ = 0;
    }
    message& operator=(const message&) = delete;
    message& operator=(message&&) = delete;
    ~message() { std::free(block_); }

    /// Appends "name=value" (after ", " unless it is the first argument).
    template <class Value>
    message& arg(const char* name, const Value& value) noexcept {
        if (size_ != 0 && chars()[size_ - 1] != '(') append_chars(", ", 2);
        append(name);
        append('=');
        append(value);
        return *this;
    }

    /// Closes the argument list, appends ": " and the parts of the reason, and
    /// hands the text over (the builder is empty afterwards).
    template <class... Parts>
    [[nodiscard]] shared_text because(const Parts&... parts) noexcept {
        append_chars("): ", 3);
        (append(parts), ...);
        if (block_ == nullptr || failed_) return {};
        chars()[size_] = '\0';
        char* block = block_;
        block_ = nullptr;
        size_ = capacity_ = 0;
        return shared_text::adopt_block(block);
    }

private:
    char* chars() const noexcept { return block_ + shared_text::header; }

    void append(const char* text) noexcept { append_chars(text, std::strlen(text)); }
    void append(char c) noexcept { append_chars(&c, 1); }
    template <class T>
    void append(const T& value) noexcept {
        if constexpr (string_like<T>) {
            append_chars(value.data(), static_cast<std::size_t>(value.size()));
        } else if constexpr (std::is_same_v<T, bool>) {
            append(value ? "true" : "false");
        } else if constexpr (std::is_enum_v<T>) {
            append_integer(static_cast<std::underlying_type_t<T>>(value));
        } else if constexpr (std::is_integral_v<T>) {
            append_integer(value);
        } else if constexpr (std::is_pointer_v<T> && !std::is_convertible_v<T, const char*>) {
            append_address(reinterpret_cast<std::uintptr_t>(value));
        } else {
            static_assert(std::is_convertible_v<T, const char*>, "message parts: text, integers or pointers");
            append(static_cast<const char*>(value));
        }
    }
    template <class T>
    void append_integer(T value) noexcept {
        using U = std::make_unsigned_t<T>;
        char digits[24];
        char* end = digits + sizeof digits;
        char* p = end;
        const bool negative = std::is_signed_v<T> && value < T{};
        U magnitude = static_cast<U>(value);
        if (negative) magnitude = static_cast<U>(U{} - magnitude);
        do {
            *--p = static_cast<char>('0' + magnitude % 10);
            magnitude = static_cast<U>(magnitude / 10);
        } while (magnitude != 0);
        if (negative) *--p = '-';
        append_chars(p, static_cast<std::size_t>(end - p));
    }
    void append_address(std::uintptr_t address) noexcept {
        char digits[2 + 2 * sizeof address];
        char* end = digits + sizeof digits;
        char* p = end;
        do {
            *--p = "0123456789abcdef"[address & 15];
            address >>= 4;
        } while (address != 0);
        *--p = 'x';
        *--p = '0';
        append_chars(p, static_cast<std::size_t>(end - p));
    }
    void append_chars(const char* text, std::size_t n) noexcept {
        if (cut_) return;
        if (n > max_size - size_) {
            // room for the "..." that ends a cut message
            const std::size_t room = max_size - size_;
            copy_chars(text, room < 3 ? 0 : room - 3);
            copy_chars("...", 3);
            cut_ = true;
            return;
        }
        copy_chars(text, n);
    }
    // n <= max_size - size_ here, so the sizes below cannot overflow.
    void copy_chars(const char* text, std::size_t n) noexcept {
        if (failed_ || n == 0) return;
        if (n > capacity_ - size_ && !grow(n)) return;
        std::memcpy(chars() + size_, text, n);
        size_ += n;
    }
    bool grow(std::size_t n) noexcept {
        std::size_t wanted = capacity_ < 64 ? 64 : capacity_;
        while (wanted - size_ < n) wanted *= 2;
        // one byte more for the terminating zero that because() writes
        auto* block = static_cast<char*>(std::realloc(block_, shared_text::header + wanted + 1));
        if (block == nullptr) {
            failed_ = true;
            return false;
        }
        block_ = block;
        capacity_ = wanted;
        return true;
    }

    char* block_ = nullptr;  // laid out as shared_text's block
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    bool failed_ = false;  // out of memory: the text is lost, because() gives the sentence
    bool cut_ = false;     // max_size reached: later parts are dropped
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_outside(const char* operation,
                                                                 std::size_t offset,
                                                                 std::uint64_t count,
                                                                 std::size_t size) {
    MEMREG_THROW(out_of_range(
        message(operation).arg("offset", offset).arg("count", count).because("outside region of size ", size)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_index(const char* operation,
                                                               std::size_t index,
                                                               std::size_t size) {
    MEMREG_THROW(out_of_range(message(operation).arg("index", index).because("outside region of size ", size)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_count(const char* operation,
                                                               std::size_t count,
                                                               std::size_t size) {
    MEMREG_THROW(
        out_of_range(message(operation).arg("count", count).because("longer than region of size ", size)));
}

}  // namespace detail
}  // namespace memreg
