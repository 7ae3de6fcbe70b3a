// memreg/lua/ffi/access.hpp — memreg.ffi's hot paths in C: stores with LuaJIT's
// conversions, and the __index/__newindex of structs, unions and arrays.
//
// C data objects stay the Lua tables of ffi/source.hpp ({[REG] = view, [OFF] =
// offset, [INFO] = info, ...}); these closures are their metatables' __index and
// __newindex, so `img[i].green = y` is two C calls, not two Lua metamethods each
// calling a region method. A struct's fields are looked up in a table made once per
// type, name -> packed descriptor (offset * 16 + scalar kind) for its scalar fields;
// an array's aggregate elements are C data tables made here, cached as the last one
// used (LASTI/LASTE) as the Lua code caches them. Everything these do not handle — a
// field that is no plain scalar, an index out of bounds, a value that is not a number
// or a boolean, metatype __index/__newindex, proxies — goes to the Lua closure they
// were given, which raises the module's errors.
//
// The resolve rule (docs/lua-ext.md): the memory is resolved through region_arg after
// the last call that can allocate, and no Lua call is made while the span is held.
// Table reads (lua_rawget) and pushing numbers and booleans allocate nothing.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "../../byte_order.hpp"
#include "../config.hpp"
#include "../protect.hpp"
#include "../resolve.hpp"
#include "../userdata.hpp"

