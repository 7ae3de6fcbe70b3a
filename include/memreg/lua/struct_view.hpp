// memreg/lua/struct_view.hpp — typed views of a region: r:view(type [, off]) and
// r:array(type, n [, off]).
//
//   local img = r:array("rgba_pixel", n)     -- 0-based, like an FFI array
//   img[i].green = 128                       -- fields by name, nested ones too
//   local p = r:view("struct packet", 16); p.hdr.len = 4; p.data[3] = 1
//
// A view reads a scalar field as a Lua value and gives a nested struct, union or
// array as another view of the same memory. Writes are checked, not C casts: 300
// does not fit a uint8_t and 1.5 is not an integer (each raises an error; LuaJIT's
// FFI would truncate), a bool goes only into a bool. Pointer fields read as light
// userdata and take a light userdata, a region (its address) or nil. A bit-field
// reads as an integer (sign-extended if its type is signed) or a bool, and a write
// must fit its width (a signed 5-bit field holds -16..15, as in C).
//
// A view holds its region's memory the way a sub-region does (the memory lives as
// long as any view of it) and is checked on every access: once the region is
// freed, resized or its arena reset, using the view raises an error. A view reached
// after its own __gc (resurrected by a finalizer) raises "view used after it was
// collected".
//
// Finalizers can run inside any call that allocates, and may free or resize the
// region. So each function here first does everything that can allocate (parse a
// type name, create the new view userdata) and only then looks at the region: it
// re-checks validity and range, and a new view takes the region's generation before
// anything can allocate again (a later resize makes it invalid, never too long).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "../layout.hpp"
#include "resolve.hpp"
#include "scalars.hpp"
#include "struct_types.hpp"
#include "userdata.hpp"

