// memreg/lua/buffer.hpp — memreg.buffer: Luau's `buffer` library on PUC Lua and LuaJIT.
//
// Same functions, argument order, defaults and error messages as Luau's lbuflib:
// create, fromstring, tostring, len, readi8 … readf64, writei8 … writef64,
// readstring, writestring, copy, fill, readbits, writebits. Offsets are 0-based,
// data is little-endian, created buffers are zero-filled and at most 1 GiB, integer
// writes wrap (writeu8(b, 0, 257) stores 1), copy is a memmove. Luau converts
// numbers to C int with a plain cast; here the conversion is defined: a value
// outside int's range (including NaN and +-inf) becomes INT_MIN, which every
// bounds check refuses, so the outcome is Luau's "buffer access out of bounds".
//
// A buffer IS a memreg region (the same userdata): buffer functions take any
// region, and a buffer has every region method. Freed or read-only regions are
// refused with memreg's messages. Differences from Luau, both because PUC Lua has
// integers: the integer reads return integers on Lua 5.3+ (floats in Luau), and
// a Lua 5.3+ integer value is wrapped from its exact 64 bits.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "../byte_order.hpp"
#include "protect.hpp"
#include "resolve.hpp"
#include "scalars.hpp"
#include "userdata.hpp"

namespace memreg::lua {

/// The size limit of buffer.create and buffer.fromstring (Luau's MAX_BUFFER_SIZE).
inline constexpr std::size_t max_buffer_size = std::size_t{1} << 30;

namespace detail::luau {

inline constexpr const char* out_of_bounds = "buffer access out of bounds";

[[noreturn, gnu::cold, gnu::noinline]] inline void fail(const char* message) {
    throw out_of_range(message);
}

/// Luau's luaL_argerror wording: "invalid argument #2 to 'readu8' (size)".
[[noreturn, gnu::cold, gnu::noinline]] inline void argument(int arg, const char* fname,
                                                            const std::string& problem) {
    throw argument_error("invalid argument #" + std::to_string(arg) + " to '" + fname + "' (" +
                         problem + ")");
}

/// Luau's luaL_typeerror wording, "missing argument" when there is no value at all.
[[noreturn, gnu::cold, gnu::noinline]] inline void type(lua_State* L, int arg, const char* fname,
                                                        const char* expected) {
    if (lua_type(L, arg) == LUA_TNONE)
        throw argument_error("missing argument #" + std::to_string(arg) + " to '" + fname +
                             "' (" + expected + " expected)");
    argument(arg, fname, std::string(expected) + " expected, got " + luaL_typename(L, arg));
}

/// The region at arg, checked now (valid, writable when asked) with Luau's wording;
/// resolved again each time it is used (see resolve.hpp).
inline region_arg buffer(lua_State* L, int arg, const char* fname, bool write = false) {
    region_userdata* ud = to_userdata(L, arg);
    if (ud == nullptr) type(L, arg, fname, "buffer");
    if (ud->collected()) argument(arg, fname, "buffer used after it was collected");
    if (!ud->valid()) argument(arg, fname, invalid_problem);
    if (write && ud->read_only()) throw_read_only(fname, ud->size());
    return {*ud, arg, fname, write ? access_mode::write : access_mode::read};
}

/// The `count` bytes at `offset` of b, now, after Luau's bounds check.
inline region at(const region_arg& b, std::int64_t offset, std::uint64_t count) {
    const std::size_t size = b.size();
    if (offset < 0 || static_cast<std::uint64_t>(offset) + count > size) fail(out_of_bounds);
    return b.span(static_cast<std::size_t>(offset), static_cast<std::size_t>(count));
}

/// A number argument as Luau reads it (numbers and numeric strings).
inline double number(lua_State* L, int arg, const char* fname) {
    if (lua_isnumber(L, arg) == 0) type(L, arg, fname, "number");
    return static_cast<double>(lua_tonumber(L, arg));
}

/// Luau's luaL_checkinteger: the number cast to int; out of int's range -> INT_MIN.
inline std::int32_t integer(lua_State* L, int arg, const char* fname) {
#if MEMREG_LUA_INT64
    if (lua_isinteger(L, arg)) {
        const lua_Integer i = lua_tointeger(L, arg);
        return i < std::numeric_limits<std::int32_t>::min() ||
                       i > std::numeric_limits<std::int32_t>::max()
                   ? std::numeric_limits<std::int32_t>::min()
                   : static_cast<std::int32_t>(i);
    }
#endif
    const double d = number(L, arg, fname);
    if (!(d > -2147483649.0 && d < 2147483648.0)) return std::numeric_limits<std::int32_t>::min();
    return static_cast<std::int32_t>(d);
}

inline std::int32_t opt_integer(lua_State* L, int arg, const char* fname, std::int32_t fallback) {
    return lua_isnoneornil(L, arg) ? fallback : integer(L, arg, fname);
}

/// Luau's luaL_checkunsigned: the low 32 bits of the number's integer part (values
/// beyond 64 bits, NaN and inf give 0, as the cast does on x86-64).
inline std::uint32_t unsigned_value(lua_State* L, int arg, const char* fname) {
#if MEMREG_LUA_INT64
    if (lua_isinteger(L, arg)) return static_cast<std::uint32_t>(lua_tointeger(L, arg));
#endif
    const double d = number(L, arg, fname);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0;
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(static_cast<std::int64_t>(d)));
}

/// Pushes a new zero-filled buffer of n bytes.
inline region_userdata& new_buffer(lua_State* L, std::size_t n, const char* fname) {
    if (n > max_buffer_size) fail("memory allocation error: block too big");
    return new_region(L, n, fname);
}

inline int create(lua_State* L) {
    const std::int32_t size = integer(L, 1, "create");
    if (size < 0) argument(1, "create", "size");
    new_buffer(L, static_cast<std::size_t>(size), "create");
    return 1;
}

/// A string argument, numbers converted as luaL_checklstring does.
inline const char* string(lua_State* L, int arg, const char* fname, std::size_t& n) {
    const int t = lua_type(L, arg);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) type(L, arg, fname, "string");
    return lua_tolstring(L, arg, &n);
}

