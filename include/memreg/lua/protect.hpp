// memreg/lua/protect.hpp — no C++ exception crosses a Lua frame.
//
// Lua raises errors with longjmp (PUC Lua built as C) or its own unwinder (LuaJIT),
// so a Lua error raised while C++ objects with destructors are live skips their
// destructors, and a C++ exception thrown through a Lua frame is undefined. Every
// C function the binding registers is therefore `protect<body>`: the body reports
// misuse by throwing (memreg::error, std::bad_alloc, any std::exception); protect
// catches it, copies the message into a plain char buffer, leaves the catch block
// (so the exception object and every destructor of the body are gone) and only then
// raises the Lua error.
//
// Inside a body: check arguments with the helpers below (they throw), and push
// results only after C++ objects holding resources are out of scope.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#include <cxxabi.h>

#include "config.hpp"

namespace memreg::lua {

/// Raised for a bad argument: "bad argument #2 to 'read_u8' (number expected, got
/// string)", the wording of Lua's own luaL_argerror.
/// It keeps the whole message: a problem can quote Lua input with zero bytes in it
/// (packsize("i\0")), where what() would stop at the first one.
class argument_error : public bad_argument {
public:
    explicit argument_error(std::string text) : bad_argument(text), text_(std::move(text)) {}
    [[nodiscard]] std::string_view text() const noexcept { return text_; }

private:
    std::string text_;
};

namespace detail {

/// Room for any message the binding makes; longer ones (a huge what()) are cut.
inline constexpr std::size_t message_capacity = 512;

/// A message copied out of an exception, zero bytes and all. One too long keeps its
/// start (the operation) and its end (the reason), with " ... " between: a message
/// that quotes a huge type name still says what went wrong.
struct message_copy {
    char text[message_capacity];
    std::size_t size = 0;