namespace memreg::lua::detail::ffi {

/// Keys of a C data table that no C field name can spell (the Lua code uses these).
inline constexpr const char key_names[][8] = {"\0reg",   "\0off",   "\0info", "\0n",
                                             "\0lasti", "\0laste", "\0arr"};
inline constexpr std::size_t key_lengths[] = {4, 4, 5, 2, 6, 6, 4};
enum key : int { reg_key, off_key, info_key, n_key, lasti_key, laste_key, arr_key, key_count };

/// Scalar kinds, as the Lua code names them (native.scalars: code -> kind). A char is
/// i8 or u8 by the target's signedness (the Lua side picks).
enum kind : int { none = 0, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64, boolean };
inline constexpr const char* kind_codes[] = {"",    "i8",  "u8",  "i16", "u16", "i32",
                                             "u32", "i64", "u64", "f32", "f64", "bool"};
inline constexpr int kind_bits = 4;  // descriptor = offset << kind_bits | kind

inline std::size_t width_of(int k) noexcept {
    switch (k) {
        case i8: case u8: case boolean: return 1;
        case i16: case u16: return 2;
        case i32: case u32: case f32: return 4;
        default: return 8;
    }
}

/// Pushes the value of kind k at p (any alignment). Allocates nothing (a number or a
/// boolean); may throw for a 64-bit value a Lua without 64-bit integers cannot hold.
inline void push_value(lua_State* L, const std::byte* p, int k, const char* fname) {
    constexpr auto n = std::endian::native;
    using memreg::detail::load_bytes;
    switch (k) {
        case i8: lua_pushinteger(L, load_bytes<std::int8_t>(p, n)); return;
        case u8: lua_pushinteger(L, load_bytes<std::uint8_t>(p, n)); return;
        case i16: lua_pushinteger(L, load_bytes<std::int16_t>(p, n)); return;
        case u16: lua_pushinteger(L, load_bytes<std::uint16_t>(p, n)); return;
        case i32: lua_pushinteger(L, static_cast<lua_Integer>(load_bytes<std::int32_t>(p, n))); return;
        case u32: lua_pushinteger(L, static_cast<lua_Integer>(load_bytes<std::uint32_t>(p, n))); return;
        case i64: push_int64(L, load_bytes<std::int64_t>(p, n), fname); return;
        case u64: push_uint64(L, load_bytes<std::uint64_t>(p, n), fname); return;
        case f32: lua_pushnumber(L, static_cast<lua_Number>(load_bytes<float>(p, n))); return;
        case f64: lua_pushnumber(L, static_cast<lua_Number>(load_bytes<double>(p, n))); return;
        case boolean: lua_pushboolean(L, load_bytes<std::uint8_t>(p, n) != 0); return;
        default: throw_argument(1, fname, "not a scalar kind: " + std::to_string(k));
    }
}

/// x truncated toward zero; NaN and infinities are 0 (LuaJIT's stores).
inline double truncated(double x) noexcept {
    return std::isfinite(x) ? std::trunc(x) : 0.0;
}

/// x modulo 2^bits (bits <= 64) as the low bits of an unsigned integer; x integral.
inline std::uint64_t wrapped(double x, int bits) noexcept {
    const double modulus = std::ldexp(1.0, bits);
    double m = std::fmod(x, modulus);  // exact: x is integral
    if (m < 0) m += modulus;           // exact, and below the modulus (m is a multiple of x's ulp)
    return static_cast<std::uint64_t>(m);
}

/// A stored value converted as LuaJIT converts it, in the bytes of kind k.
struct converted {
    std::byte bytes[8];
};

/// The value at idx converted to kind k (LuaJIT's rules: booleans are 1/0, numbers
/// truncated toward zero and taken modulo 2^N; bool stores whether it is not 0);
/// false when it is neither a number nor a boolean (the caller converts those).
/// Allocates nothing; throws only for a 64-bit value a Lua without 64-bit integers
/// cannot hold exactly.
inline bool convert(lua_State* L, int idx, int k, converted& out, const char* fname, int arg) {
    const int t = lua_type(L, idx);
    if (t != LUA_TNUMBER && t != LUA_TBOOLEAN) return false;
#if MEMREG_LUA_INT64
    (void)fname;
    (void)arg;
#endif
    constexpr auto n = std::endian::native;
    using memreg::detail::store_bytes;
    std::uint64_t bits = 0;  // integer kinds: the value's low bits
    double d = 0;            // float kinds
    bool integer = false;
    std::int64_t i = 0;
    if (t == LUA_TBOOLEAN) {
        integer = true;
        i = lua_toboolean(L, idx) ? 1 : 0;
    } else {
#if MEMREG_LUA_INT64
        if (lua_isinteger(L, idx)) {
            integer = true;
            i = static_cast<std::int64_t>(lua_tointeger(L, idx));
        }
#endif
        if (!integer) d = static_cast<double>(lua_tonumber(L, idx));
    }
    switch (k) {
        case f32:
            store_bytes(out.bytes, memreg::detail::to_float(integer ? static_cast<double>(i) : d), n);
            return true;
        case f64:
            store_bytes(out.bytes, integer ? static_cast<double>(i) : d, n);
            return true;
        case boolean:
            out.bytes[0] = std::byte{static_cast<unsigned char>(integer ? i != 0 : d != 0)};
            return true;
        case i64:
        case u64:
            if (integer) {
                bits = static_cast<std::uint64_t>(i);
            } else {
                const double x = truncated(d);
#if !MEMREG_LUA_INT64
                if (std::fabs(x) > static_cast<double>(max_exact_double))
                    throw_argument(arg, fname, "64-bit value " + describe_number(L, idx) +
                                                   " is not exact in this Lua's numbers (|v| > 2^53)");
#endif
                bits = x >= -9223372036854775808.0 && x < 9223372036854775808.0
                           ? static_cast<std::uint64_t>(static_cast<std::int64_t>(x))
                           : wrapped(x, 64);
            }
            store_bytes(out.bytes, bits, n);
            return true;
        default: {
            const int w = static_cast<int>(width_of(k)) * 8;
            if (integer) {
                bits = static_cast<std::uint64_t>(i);
            } else {
                // Within int64's range the low bits of the truncated value are its
                // residue modulo 2^w (2^w divides 2^64): no fmod on the usual path.
                const double x = truncated(d);
                bits = x >= -9223372036854775808.0 && x < 9223372036854775808.0
                           ? static_cast<std::uint64_t>(static_cast<std::int64_t>(x))
                           : wrapped(x, w);
            }
            if (w == 8) store_bytes(out.bytes, static_cast<std::uint8_t>(bits), n);
            else if (w == 16) store_bytes(out.bytes, static_cast<std::uint16_t>(bits), n);
            else store_bytes(out.bytes, static_cast<std::uint32_t>(bits), n);
            return true;
        }
    }
}

/// The value at idx as an integer, if it is one (or a string of one: the offsets and
/// counts read here are the module's own, and only Lua code that rawsets junk into
/// C data could put a string there; bounds are checked after this anyway).
inline bool integer_at(lua_State* L, int idx, std::int64_t& out) {
#if MEMREG_LUA_INT64
    int exact = 0;
    out = static_cast<std::int64_t>(lua_tointegerx(L, idx, &exact));
    return exact != 0;
#else
    return to_int64(L, idx, out);
#endif
}

/// Upvalues every accessor closure has.
enum upvalue : int {
    up_keys = 1,               // key_count key strings, from here
    up_metatable = up_keys + key_count,  // the region metatable
    up_first_own,              // the closure's own upvalues from here
};
inline int up(int i) { return lua_upvalueindex(i); }
inline void push_key(lua_State* L, key k) { lua_pushvalue(L, up(up_keys + static_cast<int>(k))); }

/// cd[key] of the C data table at `cd` (an absolute index), pushed.
inline int push_field(lua_State* L, key k, int cd = 1) {
    push_key(L, k);
    lua_rawget(L, cd);
    return lua_gettop(L);
}

inline void check_cdata(lua_State* L, const char* fname) {
    if (!lua_istable(L, 1)) throw_type(L, 1, fname, "cdata");
}

/// The region userdata under the C data table at 1 (pushed, so it stays alive) and
/// its offset; throws when the table is not C data.
inline region_userdata& region_of(lua_State* L, std::size_t& offset, const char* fname) {
    push_key(L, off_key);
    lua_rawget(L, 1);
    std::int64_t off = 0;
    const bool exact = integer_at(L, -1, off);
    push_key(L, reg_key);
    lua_rawget(L, 1);
    auto* ud = static_cast<region_userdata*>(udata_with_metatable(L, -1, up(up_metatable)));
    if (ud == nullptr || !exact || off < 0)
        throw_argument(1, fname, "cdata expected, got a table without memory");
    offset = static_cast<std::size_t>(off);
    return *ud;
}

/// The `width` bytes at `at` past the C data at 1, resolved now: call it after the
/// last allocation, and use the bytes before the next Lua call.
inline std::byte* resolve(lua_State* L, std::size_t at, std::size_t width, access_mode mode,
                          const char* fname) {
    std::size_t offset = 0;
    region_userdata& ud = region_of(L, offset, fname);
    return region_arg(ud, 1, fname, mode).span(offset + at, width).data();
}

/// Calls the Lua fallback at upvalue i with the call's arguments; returns its results.
inline int fall_back(lua_State* L, int i, int nargs) {
    lua_settop(L, nargs);
    lua_pushvalue(L, up(i));
    lua_insert(L, 1);
    lua_call(L, nargs, nargs == 2 ? 1 : 0);
    return nargs == 2 ? 1 : 0;
}

/// A struct's or union's field descriptor for key 2: offset and kind, or false.
inline bool descriptor(lua_State* L, int fields, std::size_t& offset, int& k) {
    lua_pushvalue(L, 2);
    lua_rawget(L, up(fields));  // a table of this module's: its values are integers
    std::int64_t packed = 0;
    if (!integer_at(L, -1, packed) || packed <= 0) return false;
    k = static_cast<int>(packed & ((1 << kind_bits) - 1));
    offset = static_cast<std::size_t>(packed >> kind_bits);
    return true;
}

// Struct and union closures: own upvalues are the descriptor table and the fallback.
enum : int { up_fields = up_first_own, up_struct_fallback };

inline int struct_index(lua_State* L) {
    constexpr const char* fname = "__index";
    check_cdata(L, fname);
    std::size_t at = 0;
    int k = 0;
    if (lua_gettop(L) < 2 || !descriptor(L, up_fields, at, k)) return fall_back(L, up_struct_fallback, 2);
    const std::byte* p = resolve(L, at, width_of(k), access_mode::read, fname);
    push_value(L, p, k, fname);
    return 1;
}

inline int struct_newindex(lua_State* L) {
    constexpr const char* fname = "__newindex";
    check_cdata(L, fname);
    std::size_t at = 0;
    int k = 0;
    converted value{};
    if (lua_gettop(L) < 3 || !descriptor(L, up_fields, at, k) || !convert(L, 3, k, value, fname, 3))
        return fall_back(L, up_struct_fallback, 3);
    const std::size_t w = width_of(k);
    std::memcpy(resolve(L, at, w, access_mode::write, fname), value.bytes, w);
    return 0;
}

// Array closures: the fixed count (nil for "T[?]": the object's [N]), the element
// size, its kind (0: an aggregate, made as C data), its info and metatable, and
// the fallback.
enum : int {
    up_count = up_first_own,
    up_esize,
    up_ekind,
    up_einfo,
    up_emt,
    up_proxy_key,
    up_array_fallback,
    up_cache_index,  // array_index only: the cache tables' __index (array_cache_index)
};

/// The value at `index` as an element number within the array at `array`, or false
/// (not a whole number, or out of bounds: the fallback words the error).
inline bool element_index(lua_State* L, int array, int index, std::int64_t& i) {
    if (!to_int64(L, index, i)) return false;
    std::int64_t count = 0;
    if (!integer_at(L, up(up_count), count)) {  // "T[?]": the object's count
        push_field(L, n_key, array);
        const bool known = integer_at(L, -1, count);
        lua_pop(L, 1);
        if (!known) return false;
    }
    return i >= 0 && i < count;
}

inline std::size_t element_size(lua_State* L) {
    return static_cast<std::size_t>(lua_tointeger(L, up(up_esize)));
}

/// Pushes the C data table of the aggregate element at byte `at` of the array at
/// `array`, with the element's info and metatable (allocates). Its region is the
/// array's, copied as it is: nothing is resolved here, and every access through the
/// element checks the region (region_of) as it checks the array's.
inline void push_element(lua_State* L, int array, std::size_t at, const char* fname) {
    push_field(L, off_key, array);
    std::int64_t offset = 0;
    const bool exact = integer_at(L, -1, offset);
    lua_pop(L, 1);
    push_field(L, reg_key, array);
    const bool userdata = lua_type(L, -1) == LUA_TUSERDATA;
    lua_pop(L, 1);
    if (!exact || offset < 0 || !userdata) throw_argument(1, fname, "cdata expected, got a table without memory");
    lua_createtable(L, 0, 3);
    const int e = lua_gettop(L);
    push_key(L, reg_key);
    push_field(L, reg_key, array);
    lua_rawset(L, e);
    push_key(L, off_key);
    push_size(L, static_cast<std::size_t>(offset) + at, fname);
    lua_rawset(L, e);
    push_key(L, info_key);
    lua_pushvalue(L, up(up_einfo));
    lua_rawset(L, e);
    lua_pushvalue(L, up(up_emt));
    lua_setmetatable(L, e);
}

/// Element caches. An array of aggregates whose elements are asked at a second index
/// gets a metatable of its own, a copy of its type's whose __index is a table holding
/// the last element made, under its index: `img[i]` asked again is then a table hit in
/// the interpreter, no call. A miss calls that table's metatable's __index
/// (array_cache_index), which makes the element and puts it in place of the old one.
/// The cache table is made with one hash slot and never holds more than one key, so
/// replacing its key reuses the slot (Lua 5.1-5.5 reuse a main position whose value is
/// nil): no miss allocates more than the element.
///
/// The element is C data like any other: every read or write through it checks that
/// its memory is alive and in bounds when it happens, so a cached element of a freed
/// or resized array raises as an uncached one does.
inline void install_cache(lua_State* L, std::int64_t i, int e, const char* fname) {
    if (!lua_getmetatable(L, 1)) throw_argument(1, fname, "cdata expected, got a table without a metatable");
    const int shared = lua_gettop(L);
    lua_newtable(L);  // the array's own metatable: its type's, copied
    const int own = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, shared) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, own);
    }
    lua_createtable(L, 0, 1);  // the cache: index -> element
    const int cache = lua_gettop(L);
    lua_createtable(L, 0, 2);  // its metatable: __index and the array
    lua_pushliteral(L, "__index");
    lua_pushvalue(L, up(up_cache_index));
    lua_rawset(L, -3);
    push_key(L, arr_key);
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);
    lua_setmetatable(L, cache);
    push_int64(L, i, fname);
    lua_pushvalue(L, e);
    lua_rawset(L, cache);
    lua_pushliteral(L, "__index");
    lua_pushvalue(L, cache);
    lua_rawset(L, own);
    lua_pushvalue(L, own);
    lua_setmetatable(L, 1);
    lua_settop(L, e);
}