namespace memreg::lua {

// view_metatable: the registry key, in config.hpp.

namespace detail {

/// A typed view: the bytes (held like a sub-region, read-only when its region is)
/// and their C type. The binding's own: hosts take regions, not views.
struct view_userdata {
    explicit view_userdata(bool read_only) noexcept
        : target(region_access::make(false, read_only)) {}
    region_userdata target;
    layout type;
    bool anchored = false;   // a host owner is anchored to this view (see userdata.hpp)
    bool collected = false;  // __gc ran: type is destroyed, target released
};

inline constexpr const char* view_fname = "view";

inline view_userdata* to_view(lua_State* L, int idx);

/// Releases the memory and destroys the type, once; the userdata stays marked dead.
/// What __gc does, and what lua_close does to a view it does not finalize.
inline void collect_view(void* p) noexcept {
    auto* v = static_cast<view_userdata*>(p);
    region_access::node(v->target).unlink();
    if (v->collected) return;
    v->collected = true;
    release_view(v->target);
    std::destroy_at(&v->type);
}

inline int view_gc(lua_State* L) {
    view_userdata* v = to_view(L, 1);
    if (v == nullptr) throw_type(L, 1, "__gc", "view");
    collect_view(v);
    return 0;
}

inline int view_index(lua_State* L);
inline int view_newindex(lua_State* L);
inline int view_len(lua_State* L);
inline int view_tostring(lua_State* L);

/// Pushes the view metatable, creating it the first time. __index and __newindex
/// carry the metatable as an upvalue, so checking their first argument is one compare.
inline void push_view_metatable(lua_State* L) {
    static const luaL_Reg metamethods[] = {
        {"__gc", protect<view_gc>},
        {"__len", protect<view_len>},
        {"__tostring", protect<view_tostring>},
        {nullptr, nullptr},
    };
    if (!new_metatable(L, view_metatable, metamethods)) return;
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, protect<view_index>, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, protect<view_newindex>, 1);
    lua_setfield(L, -2, "__newindex");
}

/// The view at idx (collected or not), or nullptr.
inline view_userdata* to_view(lua_State* L, int idx) {
    return static_cast<view_userdata*>(test_udata(L, idx, view_metatable));
}

/// The view at idx, nullptr if the value is not a view; throws if it was collected.
inline view_userdata* to_live_view(lua_State* L, int idx, const char* fname) {
    view_userdata* v = to_view(L, idx);
    if (v != nullptr && v->collected) throw_collected(fname, "view");
    return v;
}

/// The live view at argument arg (its memory may be invalid).
inline view_userdata& check_live_view(lua_State* L, int arg, const char* fname) {
    view_userdata* v = to_live_view(L, arg, fname);
    if (v == nullptr) throw_type(L, arg, fname, "view");
    return *v;
}

/// Throws unless the view at argument 1 is alive and its memory valid. Every
/// function checks this again after its last allocation.
inline void check_usable(const view_userdata& v, const char* fname) {
    if (v.collected) throw_collected(fname, "view");
    if (!v.target.valid()) throw_argument(1, fname, invalid_problem);
}

/// The view at argument 1 of a metamethod whose upvalue 1 is the view metatable.
inline view_userdata& self_view(lua_State* L) {
    void* p = udata_with_metatable(L, 1, lua_upvalueindex(1));
    if (p == nullptr) throw_type(L, 1, view_fname, "view");
    auto& v = *static_cast<view_userdata*>(p);
    check_usable(v, view_fname);
    return v;
}

/// Pushes an empty view (no memory yet, void type; read-only when its region is)
/// with its metatable (taken from `metatable` if it is not 0, e.g. an upvalue, else
/// from the registry). Lua may raise "not enough memory" here: no C++ object with a
/// destructor may be live.
inline view_userdata& new_view(lua_State* L, bool read_only, int metatable = 0) {
    void* p = lua_newuserdata(L, sizeof(view_userdata));
    auto* v = new (p) view_userdata(read_only);
    if (metatable != 0)
        lua_pushvalue(L, metatable);
    else
        push_view_metatable(L);
    lua_setmetatable(L, -2);
    // Into the state's list (lifetime.hpp): lua_close frees it if it does not finalize it.
    if (!try_track(L, region_access::node(v->target), v, collect_view)) {
        collect_view(v);
        throw_closing(view_fname);
    }
    return *v;
}

/// Points the view on the top of the stack at `size` bytes at `offset` (relative to
/// the parent's own view) of the parent's memory, and keeps a host owner anchored
/// to the parent anchored to the view too. The caller has checked the range; the
/// view was made with the parent's read_only().
/// `parent_anchored` is false when the parent is known to have no anchor (a view
/// of a view that has none), which saves the lookup on every element access.
inline void attach_view(lua_State* L, view_userdata& v, int parent_idx,
                        const region_userdata& parent, std::size_t offset, std::size_t size,
                        bool parent_anchored = true) {
    parent_idx = absolute(L, parent_idx);
    region_access::attach(v.target, region_access::memory(parent), region_access::generation(parent),
                          parent.offset() + offset, size);
    if (!parent_anchored) return;
    lua_getfield(L, LUA_REGISTRYINDEX, anchors_key);
    if (lua_istable(L, -1)) {
        lua_pushvalue(L, parent_idx);
        lua_rawget(L, -2);
        if (!lua_isnil(L, -1)) {
            lua_pushvalue(L, -3);  // the view
            lua_insert(L, -2);
            lua_rawset(L, -3);
            v.anchored = true;
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/// What a key of a view reaches: the member's type and its offset in the view.
inline layout_member member(lua_State* L, const layout& t, int key) {
    if (t.is_array()) {
        std::int64_t i = 0;
        if (!to_int64(L, key, i)) {
            if (is_number(L, key))
                throw_argument(key, view_fname, "index into " + t.name() + " must be an integer, got " +
                                                    describe_number(L, key));
            throw_argument(key, view_fname, "index into " + t.name() + " expected, got " +
                                                type_name(L, key));
        }
        if (i < 0 || static_cast<std::uint64_t>(i) >= t.count())
            throw out_of_range("view(index=" + std::to_string(i) + "): outside " + t.name());
        const layout& e = t.element();
        return {&e, static_cast<std::size_t>(i) * e.size()};
    }
    if (!t.is_record()) throw_argument(key, view_fname, t.name() + " has no fields");
    if (lua_type(L, key) != LUA_TSTRING)
        throw_argument(key, view_fname, "field name of " + t.name() + " expected, got " +
                                            type_name(L, key));
    std::size_t n = 0;
    const char* name = lua_tolstring(L, key, &n);
    layout_member m{};
    if (t.find(std::string_view(name, n), m) == nullptr)
        throw_argument(key, view_fname,
                       t.name() + " has no field '" + std::string(name, n) + "'");
    return m;
}

/// Pushes a scalar value of kind k as a Lua value (allocates nothing).
inline void push_value(lua_State* L, const scalar_value& v, scalar_kind k) {
    if (k == scalar_kind::pointer) {
        lua_pushlightuserdata(L, reinterpret_cast<void*>(
                                     static_cast<std::uintptr_t>(std::get<std::uint64_t>(v))));
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
        push_int64(L, *i, view_fname);
    } else if (const auto* u = std::get_if<std::uint64_t>(&v)) {
        push_uint64(L, *u, view_fname);
    } else if (const auto* d = std::get_if<double>(&v)) {
        lua_pushnumber(L, static_cast<lua_Number>(*d));
    } else {
        lua_pushboolean(L, std::get<bool>(v) ? 1 : 0);
    }
}

/// Pushes the scalar of kind k at p as a Lua value.
inline void push_field(lua_State* L, const std::byte* p, scalar_kind k) {
    push_value(L, read_scalar(const_region(p, scalar_size(k)), 0, k), k);
}

/// The Lua value at idx as a scalar for a field of kind k.
inline scalar_value field_value(lua_State* L, int idx, const layout& field) {
    const scalar_kind k = field.scalar();
    const int type = lua_type(L, idx);
    if (k == scalar_kind::pointer) {
        if (type == LUA_TNIL) return std::uint64_t{0};
        if (type == LUA_TLIGHTUSERDATA)
            return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(lua_touserdata(L, idx)));
        if (region_userdata* r = to_userdata(L, idx)) {
            if (!r->valid()) throw_argument(idx, view_fname, invalid_problem);
            return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(r->bytes().data()));
        }
        throw_argument(idx, view_fname,
                       field.name() + " field expects a light userdata, a region or nil, got " +
                           type_name(L, idx));
    }
    if (type == LUA_TBOOLEAN) return lua_toboolean(L, idx) != 0;
    if (type != LUA_TNUMBER)
        throw_argument(idx, view_fname,
                       field.name() + " field expects a number, got " + type_name(L, idx));
#if MEMREG_LUA_INT64
    if (lua_isinteger(L, idx)) return static_cast<std::int64_t>(lua_tointeger(L, idx));
#endif
    return static_cast<double>(lua_tonumber(L, idx));
}

inline int view_index(lua_State* L) {
    view_userdata& v = self_view(L);
    const layout_member m = member(L, v.type, 2);
    const layout& t = *m.type;
    if (m.bit_width != 0) {  // a bit-field: read sign-extended, allocates nothing
        push_value(L, read_bitfield(const_region(v.target.bytes()), m), t.scalar());
        return 1;
    }
    if (t.is_scalar()) {  // pushing a number, boolean or light userdata allocates nothing
        push_field(L, v.target.bytes().data() + m.offset, t.scalar());
        return 1;
    }
    view_userdata& sub = new_view(L, v.target.read_only(), lua_upvalueindex(1));
    check_usable(v, view_fname);  // finalizers may have run; v keeps t alive
    sub.type = t;
    attach_view(L, sub, 1, v.target, m.offset, t.size(), v.anchored);
    return 1;
}

inline int view_newindex(lua_State* L) {
    view_userdata& v = self_view(L);
    if (v.target.read_only()) throw_read_only(view_fname, v.target.size());
    const layout_member m = member(L, v.type, 2);
    const layout& t = *m.type;
    if (!t.is_scalar())
        throw_argument(2, view_fname, "cannot assign to a " + t.name() +
                                          " member as a whole; assign its fields or elements");
    try {
        const scalar_value value = field_value(L, 3, t);  // converts without allocating
        if (m.bit_width != 0)  // checked against the width: 8 does not fit 3 bits
            write_bitfield(v.target.bytes(), m, value);
        else
            write_scalar(v.target.bytes(), m.offset, t.scalar(), value);
    } catch (const argument_error&) {
        throw;
    } catch (const bad_argument& e) {
        throw_argument(3, view_fname, e.what());  // the value does not fit the field
    }
    return 0;
}

inline int view_len(lua_State* L) {
    const view_userdata& v = check_live_view(L, 1, "len");
    if (!v.type.is_array()) throw_argument(1, "len", v.type.name() + " is not an array");
    push_size(L, v.type.count(), "len");
    return 1;
}

inline int view_tostring(lua_State* L) {
    const view_userdata& v = check_live_view(L, 1, "tostring");
    // lua_pushfstring copies its arguments before it can collect anything.
    if (!v.target.valid()) {
        lua_pushfstring(L, "view<%s> (invalid)", v.type.name().c_str());
        return 1;
    }
    lua_pushfstring(L, "view<%s>: %s", v.type.name().c_str(),
                    format_address(v.target.bytes().data()).text);
    return 1;
}

/// Phase 2 of taking a type with a size (not void): the ctype prepare_type left at arg.
inline const layout& object_type_at(lua_State* L, int arg, const char* fname) {
    const layout& t = ctype_at(L, arg, fname);
    if (t.kind() == layout_kind::void_) throw_argument(arg, fname, "void has no size");
    if (t.is_variable())
        throw_argument(arg, fname, t.name() + " is a variable-length type: give its count with memreg.typeof(type, n)");
    return t;
}

/// r:view(type [, off]) -> a view of one `type` at off (0 by default)
inline int region_view(lua_State* L) {
    constexpr const char* fname = "view";
    const region_arg r(L, 1, fname);
    prepare_type(L, 2, fname);
    object_type_at(L, 2, fname);
    const std::size_t offset = opt_offset(L, 3, fname, 0);
    view_userdata& v = new_view(L, r.userdata().read_only());
    // The allocations are done: check the region and the range as they are now.
    const layout& t = object_type_at(L, 2, fname);
    (void)r.span(offset, t.size());
    v.type = t;
    attach_view(L, v, 1, r.userdata(), offset, t.size());
    return 1;
}

/// r:array(type, n [, off]) -> a view of n `type`s at off, indexed 0 … n-1
inline int region_array(lua_State* L) {
    constexpr const char* fname = "array";
    const region_arg r(L, 1, fname);
    prepare_type(L, 2, fname);
    object_type_at(L, 2, fname);
    const std::size_t n = check_offset(L, 3, fname, "count");
    const std::size_t offset = opt_offset(L, 4, fname, 0);
    view_userdata& v = new_view(L, r.userdata().read_only());
    // The allocations are done: check the region and the range as they are now.
    v.type = layout::array_of(object_type_at(L, 2, fname), n);
    (void)r.span(offset, v.type.size());
    attach_view(L, v, 1, r.userdata(), offset, v.type.size());
    return 1;
}

}  // namespace detail
}  // namespace memreg::lua