    void assign(std::string_view what) noexcept {
        if (what.size() <= message_capacity) {
            size = what.size();
            std::memcpy(text, what.data(), size);
            return;
        }
        constexpr std::string_view gap = " ... ";
        constexpr std::size_t head = (message_capacity - gap.size()) / 2;
        constexpr std::size_t tail = message_capacity - gap.size() - head;
        std::memcpy(text, what.data(), head);
        std::memcpy(text + head, gap.data(), gap.size());
        std::memcpy(text + head + gap.size(), what.data() + what.size() - tail, tail);
        size = message_capacity;
    }
};

/// True for the exception a Lua error travels as: LuaJIT's are foreign (no C++ type);
/// a Lua compiled as C++ throws a pointer to its `struct lua_longjmp`.
inline bool is_lua_error(const std::type_info* type) noexcept {
    return type == nullptr || std::strcmp(type->name(), "P11lua_longjmp") == 0;
}

/// Runs body(L); a thrown exception becomes a Lua error with its message. Not
/// noexcept: a Lua error raised by the body's Lua API calls (out of memory) must be
/// able to pass through on LuaJIT, whose errors are unwinding exceptions.
template <int (*Body)(lua_State*)>
int protect(lua_State* L) {
    message_copy message;
    {
        try {
            return Body(L);
        } catch (const std::bad_alloc& e) {
            // allocation_failure names the operation; a plain bad_alloc does not.
            const char* what = e.what();
            message.assign(std::strcmp(what, "std::bad_alloc") == 0 ? "not enough memory" : what);
        } catch (const argument_error& e) {
            message.assign(e.text());
        } catch (const std::exception& e) {
            message.assign(e.what());
        } catch (...) {
            // Lua's own errors raised inside the body belong to the pcall that waits for
            // them: let them go on.
            if (is_lua_error(abi::__cxa_current_exception_type())) throw;
            message.assign("unknown C++ exception");
        }
    }
    // Every C++ object of the body is destroyed here: raising is safe. Like
    // luaL_error, the message starts with the calling Lua code's position.
    luaL_where(L, 1);
    lua_pushlstring(L, message.text, message.size);
    lua_concat(L, 2);
    return lua_error(L);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_argument(int arg, const char* fname,
                                                                  const std::string& problem) {
    throw argument_error("bad argument #" + std::to_string(arg) + " to '" + fname + "' (" +
                         problem + ")");
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_type(lua_State* L, int arg,
                                                              const char* fname,
                                                              const char* expected) {
    throw_argument(arg, fname, std::string(expected) + " expected, got " + type_name(L, arg));
}

/// Argument arg as an exact int64 (integral number in range), else a bad argument
/// naming what was there.
inline std::int64_t check_integer(lua_State* L, int arg, const char* fname) {
    std::int64_t v = 0;
    if (to_int64(L, arg, v)) return v;
    if (!is_number(L, arg)) throw_type(L, arg, fname, "number");
    throw_argument(arg, fname, "number has no integer representation, got " +
                                   describe_number(L, arg));
}

/// Argument arg if present and not nil, else fallback.
inline std::int64_t opt_integer(lua_State* L, int arg, const char* fname, std::int64_t fallback) {
    return lua_isnoneornil(L, arg) ? fallback : check_integer(L, arg, fname);
}

/// A byte offset or count: a non-negative integer. Whether it fits the region is
/// checked by the caller, which knows the size.
inline std::size_t check_offset(lua_State* L, int arg, const char* fname,
                                const char* what = "offset") {
    const std::int64_t v = check_integer(L, arg, fname);
    if (v < 0)
        throw_argument(arg, fname, std::string(what) + " must not be negative, got " +
                                       std::to_string(v));
    // Where size_t has 32 bits a larger value would wrap (2^32 + 1 to 1): refuse it.
    if constexpr (sizeof(std::size_t) < sizeof(std::int64_t)) {
        if (static_cast<std::uint64_t>(v) > SIZE_MAX)
            throw_argument(arg, fname, std::string(what) + " " + std::to_string(v) +
                                           " does not fit in size_t (at most " +
                                           std::to_string(SIZE_MAX) + ")");
    }
    return static_cast<std::size_t>(v);
}

inline std::size_t opt_offset(lua_State* L, int arg, const char* fname, std::size_t fallback,
                              const char* what = "offset") {
    return lua_isnoneornil(L, arg) ? fallback : check_offset(L, arg, fname, what);
}

/// A size for something the binding allocates: 0 <= n <= max_size.
inline std::size_t check_size(lua_State* L, int arg, const char* fname) {
    const std::int64_t v = check_integer(L, arg, fname);
    if (v < 0) throw_argument(arg, fname, "size must not be negative, got " + std::to_string(v));
    // Compared before any narrowing to a 32-bit size_t.
    if (static_cast<std::uint64_t>(v) > max_size)
        throw_argument(arg, fname, "size " + std::to_string(v) + " is larger than the maximum " +
                                       std::to_string(max_size));
    return static_cast<std::size_t>(v);
}

/// A 64-bit signed value under the binding's 64-bit policy (see config.hpp): on Lua
/// versions without 64-bit integers only |v| <= 2^53 is accepted.
inline std::int64_t check_int64(lua_State* L, int arg, const char* fname) {
    const std::int64_t v = check_integer(L, arg, fname);
#if !MEMREG_LUA_INT64
    if (v > max_exact_double || v < -max_exact_double)
        throw_argument(arg, fname, "64-bit value " + std::to_string(v) +
                                       " is not exact in this Lua's numbers (|v| > 2^53)");
#endif
    return v;
}

/// A 64-bit unsigned value: Lua 5.3+ takes any integer (negative ones by their
/// bits, as string.pack("J") does) or an integral float below 2^64; older versions
/// take integers 0 <= v <= 2^53.
inline std::uint64_t check_uint64(lua_State* L, int arg, const char* fname) {
#if MEMREG_LUA_INT64
    if (is_number(L, arg) && !lua_isinteger(L, arg)) {
        const double d = static_cast<double>(lua_tonumber(L, arg));
        if (d >= 9223372036854775808.0 && d < 18446744073709551616.0 && std::floor(d) == d)
            return static_cast<std::uint64_t>(d);
    }
    return static_cast<std::uint64_t>(check_integer(L, arg, fname));
#else
    const std::int64_t v = check_integer(L, arg, fname);
    if (v < 0 || v > max_exact_double)
        throw_argument(arg, fname, "unsigned 64-bit value " + std::to_string(v) +
                                       " is outside 0..2^53, the exact range of this Lua's numbers");
    return static_cast<std::uint64_t>(v);
#endif
}

/// A number (integer or float) as a double.
inline double check_number(lua_State* L, int arg, const char* fname) {
    if (!is_number(L, arg)) throw_type(L, arg, fname, "number");
    return static_cast<double>(lua_tonumber(L, arg));
}

/// A string argument (numbers are not converted: a region API wants bytes).
inline const char* check_string(lua_State* L, int arg, const char* fname, std::size_t& length) {
    if (lua_type(L, arg) != LUA_TSTRING) throw_type(L, arg, fname, "string");
    return lua_tolstring(L, arg, &length);
}

}  // namespace detail
}  // namespace memreg::lua