inline int array_index(lua_State* L) {
    constexpr const char* fname = "__index";
    check_cdata(L, fname);
    std::int64_t i = 0;
    if (lua_gettop(L) < 2 || !element_index(L, 1, 2, i)) return fall_back(L, up_array_fallback, 2);
    const std::size_t esize = element_size(L);
    const auto at = static_cast<std::size_t>(i) * esize;  // below the array's size
    const int k = static_cast<int>(lua_tointeger(L, up(up_ekind)));
    if (k != none) {
        push_value(L, resolve(L, at, esize, access_mode::read, fname), k, fname);
        return 1;
    }
    // An aggregate: the last element made is reused while its index is asked again.
    push_field(L, lasti_key);
    std::int64_t last_i = -1;
    const bool had_last = integer_at(L, -1, last_i) && last_i >= 0;
    if (had_last && last_i == i) {
        push_field(L, laste_key);
        if (lua_istable(L, -1)) return 1;
    }
    lua_pushvalue(L, up(up_proxy_key));  // a metatype with __len on 5.1: the Lua code proxies
    lua_rawget(L, up(up_einfo));
    if (!lua_isnil(L, -1)) return fall_back(L, up_array_fallback, 2);
    push_element(L, 1, at, fname);
    const int e = lua_gettop(L);
    if (had_last && lua_type(L, up(up_cache_index)) == LUA_TFUNCTION) {
        install_cache(L, i, e, fname);  // a second index: the array is being walked
        return 1;
    }
    push_key(L, lasti_key);
    push_int64(L, i, fname);
    lua_rawset(L, 1);
    push_key(L, laste_key);
    lua_pushvalue(L, e);
    lua_rawset(L, 1);
    lua_settop(L, e);
    return 1;
}