inline int fromstring(lua_State* L) {
    std::size_t n = 0;
    const char* s = string(L, 1, "fromstring", n);
    if (n > max_buffer_size) fail("memory allocation error: block too big");
    new_region_from(L, s, n, "fromstring");
    return 1;
}

inline int tostring(lua_State* L) {
    const region_arg b = buffer(L, 1, "tostring");
    push_string(L, b, 0, b.size());
    return 1;
}

inline int len(lua_State* L) {
    push_size(L, buffer(L, 1, "len").size(), "len");
    return 1;
}

/// Luau has every scalar type but the 64-bit integers (buffer.readi64 is not Luau's).
template <class T>
inline constexpr bool luau_scalar = sizeof(T) < 8 || std::is_floating_point_v<T>;

template <class T>
int read(lua_State* L) {
    constexpr const char* fname = scalar_names<T>::luau_read;
    const region_arg b = buffer(L, 1, fname);
    const std::int32_t offset = integer(L, 2, fname);
    push_scalar<T>(L, load<T>(at(b, offset, sizeof(T)).data(), std::endian::little), fname);
    return 1;
}

template <class T>
int write(lua_State* L) {
    constexpr const char* fname = scalar_names<T>::luau_write;
    const region_arg b = buffer(L, 1, fname, true);
    const std::int32_t offset = integer(L, 2, fname);
    T v{};
    if constexpr (std::is_same_v<T, float>)
        v = memreg::detail::to_float(number(L, 3, fname));
    else if constexpr (std::is_same_v<T, double>)
        v = number(L, 3, fname);
    else
        v = static_cast<T>(unsigned_value(L, 3, fname));  // wraps, like Luau's T(value)
    store<T>(at(b, offset, sizeof(T)).data(), v, std::endian::little);
    return 0;
}

inline int readstring(lua_State* L) {
    constexpr const char* fname = "readstring";
    const region_arg b = buffer(L, 1, fname);
    const std::int32_t offset = integer(L, 2, fname);
    const std::int32_t size = integer(L, 3, fname);
    if (size < 0) argument(3, fname, "size");
    (void)at(b, offset, static_cast<std::uint64_t>(size));
    push_string(L, b, static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
    return 1;
}

inline int writestring(lua_State* L) {
    constexpr const char* fname = "writestring";
    const region_arg b = buffer(L, 1, fname, true);
    const std::int32_t offset = integer(L, 2, fname);
    std::size_t n = 0;
    // A number is converted to a string here, which allocates (and can run any
    // finalizer): b is resolved only after it.
    const char* s = string(L, 3, fname, n);
    const std::int32_t count = opt_integer(
        L, 4, fname,
        n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())
            ? std::numeric_limits<std::int32_t>::min()
            : static_cast<std::int32_t>(n));
    if (count < 0) argument(4, fname, "count");
    if (static_cast<std::size_t>(count) > n) fail("string length overflow");
    const region target = at(b, offset, static_cast<std::uint64_t>(count));
    if (count != 0) std::memcpy(target.data(), s, static_cast<std::size_t>(count));
    return 0;
}

/// int(len) - offset as Luau computes it: 32-bit arithmetic that wraps.
inline std::int32_t rest(std::size_t size, std::int32_t offset) noexcept {
    const auto len = static_cast<std::uint32_t>(size);
    return static_cast<std::int32_t>(len - static_cast<std::uint32_t>(offset));
}

inline int copy(lua_State* L) {
    constexpr const char* fname = "copy";
    const region_arg target = buffer(L, 1, fname, true);
    const std::int32_t toffset = integer(L, 2, fname);
    const region_arg source = buffer(L, 3, fname);
    const std::int32_t soffset = opt_integer(L, 4, fname, 0);
    const std::int32_t size = opt_integer(L, 5, fname, rest(source.size(), soffset));
    if (size < 0) fail(out_of_bounds);
    const region from = at(source, soffset, static_cast<std::uint64_t>(size));
    const region to = at(target, toffset, static_cast<std::uint64_t>(size));
    if (size != 0) std::memmove(to.data(), from.data(), static_cast<std::size_t>(size));
    return 0;
}

