// memreg/lua/ffi/luajit_source.hpp — the Lua code of memreg.ffi on LuaJIT (see ../ffi.hpp;
// other Luas run source.hpp).
//
// Built on LuaJIT's own ffi, so that LuaJIT compiles every access. The memory is a
// memreg region (so region_of works, and C data can lie over mapped files, heaps,
// arenas); what the user gets is a *handle*: a cdata struct
//     { uint8_t *p; const uint32_t *live; uint32_t gen; double n; }
// with one ffi.metatype per C type, whose metamethods check the index against n and the
// region's liveness cell (live[0] == gen, ../watch.hpp) in plain Lua the JIT compiles,
// then read or write through a typed pointer. The element handles made by img[i] are
// not kept anywhere, so LuaJIT's allocation sinking removes them from compiled loops.
//
// Handles returned by ffi.new, a ctype constructor and ffi.cast keep their memory
// alive (a weak-keyed table from the handle to the region); element and field handles
// do not: they raise "region is invalid" once the memory is gone (its cell was bumped).
// Resolve rule: every access forms its typed pointer first (which allocates in the
// interpreter, and so can run a finalizer), then checks the cell, then touches memory.
#pragma once

#include <string_view>

namespace memreg::lua::detail::ffi {

inline constexpr std::string_view luajit_source = R"lua(
local memreg, native = ...
local ffi = require "ffi"
local error, type, select, pairs, ipairs, tostring, tonumber, setmetatable, pcall =
  error, type, select, pairs, ipairs, tostring, tonumber, setmetatable, pcall
local floor = math.floor
local format = string.format
local cast, typeof, C_copy, C_fill, C_gc = ffi.cast, ffi.typeof, ffi.copy, ffi.fill, ffi.gc

local probe = memreg.new(8)
local R = {}                               -- region methods, called without a lookup
for _, m in ipairs{"ptr", "valid", "len", "copy", "fill", "tostring", "read_cstring", "sub"} do
  R[m] = probe[m]
end
probe = nil

local M = {os = ffi.os, arch = ffi.arch}
local INVALID = "region is invalid (freed, resized or its arena reset)"

local function fail(level, fmt, ...) error(format(fmt, ...), level + 1) end

------------------------------------------------------------------------------
-- Real ctypes, made on first use (so a program's anonymous structs keep the type
-- numbers LuaJIT gives them without memreg.ffi).
local U8P, UPTR, CELLP, VOIDP, VOIDPP, I64
local SP, SC = {}, {}                      -- scalar code -> pointer ctype, value ctype
local scalar_cnames = {
  i8 = "int8_t", u8 = "uint8_t", i16 = "int16_t", u16 = "uint16_t", i32 = "int32_t",
  u32 = "uint32_t", i64 = "int64_t", u64 = "uint64_t", f32 = "float", f64 = "double",
  bool = "bool", char = "char",
}
local NEVER                                -- the cell of handles that reach no memory
local function init_ctypes()
  if U8P then return end
  U8P, UPTR, CELLP = typeof("uint8_t *"), typeof("uintptr_t"), typeof("const uint32_t *")
  VOIDP, VOIDPP, I64 = typeof("void *"), typeof("void **"), typeof("int64_t")
  for code, cname in pairs(scalar_cnames) do
    SC[code] = typeof(cname)
    SP[code] = typeof(cname .. " *")
  end
  NEVER = ffi.new("uint32_t[1]", 1)        -- anchored by the metamethods' upvalues
end

local function address_of(p) return tonumber(cast(UPTR, p)) end

------------------------------------------------------------------------------
-- Views the module made (one per region it uses), their cells, and handles.
local known = setmetatable({}, {__mode = "k"})           -- view -> true
local view_of_cell = setmetatable({}, {__mode = "v"})    -- cell address -> view
local asked = {}           -- cell address -> cell value, for views a cell cannot
                           -- stand for (mapped files): handles ask r:valid()
local anchor = setmetatable({}, {__mode = "k"})          -- handle -> view it keeps alive
local handle_info = {}                                   -- handle ctype id -> info

-- A view of region r that memreg.ffi owns (freeing or resizing r kills it; so does
-- region_of(cd):free()), with its cell and the cell's value now.
local function watched(r, level)
  init_ctypes()
  local view = R.sub(r, 0)
  local lud, exact = native.watch(view)
  if not lud then fail(level + 1, INVALID) end
  local live = cast(CELLP, lud)
  local key = address_of(live)
  view_of_cell[key] = view
  known[view] = true
  local gen = live[0]
  if exact then
    asked[key] = nil
  else
    asked[key] = gen
    gen = (gen + 4294967295) % 4294967296  -- never equal: every access asks
  end
  return view, live, gen
end

local function info_of_handle(v)
  if type(v) ~= "cdata" then return nil end
  return handle_info[tonumber(typeof(v))]
end

-- The view under a handle, and the handle's offset into it (nil: none, or gone).
local function view_under(h)
  local live = h.__mr_live
  if live == NEVER then return nil end
  local view = view_of_cell[address_of(live)]
  if not view or not R.valid(view) then return nil end
  local off = address_of(h.__mr_p) - address_of(R.ptr(view))
  return view, off
end

-- A handle whose cell no longer says yes: an error, unless a mapped file says it is
-- still valid.
local function stale(info, h, level)
  local live = h.__mr_live
  if live == NEVER then
    if h.__mr_p == nil then fail(level + 1, "attempt to dereference a NULL '%s'", info.name) end
    fail(level + 1, "cannot dereference '%s' 0x%x: not memory of a region of this Lua state",
         info.name, address_of(h.__mr_p))
  end
  local key = address_of(live)
  local value = asked[key]
  if value and value == live[0] and (h.__mr_gen + 1) % 4294967296 == value then
    local view = view_of_cell[key]
    if view and R.valid(view) then return end
  end
  fail(level + 1, INVALID)
end

------------------------------------------------------------------------------
-- Type infos: one per C type, built when the type is first used (memreg's parser
-- lays types out; LuaJIT's ffi names them).
local by_name = {}
local info_of, info_of_ctype, vla_of, handle_ct

local luajit_scalar_names = {
  i8 = "char", u8 = "unsigned char", i16 = "short", u16 = "unsigned short",
  i32 = "int", u32 = "unsigned int", i64 = "int64_t", u64 = "uint64_t",
  f32 = "float", f64 = "double", bool = "bool", char = "char",
}

local function real_name(spelling)        -- LuaJIT's name of a declared type, or nil
  local ok, ct = pcall(typeof, spelling)
  if ok then return (tostring(ct):match("^ctype<(.*)>$")) end
end

local function display(info)
  if not info.dims then return info.base end
  return info.base .. (info.base:sub(-1) == "*" and "" or " ") .. info.dims
end

local function add_fields(info, ct, base_offset, map, order)
  local _, _, _, _, count = native.info(ct)
  for i = 1, count do
    local fname, offset, fct = native.field(ct, i)
    local finfo = info_of_ctype(fct)
    if fname == "" then
      add_fields(info, fct, base_offset + offset, map, order)
    else
      local f = {name = fname, offset = base_offset + offset, info = finfo}
      map[fname] = f
      order[#order + 1] = f
    end
  end
end

local function new_info(ct, key)
  local kind, size, align, name, extra, variable = native.info(ct)
  if kind == "array" and variable then
    local info = vla_of(info_of_ctype(native.element(ct)), key, "?", ct)
    if key then by_name[key] = info end
    return info
  end
  local info = {ct = ct, size = size, align = align, key = key}
  if kind == "scalar" then
    if extra == "ptr" then
      info.kind = "pointer"
      info.target_name = name:gsub("%s*%*$", "")
      info.base = ""
    else
      info.kind = "scalar"
      info.code = extra
      info.base = name:match("^enum ") and name or luajit_scalar_names[extra]
    end
  elseif kind == "array" then
    info.kind = "array"
    info.count = extra
    info.elem = info_of_ctype(native.element(ct))
    info.base = info.elem.base
    info.dims = "[" .. extra .. "]" .. (info.elem.dims or "")
  elseif kind == "struct" or kind == "union" then
    info.kind = kind
    local anonymous = name:find("[<%s]", #kind + 2)
    info.base = not anonymous and real_name(name) or
      (name:match("^struct ") and name or name:match("^union ") and name or kind .. " " .. name)
  else
    info.kind = "void"
    info.base = "void"
  end
  if key then by_name[key] = info end
  if info.kind == "struct" or info.kind == "union" then
    info.fields, info.order = {}, {}
    add_fields(info, ct, 0, info.fields, info.order)
    if variable then
      info.vls = true
      info.tail = info.order[#info.order]
      info.tail.vla = true
    end
  end
  if info.kind == "pointer" then
    local target = info.target_name
    local known_target = target ~= "void" and (by_name[target] or select(2, pcall(info_of, target, 1)))
    info.base = (type(known_target) == "table" and known_target.name or target) .. " *"
  end
  info.name = display(info)
  return info
end

function info_of_ctype(ct)
  local kind, _, _, name = native.info(ct)
  if (kind == "struct" or kind == "union") and name:find("[<%s]", #kind + 2) then
    return new_info(ct, nil)
  end
  return by_name[name] or new_info(ct, name)
end

local vla_infos = {["?"] = setmetatable({}, {__mode = "k"}), [""] = setmetatable({}, {__mode = "k"})}
local function strip_arg(e, fname)
  return (tostring(e):gsub("^bad argument #%d to '" .. fname .. "' %((.*)%)$", "%1"))
end
function vla_of(elem, spelling, mark, ct, level)
  local info = vla_infos[mark][elem]
  if info then return info end
  if not ct then
    local ok, made = pcall(native.vla, elem.ct or "void")
    if not ok then fail((level or 1) + 1, "%s", strip_arg(made, "ffi.vla")) end
    ct = made
  end
  info = {kind = "array", vla = true, elem = elem, size = nil, align = elem.align, ct = ct,
          base = elem.base, dims = "[" .. mark .. "]" .. (elem.dims or ""), key = spelling}
  info.name = display(info)
  vla_infos[mark][elem] = info
  return info
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local void_info = {kind = "void", base = "void", name = "void", size = nil, align = 1}
by_name.void = void_info

function info_of(spelling, level)
  local info = by_name[spelling]
  if info then return info end
  local elem, mark = spelling:match("^(.-)%s*%[%s*(%??)%s*%]%s*$")
  if elem and not elem:find("%]%s*$") then
    info = vla_of(info_of(trim(elem), level + 1), spelling, mark, nil, level + 1)
    by_name[spelling] = info
    return info
  end
  local ok, ct = pcall(memreg.typeof, spelling)
  if not ok then fail(level + 1, "%s", strip_arg(ct, "typeof")) end
  info = info_of_ctype(ct)
  by_name[spelling] = info
  return info
end

-- ctype objects (ffi.typeof): cdata { int32_t id } with __call, __tostring, __eq.
local CT
local ctype_infos, ctypes = {}, {}
local create                               -- forward
local function ctype_of(info)
  local ct = ctypes[info]
  if ct then return ct end
  init_ctypes()
  if not CT then
    CT = ffi.metatype(typeof("struct { int32_t __mr_id; }"), {
      __call = function(c, ...) return create(ctype_infos[c.__mr_id], "ctype", 2, ...) end,
      __tostring = function(c) return "ctype<" .. ctype_infos[c.__mr_id].name .. ">" end,
      __eq = function(a, b)
        return type(a) == "cdata" and type(b) == "cdata" and ffi.istype(CT, a) and
          ffi.istype(CT, b) and a.__mr_id == b.__mr_id
      end,
    })
  end
  local id = #ctype_infos + 1
  ctype_infos[id] = info
  ct = CT(id)
  ctypes[info] = ct
  return ct
end

local function check_ct(ct, fname, arg, level)
  local t = type(ct)
  if t == "string" then return info_of(ct, level + 1) end
  if t == "cdata" then
    if CT and ffi.istype(CT, ct) then return ctype_infos[ct.__mr_id] end
    local info = info_of_handle(ct)
    if info then return info end
  end
  fail(level + 1, "bad argument #%d to '%s' (C type expected, got %s)", arg, fname, t)
end

------------------------------------------------------------------------------
-- Values: what a store takes, as LuaJIT converts it.
local function value_of_box(info, h)       -- a boxed scalar's value
  local q = cast(SP[info.code], h.__mr_p)
  if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
  return q[0]
end

-- v converted for a store into a scalar of type `info` (numbers, booleans, LuaJIT's own
-- cdata like int64_t pass: the store converts them).
local function number_of(v, info, level)
  local t = type(v)
  if t == "number" then return v end
  if t == "boolean" then
    if info.code == "bool" then return v end
    return v and 1 or 0
  end
  if t == "cdata" then
    local vi = info_of_handle(v)
    if not vi then return v end
    if vi.kind == "scalar" then return value_of_box(vi, v) end
    fail(level + 1, "cannot convert '%s' to '%s'", vi.name, info.name)
  end
  fail(level + 1, "cannot convert '%s' to '%s'", t, info.name)
end

local function sizeof_handle(info, h)
  if info.vla then return h.__mr_n * info.elem.size end
  if info.vls then return info.size + h.__mr_n * info.tail.info.elem.size end
  return info.size
end

------------------------------------------------------------------------------
-- Handles.
-- (No tail calls on the hot paths: LuaJIT stops recording a trace after a few.)
local function make(info, p, live, gen, n)
  local H = info.H or handle_ct(info)
  return (H(p, live, gen, n))
end

-- A pointer handle for address a (a uint8_t *) of pointer type info: over the view
-- that holds a (bounded by it) if memreg.ffi knows one, else opaque.
local function pointer_handle(info, a, keep)
  handle_ct(info)
  if a == nil then return make(info, nil, NEVER, 0, 0) end
  local addr = address_of(a)
  for view in pairs(known) do
    if R.valid(view) then
      local base = address_of(R.ptr(view))
      local len = R.len(view)
      if addr >= base and addr < base + len then
        local lud = native.watch(view)
        if lud then
          local live = cast(CELLP, lud)
          local key = address_of(live)
          local gen = asked[key] and (live[0] + 4294967295) % 4294967296 or live[0]
          local tsize = info.target_size(1)
          local n = tsize and tsize > 0 and floor((base + len - addr) / tsize) or 0
          local h = make(info, cast(U8P, a), live, gen, n)
          if keep then anchor[h] = view end
          return h
        end
      end
    end
  end
  return make(info, cast(U8P, a), NEVER, 0, 0)
end

-- Readers and writers of one object of type info at a typed address.
local store                                -- forward: (info, a, v, level, n)

-- (a: uint8_t *, h: the handle a lies in) -> value or handle; checks h after its last
-- allocation before it reads memory.
local function reader(info)
  local kind = info.kind
  if kind == "scalar" then
    local P = SP[info.code]
    return function(a, h)
      local q = cast(P, a)
      if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
      return q[0]
    end
  end
  if kind == "pointer" then
    return function(a, h)
      local q = cast(VOIDPP, a)
      if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
      local raw = q[0]
      if raw == nil then return nil end
      return pointer_handle(info, raw)
    end
  end
  local count = info.count or 0
  return function(a, h) return (make(info, a, h.__mr_live, h.__mr_gen, count)) end
end

local function user_index(info, h, k, level)
  local ui = info.user_index
  if type(ui) == "table" then
    local v = ui[k]
    if v ~= nil then return v end
  elseif ui ~= nil then
    return ui(h, k)
  end
  fail(level + 1, "'%s' has no member named '%s'", info.name, tostring(k))
end

local function bad_index(info, k, level)
  if type(k) ~= "number" then
    fail(level + 1, "'%s' cannot be indexed with '%s'", info.name, tostring(k))
  end
  fail(level + 1, "'%s' cannot be indexed with NaN", info.name)
end

local function out_of_bounds(level, info, i, n)
  fail(level + 1, "index %s is outside '%s' (valid: 0 to %s)", tostring(i), info.name,
       tostring(n - 1))
end

local function user_mm(name)
  return function(a, b)
    local ia, ib = info_of_handle(a), info_of_handle(b)
    local f = ia and ia.user_mt and ia.user_mt[name] or ib and ib.user_mt and ib.user_mt[name]
    if f then return f(a, b) end
    local box = ia and ia.kind == "scalar" and ia or ib and ib.kind == "scalar" and ib
    if box and name ~= "__len" and name ~= "__call" then
      local function value(v, vi)
        if not vi then return v end
        if vi.kind ~= "scalar" then
          fail(3, "attempt to perform arithmetic on a '%s' value", vi.name)
        end
        local x = value_of_box(vi, v)
        local code = vi.code
        if code ~= "f32" and code ~= "f64" and code ~= "bool" and type(x) == "number" then
          return I64(x)                    -- LuaJIT's arithmetic on integer cdata: int64_t
        end
        return x
      end
      local x, y = value(a, ia), value(b, ib)
      if name == "__add" then return x + y elseif name == "__sub" then return x - y
      elseif name == "__mul" then return x * y elseif name == "__div" then return x / y
      elseif name == "__mod" then return x % y elseif name == "__pow" then return x ^ y
      elseif name == "__unm" then return -x elseif name == "__lt" then return x < y
      elseif name == "__le" then return x <= y
      elseif name == "__concat" then return tostring(x) .. tostring(y) end
    end
    local what = (ia or ib).name
    if name == "__len" then fail(2, "attempt to get length of a '%s' value", what) end
    if name == "__call" then fail(2, "attempt to call a '%s' value", what) end
    if name == "__concat" then fail(2, "attempt to concatenate a '%s' value", what) end
    if name == "__lt" or name == "__le" then fail(2, "attempt to compare a '%s' value", what) end
    fail(2, "attempt to perform arithmetic on a '%s' value", what)
  end
end

local function metatable_of(info)
  local kind = info.kind
  local mt = {}
  for _, name in ipairs{"__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm",
                        "__lt", "__le", "__concat", "__len", "__call"} do
    mt[name] = user_mm(name)
  end
  mt.__tostring = function(h)
    local user = info.user_mt and info.user_mt.__tostring
    if user then return user(h) end
    local s = tostring(cast(VOIDP, h.__mr_p))  -- "cdata<void *>: 0x..." or ": NULL"
    return "cdata<" .. info.name .. ">" .. s:sub(14)
  end
  mt.__eq = function(a, b)
    local user = info.user_mt and info.user_mt.__eq
    if user then return user(a, b) end
    if type(a) == "nil" or type(b) == "nil" then  -- (== would call this again)
      local h = type(a) == "nil" and b or a
      return kind == "pointer" and h.__mr_p == nil
    end
    local ia, ib = info_of_handle(a), info_of_handle(b)
    if not ia or not ib then return false end
    if ia.kind == "scalar" and ib.kind == "scalar" then
      return value_of_box(ia, a) == value_of_box(ib, b)
    end
    return a.__mr_p == b.__mr_p
  end
  if kind == "struct" or kind == "union" then
    local readers, writers = {}, {}
    for fname, f in pairs(info.fields) do
      local off, finfo = f.offset, f.info
      if finfo.kind == "scalar" then
        local P = SP[finfo.code]
        readers[fname] = function(h) return cast(P, h.__mr_p + off) end
        writers[fname] = function(h, v, level)
          local q = cast(P, h.__mr_p + off)
          if type(v) ~= "number" then v = number_of(v, finfo, level + 1) end
          if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
          q[0] = v
        end
      else
        local get = reader(finfo)
        readers[fname] = false
        local fget = function(h)
          local a = h.__mr_p + off
          if f.vla then return make(finfo, a, h.__mr_live, h.__mr_gen, h.__mr_n) end
          return get(a, h)
        end
        f.get = fget
        writers[fname] = function(h, v, level)
          local a = h.__mr_p + off
          if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
          store(finfo, a, v, level + 1, f.vla and h.__mr_n or nil, h)
        end
      end
    end
    info.readers, info.writers = readers, writers
    local fields = info.fields
    mt.__index = function(h, k)
      local r = readers[k]
      if r then
        local q = r(h)
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        return q[0]
      end
      if r == false then
        local f = fields[k]
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        local v = f.get(h)
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        return v
      end
      return user_index(info, h, k, 2)
    end
    mt.__newindex = function(h, k, v)
      local w = writers[k]
      if w then return w(h, v, 2) end
      local un = info.user_newindex
      if un then return un(h, k, v) end
      fail(2, "'%s' has no member named '%s'", info.name, tostring(k))
    end
  elseif kind == "array" then
    local elem = info.elem
    local esize = elem.size
    if elem.kind == "scalar" then
      local P = SP[elem.code]
      mt.__index = function(h, k)
        if type(k) ~= "number" or k ~= k then
          if info.user_index and type(k) ~= "number" then return user_index(info, h, k, 2) end
          bad_index(info, k, 2)
        end
        local i = floor(k)
        local n = h.__mr_n
        if i < 0 or i >= n then out_of_bounds(2, info, i, n) end
        local q = cast(P, h.__mr_p + i * esize)
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        return q[0]
      end
      mt.__newindex = function(h, k, v)
        if type(k) ~= "number" or k ~= k then bad_index(info, k, 2) end
        local i = floor(k)
        local n = h.__mr_n
        if i < 0 or i >= n then out_of_bounds(2, info, i, n) end
        local q = cast(P, h.__mr_p + i * esize)
        if type(v) ~= "number" then v = number_of(v, elem, 2) end
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        q[0] = v
      end
    else
      local get = reader(elem)
      mt.__index = function(h, k)
        if type(k) ~= "number" or k ~= k then
          if info.user_index and type(k) ~= "number" then return user_index(info, h, k, 2) end
          bad_index(info, k, 2)
        end
        local i = floor(k)
        local n = h.__mr_n
        if i < 0 or i >= n then out_of_bounds(2, info, i, n) end
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        local v = get(h.__mr_p + i * esize, h)
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        return v
      end
      mt.__newindex = function(h, k, v)
        if type(k) ~= "number" or k ~= k then bad_index(info, k, 2) end
        local i = floor(k)
        local n = h.__mr_n
        if i < 0 or i >= n then out_of_bounds(2, info, i, n) end
        local a = h.__mr_p + i * esize
        if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
        store(elem, a, v, 2, nil, h)
      end
    end
  elseif kind == "pointer" then
    local target
    local function target_info(level)
      if not target then
        if info.target_name == "void" then fail(level + 1, "'void *' cannot be dereferenced") end
        target = info_of(info.target_name, level + 1)
        handle_ct(target)
      end
      return target
    end
    info.target_size = function(level)
      if info.target_name == "void" then return 0 end
      local ok, t = pcall(target_info, level)
      return ok and t.size or 0
    end
    local function element(h, k, level)    -- the address of element k, bounds-checked
      local t = target_info(level + 1)
      if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
      if k ~= k then bad_index(info, k, level + 1) end
      local i = floor(k)
      if i < 0 or i >= h.__mr_n then
        local view, off = view_under(h)
        if not view then fail(level + 1, INVALID) end
        fail(level + 1, "index %s of '%s' is outside its memory (%d bytes of %d at offset %d)",
             tostring(i), info.name, t.size, R.len(view), off)
      end
      return t, h.__mr_p + i * t.size
    end
    -- an element handle over the same memory as h
    local function deref(t, a, h)
      local n = t.count or 0
      if t.vls then                        -- its tail: as many elements as the memory holds
        local view, off = view_under(h)
        local esize = t.tail.info.elem.size
        local rest = view and R.len(view) - (off + address_of(a) - address_of(h.__mr_p)) - t.tail.offset or 0
        n = esize > 0 and rest > 0 and floor(rest / esize) or 0
      end
      return make(t, a, h.__mr_live, h.__mr_gen, n)
    end
    mt.__index = function(h, k)
      if type(k) == "number" then
        local t, a = element(h, k, 2)
        if t.kind == "scalar" then
          local q = cast(SP[t.code], a)
          if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, 2) end
          return q[0]
        end
        if t.kind == "struct" or t.kind == "union" or t.kind == "array" then return deref(t, a, h) end
        return reader(t)(a, h)
      end
      local t = target_info(2)
      if t.fields and t.fields[k] then
        local _, a = element(h, 0, 2)
        return deref(t, a, h)[k]            -- p.field: through the pointer, as C's p->field
      end
      return user_index(info, h, k, 2)
    end
    mt.__newindex = function(h, k, v)
      if type(k) == "number" then
        local t, a = element(h, k, 2)
        return store(t, a, v, 2, nil, h)
      end
      local t = target_info(2)
      if not (t.fields and t.fields[k]) then
        fail(2, "'%s' has no member named '%s'", t.name, tostring(k))
      end
      local _, a = element(h, 0, 2)
      deref(t, a, h)[k] = v
    end
  else                                     -- scalar boxes, void
    mt.__index = function(h, k) return user_index(info, h, k, 2) end
    mt.__newindex = function(h, k, v)
      local un = info.user_newindex
      if un then return un(h, k, v) end
      fail(2, "'%s' cannot be indexed with '%s'", info.name, tostring(k))
    end
  end
  return mt
end

function handle_ct(info)
  local H = info.H
  if H then return H end
  init_ctypes()
  H = ffi.metatype(typeof("struct { uint8_t *__mr_p; const uint32_t *__mr_live; uint32_t __mr_gen; double __mr_n; }"),
                   metatable_of(info))
  info.H = H
  handle_info[tonumber(H)] = info
  if info.elem then handle_ct(info.elem) end
  return H
end

------------------------------------------------------------------------------
-- Initializers and stores (LuaJIT's rules), into memory at a (uint8_t *) known to
-- hold the object: fresh memory (ffi.new), or a handle checked just before.
local init_value                           -- forward

local function too_many(level, info) fail(level + 1, "too many initializers for '%s'", info.name) end

local function is_byte_array(info)
  local e = info.elem
  return info.kind == "array" and e.kind == "scalar" and
    (e.code == "char" or e.code == "i8" or e.code == "u8")
end

-- h: the handle whose memory a is in (nil: fresh memory), checked after the last
-- allocation, just before the write.
local function write_scalar(info, a, v, level, h)
  local x = number_of(v, info, level + 1)
  local q = cast(SP[info.code], a)
  if h and h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
  q[0] = x
end

local function write_pointer(info, a, v, level, h)
  local x
  if v ~= nil then
    local vi = info_of_handle(v)
    if vi and vi.kind ~= "scalar" then x = v.__mr_p
    elseif memreg.isregion(v) then x = R.ptr(v)
    else fail(level + 1, "cannot convert '%s' to '%s'", vi and vi.name or type(v), info.name) end
  end
  local q = cast(VOIDPP, a)
  if h and h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
  q[0] = x
end

-- Copies the bytes of handle src of the same size to a.
local function copy_from(info, size, a, src, si, level, h)
  if sizeof_handle(si, src) ~= size then
    fail(level + 1, "cannot convert '%s' to '%s'", si.name, info.name)
  end
  local p = src.__mr_p
  if src.__mr_live[0] ~= src.__mr_gen then stale(si, src, level + 1) end
  if h and h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
  if p ~= a then C_copy(a, p, size) end
end

local function init_array_elements(info, n, a, level, list, first, last, repeat_one)
  local elem, esize = info.elem, info.elem.size
  local given = last - first + 1
  if given > n then too_many(level + 1, info) end
  for i = 0, given - 1 do init_value(elem, a + i * esize, list[first + i], level + 1) end
  if given == 1 and repeat_one then
    for i = 1, n - 1 do init_value(elem, a + i * esize, list[first], level + 1) end
  end
end

local function vla_count(vinfo, n) return n or 0 end

local function init_field(f, a, v, level, n)
  init_value(f.info, a + f.offset, v, level + 1, f.vla and vla_count(f.info, n) or nil)
end

local function init_record_positional(info, a, level, list, first, last, n)
  local order = info.order
  if last - first + 1 > (info.kind == "union" and 1 or #order) then too_many(level + 1, info) end
  for i = first, last do init_field(order[i - first + 1], a, list[i], level + 1, n) end
end

local function table_run(t)
  local first = t[0] ~= nil and 0 or 1
  local last = first - 1
  while t[last + 1] ~= nil do last = last + 1 end
  return first, last
end

local function init_table(info, n, a, t, level)
  local first, last = table_run(t)
  if info.kind == "array" then
    if last - first + 1 > n then too_many(level + 1, info) end
    return init_array_elements(info, n, a, level + 1, t, first, last, not info.vla)
  end
  if last >= first then return init_record_positional(info, a, level + 1, t, first, last, n) end
  for _, f in ipairs(info.order) do
    local v = t[f.name]
    if v ~= nil then
      init_field(f, a, v, level + 1, n)
      if info.kind == "union" then return end
    end
  end
end

function init_value(info, a, v, level, n)
  local kind = info.kind
  if kind == "scalar" then return write_scalar(info, a, v, level + 1) end
  if kind == "pointer" then return write_pointer(info, a, v, level + 1) end
  n = n or info.count
  local vi = info_of_handle(v)
  if vi and vi.kind ~= "scalar" then
    local size = info.vla and n * info.elem.size or
      info.vls and info.size + (n or 0) * info.tail.info.elem.size or info.size
    return copy_from(info, size, a, v, vi, level + 1)
  end
  local t = type(v)
  if t == "table" then return init_table(info, n, a, v, level + 1) end
  if t == "string" and is_byte_array(info) then
    local len = #v + 1 <= n and #v + 1 or n
    return C_copy(a, v, len)
  end
  if t ~= "number" and t ~= "boolean" and t ~= "cdata" then
    fail(level + 1, "cannot convert '%s' to '%s'", t, info.name)
  end
  if kind == "array" then return init_array_elements(info, n, a, level + 1, {v}, 1, 1, true) end
  if kind == "struct" or kind == "union" then
    return init_record_positional(info, a, level + 1, {v}, 1, 1, n)
  end
  fail(level + 1, "cannot convert '%s' to '%s'", t, info.name)
end

local function init_list(info, n, a, level, ...)
  local given = select("#", ...)
  if given == 0 then return end
  local first = ...
  local kind = info.kind
  if given == 1 and (kind ~= "array" or type(first) ~= "number") then
    return init_value(info, a, first, level + 1, n)
  end
  if kind == "scalar" or kind == "pointer" then too_many(level + 1, info) end
  if kind == "array" then return init_array_elements(info, n, a, level + 1, {...}, 1, given, true) end
  init_record_positional(info, a, level + 1, {...}, 1, given, n)
end

-- A store into an existing object (checked just before): the value replaces it.
local TMP
function store(info, a, v, level, n, h)
  local kind = info.kind
  if kind == "scalar" then return write_scalar(info, a, v, level + 1, h) end
  if kind == "pointer" then return write_pointer(info, a, v, level + 1, h) end
  local size = info.vla and (n or 0) * info.elem.size or info.size
  local vi = info_of_handle(v)
  if vi and vi.kind ~= "scalar" then return copy_from(info, size, a, v, vi, level + 1, h) end
  local t = type(v)
  if t == "table" or t == "string" then
    -- built aside (initializers allocate, and so can run finalizers), then copied
    TMP = TMP or typeof("uint8_t[?]")
    local tmp = TMP(size)
    init_value(info, cast(U8P, tmp), v, level + 1, n)
    if h and h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
    C_copy(a, tmp, size)
    return
  end
  fail(level + 1, "cannot convert '%s' to '%s'", vi and vi.name or t, info.name)
end

------------------------------------------------------------------------------
-- The API.
local function count_arg(info, nelem, fname, level)
  if type(nelem) ~= "number" or nelem < 0 or nelem % 1 ~= 0 then
    fail(level + 1, "bad argument #2 to '%s' (size of '%s' expected, got %s)", fname, info.name,
         type(nelem) == "number" and tostring(nelem) or type(nelem))
  end
  local ok, size = pcall(memreg.sizeof, info.ct, nelem)
  if not ok then
    fail(level + 1, "bad argument #2 to '%s' (count of '%s': %s)", fname, info.name,
         strip_arg(size, "sizeof"))
  end
  return nelem, size
end

function create(info, fname, level, ...)
  if info.kind == "void" then fail(level + 1, "cannot create an object of type 'void'") end
  local H = handle_ct(info)
  local n, size
  local variable = info.vla or info.vls
  if variable then
    n, size = count_arg(info, (...), fname, level + 1)
  else
    n, size = info.count or 0, info.size
  end
  local r = memreg.new(size)
  local view, live, gen = watched(r, level + 1)
  local a = cast(U8P, R.ptr(view))
  if variable then
    init_list(info, n, a, level + 1, select(2, ...))
  else
    init_list(info, info.count, a, level + 1, ...)
  end
  local h = H(a, live, gen, n)
  anchor[h] = view
  local gc = info.user_gc
  if gc then M.gc(h, gc) end
  return h
end

function M.new(ct, ...) return create(check_ct(ct, "new", 1, 2), "new", 2, ...) end

function M.typeof(ct) return ctype_of(check_ct(ct, "typeof", 1, 2)) end

function M.cdef(text)
  if type(text) ~= "string" then
    fail(2, "bad argument #1 to 'cdef' (string expected, got %s)", type(text))
  end
  local ok, e = pcall(memreg.cdef, text)
  if not ok then error(e, 2) end
  pcall(ffi.cdef, text)                    -- for LuaJIT's names of the types; memreg lays them out
end

function M.sizeof(ct, nelem)
  local hi = info_of_handle(ct)
  if hi then return sizeof_handle(hi, ct) end
  local info = check_ct(ct, "sizeof", 1, 2)
  if info.vla or info.vls then
    local _, size = count_arg(info, nelem, "sizeof", 2)
    return size
  end
  return info.size
end

function M.alignof(ct) return check_ct(ct, "alignof", 1, 2).align end

function M.offsetof(ct, field)
  local info = check_ct(ct, "offsetof", 1, 2)
  local f = info.fields and info.fields[field]
  if f then return f.offset end
  return nil
end

function M.istype(ct, obj)
  local info = check_ct(ct, "istype", 1, 2)
  local o = info_of_handle(obj)
  if not o then return false end
  if o == info then return true end
  if info.kind == "pointer" and o.kind == "pointer" then
    return info.target_name == o.target_name or info.target_name == "void"
  end
  return false
end

local function check_handle(v, fname, arg, level)
  local info = info_of_handle(v)
  if not info then
    fail(level + 1, "bad argument #%d to '%s' (cdata expected, got %s)", arg, fname, type(v))
  end
  return info
end

-- The view and offset of the memory a handle stands for, or an error.
local function memory_of(h, info, level)
  if h.__mr_live[0] ~= h.__mr_gen then stale(info, h, level + 1) end
  local view, off = view_under(h)
  if not view then fail(level + 1, INVALID) end
  return view, off
end

function M.string(p, len)
  local info = check_handle(p, "string", 1, 2)
  local view, off = memory_of(p, info, 2)
  if len == nil then return R.read_cstring(view, off) end
  return R.tostring(view, off, len)
end

function M.copy(dst, src, len)
  local info = check_handle(dst, "copy", 1, 2)
  local view, off = memory_of(dst, info, 2)
  if type(src) == "string" then
    if len == nil then return R.copy(view, off, src .. "\0", 0, #src + 1) end
    return R.copy(view, off, src, 0, len)
  end
  local si = check_handle(src, "copy", 2, 2)
  local sview, soff = memory_of(src, si, 2)
  if len == nil then fail(2, "bad argument #3 to 'copy' (number expected, got nil)") end
  R.copy(view, off, sview, soff, len)
end

function M.fill(dst, len, c)
  local info = check_handle(dst, "fill", 1, 2)
  local view, off = memory_of(dst, info, 2)
  R.fill(view, c or 0, off, len)
end

function M.cast(ct, init)
  local info = check_ct(ct, "cast", 1, 2)
  handle_ct(info)
  local kind = info.kind
  local ii = info_of_handle(init)
  if kind == "pointer" then
    if init == nil then return pointer_handle(info, nil) end
    if ii then
      if ii.kind == "scalar" then
        return pointer_handle(info, cast(VOIDP, cast(UPTR, value_of_box(ii, init))), true)
      end
      -- over the same memory, with the same cell: a stale object casts to a stale pointer
      local view, off = view_under(init)
      local tsize = info.target_size(2)
      local n = view and tsize > 0 and floor((R.len(view) - off) / tsize) or 0
      local h = make(info, init.__mr_p, init.__mr_live, init.__mr_gen, n)
      if view then anchor[h] = view end
      return h
    end
    if memreg.isregion(init) then
      local view, live, gen = watched(init, 2)
      local tsize = info.target_size(2)
      local len = R.len(view)
      local h = make(info, cast(U8P, R.ptr(view)), live, gen,
                     tsize > 0 and floor(len / tsize) or 0)
      anchor[h] = view
      return h
    end
    if type(init) == "number" then return pointer_handle(info, cast(VOIDP, init), true) end
    if type(init) == "cdata" then return pointer_handle(info, cast(VOIDP, init), true) end
    fail(2, "cannot convert '%s' to '%s'", type(init), info.name)
  end
  if kind == "scalar" then
    local v = init
    if ii then
      if ii.kind == "scalar" then v = value_of_box(ii, init)
      else v = cast(UPTR, init.__mr_p) end
    elseif type(v) == "boolean" then
      v = v and 1 or 0
    end
    local ok, value = pcall(cast, SC[info.code], v)
    if not ok then fail(2, "cannot convert '%s' to '%s'", type(init), info.name) end
    return value
  end
  fail(2, "invalid C type for cast: '%s'", info.name)
end

function M.metatype(ct, mt)
  local info = check_ct(ct, "metatype", 1, 2)
  if info.kind ~= "struct" and info.kind ~= "union" then  -- as LuaJIT: arrays keep theirs
    fail(2, "bad argument #1 to 'metatype' (struct or union type expected, got '%s')", info.name)
  end
  if type(mt) ~= "table" then
    fail(2, "bad argument #2 to 'metatype' (table expected, got %s)", type(mt))
  end
  if info.user_mt then fail(2, "cannot change a protected metatable") end
  info.user_mt = mt
  info.user_index, info.user_newindex, info.user_gc = mt.__index, mt.__newindex, mt.__gc
  return ctype_of(info)
end

function M.gc(obj, fin)
  check_handle(obj, "gc", 1, 2)
  if fin == nil then return C_gc(obj, nil) end
  local keep = anchor[obj] or view_under(obj)  -- the memory lives until the finalizer ran
  return C_gc(obj, function(o)
    local _ = keep
    return fin(o)
  end)
end

function M.abi(param)
  if type(param) ~= "string" then
    fail(2, "bad argument #1 to 'abi' (string expected, got %s)", type(param))
  end
  return ffi.abi(param)
end

M.C = setmetatable({}, {
  __index = function(_, name)
    local v = type(name) == "string" and native.constant(name)
    if v == nil then fail(2, "missing declaration for symbol '%s'", tostring(name)) end
    return v
  end,
  __newindex = function(_, name) fail(2, "cannot assign to ffi.C.%s", tostring(name)) end,
})

-- memreg extras: the region under C data (a view of it, and the offset).
function M.region_of(cd)
  local info = check_handle(cd, "region_of", 1, 2)
  return memory_of(cd, info, 2)
end

return M
)lua";

}  // namespace memreg::lua::detail::ffi