/// The __index of an array's element cache (install_cache): (cache, index), on a miss.
/// Makes the element as array_index does and caches it in place of the last one.
inline int array_cache_index(lua_State* L) {
    constexpr const char* fname = "__index";
    lua_settop(L, 2);
    if (!lua_istable(L, 1) || !lua_getmetatable(L, 1)) throw_type(L, 1, fname, "element cache");
    push_key(L, arr_key);
    lua_rawget(L, 3);
    if (!lua_istable(L, 4)) throw_type(L, 1, fname, "element cache");
    constexpr int cache = 1, array = 4;
    std::int64_t i = 0;
    if (!element_index(L, array, 2, i)) {
        lua_replace(L, 1);  // (array, k)
        return fall_back(L, up_array_fallback, 2);
    }
    push_element(L, array, static_cast<std::size_t>(i) * element_size(L), fname);
    const int e = lua_gettop(L);
    lua_pushnil(L);  // the old key out (the cache holds one), then the new one in
    if (lua_next(L, cache) != 0) {
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_rawset(L, cache);
    }
    push_int64(L, i, fname);
    lua_pushvalue(L, e);
    lua_rawset(L, cache);
    lua_settop(L, e);
    return 1;
}

inline int array_newindex(lua_State* L) {
    constexpr const char* fname = "__newindex";
    check_cdata(L, fname);
    std::int64_t i = 0;
    converted value{};
    const int k = static_cast<int>(lua_tointeger(L, up(up_ekind)));
    if (lua_gettop(L) < 3 || k == none || !element_index(L, 1, 2, i) || !convert(L, 3, k, value, fname, 3))
        return fall_back(L, up_array_fallback, 3);
    const std::size_t esize = element_size(L);
    std::memcpy(resolve(L, static_cast<std::size_t>(i) * esize, esize, access_mode::write, fname),
                value.bytes, esize);
    return 0;
}