inline int fill(lua_State* L) {
    constexpr const char* fname = "fill";
    const region_arg b = buffer(L, 1, fname, true);
    const std::int32_t offset = integer(L, 2, fname);
    const std::uint32_t value = unsigned_value(L, 3, fname);
    const std::int32_t size = opt_integer(L, 4, fname, rest(b.size(), offset));
    if (size < 0) fail(out_of_bounds);
    const region target = at(b, offset, static_cast<std::uint64_t>(size));
    if (size != 0) std::memset(target.data(), static_cast<int>(value & 0xff),
                               static_cast<std::size_t>(size));
    return 0;
}

/// Luau's (int64_t)luaL_checknumber: out of int64's range (or NaN) -> INT64_MIN.
inline std::int64_t bit_offset(lua_State* L, int arg, const char* fname) {
#if MEMREG_LUA_INT64
    if (lua_isinteger(L, arg)) return static_cast<std::int64_t>(lua_tointeger(L, arg));
#endif
    const double d = number(L, arg, fname);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
}

/// The bytes [first, last) that hold bits [bitoffset, bitoffset + bitcount), after
/// Luau's checks.
struct bit_span {
    std::size_t first;
    std::size_t bytes;
    unsigned shift;
};
inline bit_span check_bits(std::int64_t bitoffset, std::int32_t bitcount, std::size_t size) {
    if (bitoffset < 0) fail(out_of_bounds);
    if (static_cast<std::uint32_t>(bitcount) > 32) fail("bit count is out of range of [0; 32]");
    const auto end = static_cast<std::uint64_t>(bitoffset) + static_cast<std::uint64_t>(bitcount);
    if (end > static_cast<std::uint64_t>(size) * 8) fail(out_of_bounds);
    const auto first = static_cast<std::size_t>(bitoffset / 8);
    return {first, static_cast<std::size_t>((end + 7) / 8) - first,
            static_cast<unsigned>(bitoffset & 7)};
}

inline std::uint64_t gather(const std::byte* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    return v;
}

inline int readbits(lua_State* L) {
    constexpr const char* fname = "readbits";
    const region_arg b = buffer(L, 1, fname);
    const std::int64_t bitoffset = bit_offset(L, 2, fname);
    const std::int32_t bitcount = integer(L, 3, fname);
    const bit_span s = check_bits(bitoffset, bitcount, b.size());
    const std::uint64_t data = gather(b.span(s.first, s.bytes).data(), s.bytes);
    const std::uint64_t mask = (std::uint64_t{1} << bitcount) - 1;
    push_int64(L, static_cast<std::int64_t>((data >> s.shift) & mask), fname);
    return 1;
}

inline int writebits(lua_State* L) {
    constexpr const char* fname = "writebits";
    const region_arg b = buffer(L, 1, fname, true);
    const std::int64_t bitoffset = bit_offset(L, 2, fname);
    const std::int32_t bitcount = integer(L, 3, fname);
    const std::uint32_t value = unsigned_value(L, 4, fname);
    const bit_span s = check_bits(bitoffset, bitcount, b.size());
    const region bytes = b.span(s.first, s.bytes);
    std::uint64_t data = gather(bytes.data(), s.bytes);
    const std::uint64_t mask = ((std::uint64_t{1} << bitcount) - 1) << s.shift;
    data = (data & ~mask) | ((std::uint64_t{value} << s.shift) & mask);
    for (std::size_t i = 0; i < s.bytes; ++i, data >>= 8)
        bytes[i] = static_cast<std::byte>(data & 0xff);
    return 0;
}

}  // namespace detail::luau

namespace detail {

/// Creates memreg.buffer in the module table at `module`.
inline void register_buffer(lua_State* L, int module) {
    module = absolute(L, module);
    namespace b = luau;
    static const luaL_Reg functions[] = {
        {"create", protect<b::create>},
        {"fromstring", protect<b::fromstring>},
        {"tostring", protect<b::tostring>},
        {"len", protect<b::len>},
        {"readstring", protect<b::readstring>},
        {"writestring", protect<b::writestring>},
        {"copy", protect<b::copy>},
        {"fill", protect<b::fill>},
        {"readbits", protect<b::readbits>},
        {"writebits", protect<b::writebits>},
        {nullptr, nullptr},
    };
    lua_newtable(L);
    const int table = lua_gettop(L);
    set_functions(L, table, functions);
    // readi8 … readf64, writei8 … writef64: the names from scalars.hpp's one table.
    for_each_scalar([&](auto type) {
        using T = typename decltype(type)::type;
        if constexpr (b::luau_scalar<T>) {
            set_function(L, table, scalar_names<T>::luau_read, protect<b::read<T>>);
            set_function(L, table, scalar_names<T>::luau_write, protect<b::write<T>>);
        }
    });
    lua_setfield(L, module, "buffer");
}

}  // namespace detail
}  // namespace memreg::lua