/// Pushes the common upvalues (the keys, the region metatable).
inline void push_common_upvalues(lua_State* L) {
    for (int k = 0; k < key_count; ++k) lua_pushlstring(L, key_names[k], key_lengths[k]);
    lua_pushlightuserdata(L, const_cast<char*>(&metatable_key));
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        push_metatable(L);
    }
}

/// struct_access(fields, fallback_index, fallback_newindex) -> __index, __newindex
/// of a struct or union whose scalar fields are `fields` (name -> descriptor).
inline int struct_access(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_settop(L, 3);
    constexpr int own = 2;
    for (int fallback = 2; fallback <= 3; ++fallback) {
        push_common_upvalues(L);
        lua_pushvalue(L, 1);
        lua_pushvalue(L, fallback);
        lua_pushcclosure(L, fallback == 2 ? protect<struct_index> : protect<struct_newindex>,
                         key_count + 1 + own);
    }
    return 2;
}

/// array_access(count | nil, element size, kind, element info, element metatable,
/// fallback_index, fallback_newindex) -> __index, __newindex of an array (and, for
/// aggregate elements, its element caches' __index as a third result).
inline int array_access(lua_State* L) {
    constexpr const char* fname = "ffi.array_access";
    if (!lua_isnil(L, 1)) (void)check_size(L, 1, fname);
    const std::size_t esize = check_size(L, 2, fname);
    const std::int64_t k = check_integer(L, 3, fname);
    if (k < none || k > boolean) throw_argument(3, fname, "not a scalar kind");
    if (k != none && width_of(static_cast<int>(k)) != esize)
        throw_argument(2, fname, "the element size is not its kind's");
    luaL_checktype(L, 6, LUA_TFUNCTION);
    luaL_checktype(L, 7, LUA_TFUNCTION);
    lua_settop(L, 7);
    constexpr int own = 7;
    const auto push_upvalues = [L](int fallback) {
        push_common_upvalues(L);
        for (int a = 1; a <= 5; ++a) lua_pushvalue(L, a);
        lua_pushliteral(L, "proxy");
        lua_pushvalue(L, fallback);
    };
    const bool aggregate = k == none;
    if (aggregate) {  // the element caches' __index (8), then array_index with it
        push_upvalues(6);
        lua_pushcclosure(L, protect<array_cache_index>, key_count + 1 + own);
    }
    push_upvalues(6);
    if (aggregate) lua_pushvalue(L, 8);
    lua_pushcclosure(L, protect<array_index>, key_count + 1 + own + (aggregate ? 1 : 0));
    push_upvalues(7);
    lua_pushcclosure(L, protect<array_newindex>, key_count + 1 + own);
    if (!aggregate) return 2;
    lua_pushvalue(L, 8);
    return 3;
}

/// store(region, offset, kind, value): value (a number or a boolean) converted to
/// kind as LuaJIT converts it, stored at offset: the Lua code's scalar writes.
inline int store(lua_State* L) {
    constexpr const char* fname = "ffi.store";
    const region_arg r(L, 1, fname, access_mode::write);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::int64_t k = check_integer(L, 3, fname);
    if (k <= none || k > boolean) throw_argument(3, fname, "not a scalar kind");
    converted value{};
    if (!convert(L, 4, static_cast<int>(k), value, fname, 4)) throw_type(L, 4, fname, "number or boolean");
    const std::size_t w = width_of(static_cast<int>(k));
    std::memcpy(r.span(offset, w).data(), value.bytes, w);
    return 0;
}

/// convert(kind, value) -> value as stored in kind and read back (ffi.cast's
/// number conversions, without memory).
inline int convert_value(lua_State* L) {
    constexpr const char* fname = "ffi.convert";
    const std::int64_t k = check_integer(L, 1, fname);
    if (k <= none || k > boolean) throw_argument(1, fname, "not a scalar kind");
    converted value{};
    if (!convert(L, 2, static_cast<int>(k), value, fname, 2)) throw_type(L, 2, fname, "number or boolean");
    push_value(L, value.bytes, static_cast<int>(k), fname);
    return 1;
}

/// Sets the accessors' natives, the keys and the scalar kinds into the table at t.
inline void add_access_natives(lua_State* L, int t) {
    static const luaL_Reg functions[] = {
        {"struct_access", protect<struct_access>},
        {"array_access", protect<array_access>},
        {"store", protect<store>},
        {"convert", protect<convert_value>},
        {nullptr, nullptr},
    };
    set_functions(L, t, functions);
    lua_createtable(L, 0, key_count);
    static const char* const names[] = {"reg", "off", "info", "n", "lasti", "laste", "arr"};
    for (int k = 0; k < key_count; ++k) {
        lua_pushlstring(L, key_names[k], key_lengths[k]);
        lua_setfield(L, -2, names[k]);
    }
    lua_setfield(L, t, "keys");
    lua_createtable(L, 0, boolean);
    for (int k = i8; k <= boolean; ++k) {
        lua_pushinteger(L, k);
        lua_setfield(L, -2, kind_codes[k]);
    }
    lua_setfield(L, t, "scalars");
}

}  // namespace memreg::lua::detail::ffi
