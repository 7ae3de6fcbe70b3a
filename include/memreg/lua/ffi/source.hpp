// memreg/lua/ffi/source.hpp — the Lua code of the memreg.ffi module (see ../ffi.hpp).
//
// The chunk is called with the memreg module and a table of natives (ffi.hpp). C
// data are Lua tables that hold a region, an offset into it and their type's info;
// every read and write goes through the region's checked methods, so a C data object
// over freed, resized or reset memory raises instead of reading it. Each ctype's
// info is built once: field lookups are one table hit, field accessors are closures
// made when the type is first used.
#pragma once

#include <string_view>

namespace memreg::lua::detail::ffi {

inline constexpr std::string_view source = R"lua(
local memreg, native = ...
local error, type, select, pairs, tostring, setmetatable, getmetatable, rawget, rawset =
  error, type, select, pairs, tostring, setmetatable, getmetatable, rawget, rawset
local floor = math.floor
local format = string.format

-- Keys of a C data table that no C field name can spell (the C accessors, ffi/access.hpp,
-- use the first six).
local keys = native.keys
local REG, OFF, INFO, N, LASTI, LASTE = keys.reg, keys.off, keys.info, keys.n, keys.lasti, keys.laste
local ADDR, GCK = "\0addr", "\0gc"
local SCALAR = native.scalars             -- scalar code -> the C accessors' kind number
local store_scalar, convert = native.store, native.convert

local probe = memreg.new(8)
local R = {}                               -- region methods, called without a lookup
for _, m in ipairs{"read_i8", "read_u8", "read_i16", "read_u16", "read_i32", "read_u32",
                   "read_i64", "read_u64", "read_f32", "read_f64", "read_ptr", "write_ptr", "ptr", "valid", "len", "copy", "fill", "clear",
                   "tostring", "read_cstring"} do
  R[m] = probe[m]
end
local os_name, arch, bits, endian, char_signed = native.target()

local M = {os = os_name, arch = arch}

local function fail(level, fmt, ...) error(format(fmt, ...), level + 1) end

------------------------------------------------------------------------------
-- Regions the module knows: a pointer read from memory becomes usable C data
-- only when its address lies in one of them (weak: they die with their users).
local known = setmetatable({}, {__mode = "k"})
-- C data holds a view of the whole region, not the region: freeing or resizing the
-- region (or retiring the view with region_of(cd):free()) kills every C data object
-- over it, instead of leaving them over moved memory.
local function over(r)
  local view = r:sub(0)
  known[view] = true
  return view
end
local function address_of_region(r) return native.address(R.ptr(r)) end

local function locate(addr)
  for r in pairs(known) do
    if R.valid(r) then
      local base = address_of_region(r)
      if addr >= base and addr < base + R.len(r) then return r, addr - base end
    end
  end
end

------------------------------------------------------------------------------
-- Conversions of stored values, as LuaJIT's FFI does them: booleans are 0/1,
-- numbers are truncated toward zero and taken modulo 2^bits.
local function is_cdata(v) return type(v) == "table" and rawget(v, INFO) ~= nil end

-- Lua 5.1 and LuaJIT call no __len on tables: there, objects of a type whose metatype
-- has __len are userdata proxies (newproxy) of their C data table. Every function
-- that takes C data unwraps its arguments first.
local newproxy = newproxy
local tables_have_len = #setmetatable({}, {__len = function() return 1 end}) == 1
local proxied = setmetatable({}, {__mode = "k"})   -- proxy -> C data table
local function unwrap(v)
  if v == nil then return nil end
  return proxied[v] or v
end
local proxy_template                       -- forward
local function public(cd)                  -- what Lua code gets: the table or its proxy
  local template = cd[INFO].proxy
  if not template then return cd end
  local u = newproxy(template)
  proxied[u] = cd
  return u
end

local read_scalar                          -- forward: boxed scalars convert to their value

local function number_of(v, tname, level)
  v = unwrap(v)
  local t = type(v)
  if t == "number" then return v end
  if t == "boolean" then return v and 1 or 0 end
  if is_cdata(v) and v[INFO].kind == "scalar" then
    local value = read_scalar(v)
    if type(value) == "boolean" then return value and 1 or 0 end
    return value
  end
  fail(level + 1, "cannot convert '%s' to '%s'", is_cdata(v) and v[INFO].name or t, tname)
end

-- int64 conversion of a number (ffi.cast to a pointer): LuaJIT's, as stores do it.
local function int64_of(x) return convert(SCALAR.i64, x) end

-- Scalar codes (native.info) -> reader and writer over (region, offset). Writers
-- convert numbers and booleans in C (native.store: truncation toward zero, modulo
-- 2^bits, booleans 1/0), and boxed scalars here first.
local function scalar_access(code)
  if code == "ptr" then return nil end
  if code == "char" then code = char_signed and "i8" or "u8" end
  local kind = SCALAR[code]
  local function write(r, o, v, name, level)
    local t = type(v)
    if t ~= "number" and t ~= "boolean" then v = number_of(v, name, level + 1) end
    store_scalar(r, o, kind, v)
  end
  if code == "bool" then return function(r, o) return R.read_u8(r, o) ~= 0 end, write end
  return R["read_" .. code], write
end

------------------------------------------------------------------------------
-- Type infos: one per C type, built when the type is first used.
local by_name = {}                         -- type string -> info
local info_of, info_of_ctype, vla_of       -- forward
local new_cdata, pointer_to                -- forward

local luajit_scalar_names = {
  i8 = "char", u8 = "unsigned char", i16 = "short", u16 = "unsigned short",
  i32 = "int", u32 = "unsigned int", i64 = "int64_t", u64 = "uint64_t",
  f32 = "float", f64 = "double", bool = "bool", char = "char",
}

local function ref(info, r, o)           -- a C data object over (region, offset)
  return public(setmetatable({[REG] = r, [OFF] = o, [INFO] = info, [LASTI] = -1}, info.mt))
end

local function display(info)             -- LuaJIT's spelling: "int [4]", "char *[?]"
  if not info.dims then return info.base end
  return info.base .. (info.base:sub(-1) == "*" and "" or " ") .. info.dims
end

-- The field map of a record: names -> {offset, info}, anonymous members flattened.
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

local function make_metatable(info) return {__metatable = "ffi"} end

local build_access                         -- forward

local function new_info(ct, key)
  local kind, size, align, name, extra, variable = native.info(ct)
  if kind == "array" and variable then     -- "T[?]" (through a typedef, or a VLS's tail)
    local info = vla_of(info_of_ctype(native.element(ct)), key, "?", ct)
    if key then by_name[key] = info end
    return info
  end
  local info = {ct = ct, size = size, align = align, key = key, cname = name}
  if kind == "scalar" then
    if extra == "ptr" then
      info.kind = "pointer"
      info.target_name = name:gsub("%s*%*$", "")
      info.base = ""
    else
      info.kind = "scalar"
      info.code = extra
      info.read, info.write = scalar_access(extra)
      info.skind = SCALAR[extra == "char" and (char_signed and "i8" or "u8") or extra]
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
    info.base = name:match("^struct ") and name or name:match("^union ") and name
      or kind .. " " .. name
  else
    info.kind = "void"
    info.base = "void"
  end
  info.mt = make_metatable(info)
  if key then by_name[key] = info end
  if info.kind == "struct" or info.kind == "union" then
    info.fields, info.order = {}, {}
    add_fields(info, ct, 0, info.fields, info.order)
    if variable then                       -- a VLS: its last member is a VLA
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
  build_access(info)
  return info
end

-- Named records are shared (so a metatype reaches every use of the type);
-- anything else nested gets its own info.
function info_of_ctype(ct)
  local kind, _, _, name = native.info(ct)
  if (kind == "struct" or kind == "union") and name:find("[<%s]", #kind + 2) then
    return new_info(ct, nil)               -- an anonymous record: no name to share
  end
  return by_name[name] or new_info(ct, name)
end

local vla_infos = {["?"] = setmetatable({}, {__mode = "k"}), [""] = setmetatable({}, {__mode = "k"})}
local function strip_arg(e, fname)     -- "bad argument #1 to 'typeof' (why)" -> "why"
  return (tostring(e):gsub("^bad argument #%d to '" .. fname .. "' %((.*)%)$", "%1"))
end
-- "T[?]" (or "T[]"): an array whose count each object has; ct is its memreg ctype
-- (made here if not given), which memreg.sizeof(ct, n) sizes with overflow checks.
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
  info.mt = make_metatable(info)
  build_access(info)
  vla_infos[mark][elem] = info
  return info
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local void_info = {kind = "void", base = "void", name = "void", size = nil, align = 1}
void_info.mt = {__metatable = "ffi"}
by_name.void = void_info

function info_of(spelling, level)
  local info = by_name[spelling]
  if info then return info end
  -- "T[?]" or "T[]" of a T that is no array (memreg's parser takes "int[?][3]" and
  -- refuses "int[3][?]": '[?]' is only the outermost dimension).
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

-- ct arguments: a type spelling, a ctype (ffi.typeof) or a C data object.
local ctype_info = setmetatable({}, {__mode = "k"})   -- ctype object -> info
local function check_ct(ct, fname, arg, level)
  ct = unwrap(ct)
  local t = type(ct)
  if t == "string" then return info_of(ct, level + 1) end
  if t == "table" then
    local info = ctype_info[ct] or rawget(ct, INFO)
    if info then return info end
  end
  fail(level + 1, "bad argument #%d to '%s' (C type expected, got %s)", arg, fname, t)
end

------------------------------------------------------------------------------
-- Element counts, addresses and bounds.
local function sizeof_cdata(cd)
  local info = cd[INFO]
  if info.vla then return cd[N] * info.elem.size end
  if info.vls then return info.size + (rawget(cd, N) or 0) * info.tail.info.elem.size end
  return info.size
end

-- The count of a VLS's tail reached without its object (through a pointer): as many
-- elements as its memory holds.
local function vla_count(vinfo, r, o)
  local esize = vinfo.elem.size
  if esize == 0 then return 0 end
  local n = floor((R.len(r) - o) / esize)
  return n > 0 and n or 0
end

local function address(cd)
  local a = rawget(cd, ADDR)
  if a then return a end
  return address_of_region(cd[REG]) + cd[OFF]
end

local function index_of(k, info, level)
  if type(k) ~= "number" then
    fail(level + 1, "'%s' cannot be indexed with '%s'", info.name, tostring(k))
  end
  if k ~= k then fail(level + 1, "'%s' cannot be indexed with NaN", info.name) end
  return floor(k)
end

local function out_of_bounds(level, info, i, n)
  fail(level + 1, "index %s is outside '%s' (valid: 0 to %s)", tostring(i), info.name,
       tostring(n - 1))
end

-- The memory behind a pointer: its region and offset, or an error for an address
-- outside memreg's memory.
local function pointee(p, level)
  local r = rawget(p, REG)
  if r then return r, p[OFF] end
  local a = rawget(p, ADDR)
  if a == 0 then fail(level + 1, "attempt to dereference a NULL '%s'", p[INFO].name) end
  fail(level + 1, "cannot dereference '%s' 0x%x: not memory of a region of this Lua state",
       p[INFO].name, a)
end

------------------------------------------------------------------------------
-- Reading and writing one object of a type at (region, offset).
local store                                -- forward: (info, region, offset, value, level)
local init_value                           -- forward: (info, region, offset, value, level, n)

local function getter(info)                -- (region, offset) -> Lua value or C data
  if info.kind == "scalar" then return info.read end
  if info.kind == "pointer" then
    return function(r, o)
      local lud = R.read_ptr(r, o)
      if lud == nil then return nil end    -- NULL reads as nil
      return pointer_to(info, native.address(lud))
    end
  end
  return function(r, o) return ref(info, r, o) end
end

local function user_index(info, cd, k, level)
  local ui = info.user_index
  if type(ui) == "table" then
    local v = ui[k]
    if v ~= nil then return v end
  elseif ui ~= nil then
    return ui(cd, k)
  end
  fail(level + 1, "'%s' has no member named '%s'", info.name, tostring(k))
end

function build_access(info)
  local mt = info.mt
  local kind = info.kind
  mt.__tostring = function(cd)
    if rawget(cd, ADDR) == 0 then return "cdata<" .. info.name .. ">: NULL" end
    return format("cdata<%s>: 0x%08x", info.name, address(cd))
  end
  if kind == "struct" or kind == "union" then
    local fields = info.fields
    for _, f in pairs(fields) do
      local finfo = f.info
      if f.vla then                        -- a VLS's tail: the count its object was made with
        local vmt = finfo.mt
        f.get = function(r, o, cd)
          local n = cd and rawget(cd, N) or vla_count(finfo, r, o)
          return public(setmetatable({[REG] = r, [OFF] = o, [INFO] = finfo, [N] = n, [LASTI] = -1}, vmt))
        end
        f.set = function(r, o, v, level, cd)
          local n = cd and rawget(cd, N) or vla_count(finfo, r, o)
          v = unwrap(v)
          if not is_cdata(v) then R.clear(r, o, n * finfo.elem.size) end
          init_value(finfo, r, o, v, level + 1, n)
        end
      else
        f.get = getter(finfo)
        f.set = function(r, o, v, level) store(finfo, r, o, v, level + 1) end
      end
    end
    -- The C accessors (ffi/access.hpp) read and write scalar fields given numbers or
    -- booleans; everything else comes here (level 3: the code that indexed).
    local function index(cd, k)
      local f = fields[k]
      if f then
        if f.vla then return f.get(cd[REG], cd[OFF] + f.offset, cd) end
        return f.get(cd[REG], cd[OFF] + f.offset)
      end
      return (user_index(info, cd, k, 3))  -- no tail call: level 3 is the caller's
    end
    local function newindex(cd, k, v)
      local f = fields[k]
      if f then f.set(cd[REG], cd[OFF] + f.offset, v, 3, cd) return end
      local un = info.user_newindex
      if un then return un(cd, k, v) end
      fail(3, "'%s' has no member named '%s'", info.name, tostring(k))
    end
    local scalars = {}                     -- name -> offset * 16 + kind: one table hit in C
    for name, f in pairs(fields) do
      if not f.vla and f.info.kind == "scalar" then scalars[name] = f.offset * 16 + f.info.skind end
    end
    mt.__index, mt.__newindex = native.struct_access(scalars, index, newindex)
  elseif kind == "array" then
    local elem = info.elem
    local esize = elem.size
    local get = getter(elem)
    local aggregate = elem.kind ~= "scalar" and elem.kind ~= "pointer"
    -- Arrays of scalars and aggregates: the C accessors handle whole indexes in
    -- bounds (and numbers or booleans stored); the rest comes here, at level 3.
    local lv = elem.kind == "pointer" and 2 or 3
    local function index(cd, k)
      local i = k
      if type(k) ~= "number" or k ~= k or k % 1 ~= 0 then i = index_of(k, info, lv) end
      local n = info.count or cd[N]
      if i < 0 or i >= n then
        if info.user_index then return (user_index(info, cd, k, lv)) end
        out_of_bounds(lv, info, i, n)
      end
      if aggregate then                    -- one object per index, reused while it is the last
        if cd[LASTI] == i then return cd[LASTE] end
        local e = ref(elem, cd[REG], cd[OFF] + i * esize)
        rawset(cd, LASTI, i); rawset(cd, LASTE, e)
        return e
      end
      return get(cd[REG], cd[OFF] + i * esize)
    end
    local function newindex(cd, k, v)
      local i = k
      if type(k) ~= "number" or k ~= k or k % 1 ~= 0 then i = index_of(k, info, lv) end
      local n = info.count or cd[N]
      if i < 0 or i >= n then out_of_bounds(lv, info, i, n) end
      store(elem, cd[REG], cd[OFF] + i * esize, v, lv)
    end
    if elem.kind == "pointer" then
      mt.__index, mt.__newindex = index, newindex
    else
      mt.__index, mt.__newindex = native.array_access(info.count, esize, elem.skind or 0, elem,
                                                      elem.mt, index, newindex)
    end
  elseif kind == "pointer" then
    local target                           -- resolved on first dereference
    local function target_info(level)
      if not target then
        if info.target_name == "void" then fail(level + 1, "'void *' cannot be dereferenced") end
        target = info_of(info.target_name, level + 1)
      end
      return target
    end
    local function element(cd, i, level)  -- region, offset of element i, bounds-checked
      local t = target_info(level + 1)
      local r, o = pointee(cd, level + 1)
      local at = o + i * t.size
      if at < 0 or at + t.size > R.len(r) then
        fail(level + 1, "index %s of '%s' is outside its memory (%d bytes of %d at offset %d)",
             tostring(i), info.name, t.size, R.len(r), o)
      end
      return t, r, at
    end
    mt.__index = function(cd, k)
      if type(k) == "number" then
        local t, r, at = element(cd, index_of(k, info, 2), 2)
        return getter(t)(r, at)
      end
      local t, r, at = element(cd, 0, 2)   -- p.field: through the pointer, as C's p->field
      if t.fields then
        local f = t.fields[k]
        if f then return f.get(r, at + f.offset) end
      end
      return user_index(info, cd, k, 2)
    end
    mt.__newindex = function(cd, k, v)
      if type(k) == "number" then
        local t, r, at = element(cd, index_of(k, info, 2), 2)
        return store(t, r, at, v, 2)
      end
      local t, r, at = element(cd, 0, 2)
      local f = t.fields and t.fields[k]
      if not f then fail(2, "'%s' has no member named '%s'", t.name, tostring(k)) end
      f.set(r, at + f.offset, v, 2)
    end
    mt.__eq = function(a, b)
      return is_cdata(a) and is_cdata(b) and address(a) == address(b)
    end
  elseif kind == "scalar" then
    local function value(v) return is_cdata(v) and read_scalar(v) or v end
    mt.__add = function(a, b) return value(a) + value(b) end
    mt.__sub = function(a, b) return value(a) - value(b) end
    mt.__mul = function(a, b) return value(a) * value(b) end
    mt.__div = function(a, b) return value(a) / value(b) end
    mt.__mod = function(a, b) return value(a) % value(b) end
    mt.__pow = function(a, b) return value(a) ^ value(b) end
    mt.__unm = function(a) return -value(a) end
    mt.__eq = function(a, b) return value(a) == value(b) end
    mt.__lt = function(a, b) return value(a) < value(b) end
    mt.__le = function(a, b) return value(a) <= value(b) end
    mt.__concat = function(a, b) return tostring(value(a)) .. tostring(value(b)) end
    mt.__index = function(cd, k) return user_index(info, cd, k, 2) end
    mt.__newindex = function(cd, k)
      fail(2, "'%s' cannot be indexed with '%s'", info.name, tostring(k))
    end
  end
  if kind == "struct" or kind == "union" or kind == "array" then
    mt.__eq = function(a, b)
      return is_cdata(a) and is_cdata(b) and address(a) == address(b)
    end
  end
end

function read_scalar(cd) return cd[INFO].read(cd[REG], cd[OFF]) end

function pointer_to(info, addr, r, o)
  local p = {[INFO] = info}
  if r then
    p[REG], p[OFF] = r, o
  elseif addr ~= 0 then
    p[REG], p[OFF] = locate(addr)
    if not p[REG] then p[ADDR] = addr end
  else
    p[ADDR] = 0
  end
  return setmetatable(p, info.mt)
end

------------------------------------------------------------------------------
-- Initializers and stores, as LuaJIT's rules for initializers say.

local function too_many(level, info) fail(level + 1, "too many initializers for '%s'", info.name) end

local function is_byte_array(info)
  local e = info.elem
  return info.kind == "array" and e.kind == "scalar" and
    (e.code == "char" or e.code == "i8" or e.code == "u8")
end

-- Copies the bytes of C data `src` of the same size over (r, o).
local function copy_from(info, size, r, o, src, level)
  if sizeof_cdata(src) ~= size then
    fail(level + 1, "cannot convert '%s' to '%s'", src[INFO].name, info.name)
  end
  local sr, so = pointee(src, level + 1)
  R.copy(r, o, sr, so, size)
end

local function init_array_elements(info, n, r, o, level, list, first, last, repeat_one)
  local elem, esize = info.elem, info.elem.size
  local given = last - first + 1
  if given > n then too_many(level + 1, info) end
  for i = 0, given - 1 do init_value(elem, r, o + i * esize, list[first + i], level + 1) end
  if given == 1 and repeat_one then
    for i = 1, n - 1 do init_value(elem, r, o + i * esize, list[first], level + 1) end
  end
end

-- n: the count of a VLS's tail (its memory's if not given).
local function init_field(f, r, o, v, level, n)
  if f.vla then n = n or vla_count(f.info, r, o + f.offset) else n = nil end
  init_value(f.info, r, o + f.offset, v, level + 1, n)
end

local function init_record_positional(info, r, o, level, list, first, last, n)
  local order = info.order
  if last - first + 1 > (info.kind == "union" and 1 or #order) then too_many(level + 1, info) end
  for i = first, last do
    init_field(order[i - first + 1], r, o, list[i], level + 1, n)
  end
end

local function table_run(t)                -- t[0 or 1 ...] up to the first nil
  local first = t[0] ~= nil and 0 or 1
  local last = first - 1
  while t[last + 1] ~= nil do last = last + 1 end
  return first, last
end

local function init_table(info, n, r, o, t, level)
  if info.kind == "array" then
    local first, last = table_run(t)
    local given = last - first + 1
    if given > n then too_many(level + 1, info) end
    init_array_elements(info, n, r, o, level + 1, t, first, last, not info.vla)
  else
    local first, last = table_run(t)
    if last >= first then return init_record_positional(info, r, o, level + 1, t, first, last, n) end
    for _, f in ipairs(info.order) do
      local v = t[f.name]
      if v ~= nil then
        init_field(f, r, o, v, level + 1, n)
        if info.kind == "union" then return end
      end
    end
  end
end

-- One initializer for an object of type info at (r, o), whose memory is zero.
function init_value(info, r, o, v, level, n)
  v = unwrap(v)
  local kind = info.kind
  if kind == "scalar" then return info.write(r, o, v, info.name, level + 1) end
  if kind == "pointer" then return store(info, r, o, v, level + 1) end
  n = n or info.count
  if is_cdata(v) and v[INFO].kind ~= "scalar" then
    local size = info.vla and n * info.elem.size or
      info.vls and info.size + (n or 0) * info.tail.info.elem.size or info.size
    return copy_from(info, size, r, o, v, level + 1)
  end
  if type(v) == "table" then return init_table(info, n, r, o, v, level + 1) end
  if type(v) == "string" and is_byte_array(info) then
    local len = #v + 1 <= n and #v + 1 or n
    local bytes = #v + 1 <= n and v .. "\0" or v:sub(1, n)
    return R.copy(r, o, bytes, 0, len)
  end
  if type(v) ~= "number" and type(v) ~= "boolean" and not is_cdata(v) then
    fail(level + 1, "cannot convert '%s' to '%s'", type(v), info.name)
  end
  if kind == "array" then return init_array_elements(info, n, r, o, level + 1, {v}, 1, 1, true) end
  if kind == "struct" or kind == "union" then
    return init_record_positional(info, r, o, level + 1, {v}, 1, 1, n)
  end
  fail(level + 1, "cannot convert '%s' to '%s'", type(v), info.name)
end

-- The flat list of initializers of ffi.new / a ctype constructor.
local function init_list(info, n, r, o, level, ...)
  local given = select("#", ...)
  if given == 0 then return end
  local first = ...
  local kind = info.kind
  if given == 1 and (kind ~= "array" or type(first) ~= "number") then
    return init_value(info, r, o, first, level + 1, n)
  end
  if kind == "scalar" or kind == "pointer" then too_many(level + 1, info) end
  if kind == "array" then
    return init_array_elements(info, n, r, o, level + 1, {...}, 1, given, true)
  end
  init_record_positional(info, r, o, level + 1, {...}, 1, given, n)
end

-- A store into an existing object: the value replaces the whole object.
function store(info, r, o, v, level)
  v = unwrap(v)
  local kind = info.kind
  if kind == "scalar" then info.write(r, o, v, info.name, level + 1) return end
  if kind == "pointer" then
    if v == nil then return R.write_ptr(r, o, nil) end
    if is_cdata(v) then
      local vk = v[INFO].kind
      if vk == "pointer" or vk == "array" or vk == "struct" or vk == "union" then
        return R.write_ptr(r, o, native.pointer(address(v)))
      end
    end
    if memreg.isregion(v) then return R.write_ptr(r, o, v) end
    fail(level + 1, "cannot convert '%s' to '%s'", is_cdata(v) and v[INFO].name or type(v),
         info.name)
  end
  if is_cdata(v) then return copy_from(info, info.size, r, o, v, level + 1) end
  if type(v) == "table" or type(v) == "string" then
    R.clear(r, o, info.size)
    return init_value(info, r, o, v, level + 1)
  end
  fail(level + 1, "cannot convert '%s' to '%s'", type(v), info.name)
end

------------------------------------------------------------------------------
-- The API.
-- The count of a VLA or VLS and its size in bytes (memreg.sizeof checks that it
-- neither overflows nor exceeds what a region can hold).
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

local function fresh(info, n, level, size)
  if info.kind == "void" then fail(level + 1, "cannot create an object of type 'void'") end
  return setmetatable({[REG] = over(memreg.new(size or info.size)), [OFF] = 0, [INFO] = info,
                       [N] = (info.vla or info.vls) and n or nil, [LASTI] = -1}, info.mt)
end

local function create(info, fname, level, ...)
  local cd
  if info.vla or info.vls then
    local n, size = count_arg(info, (...), fname, level + 1)
    cd = fresh(info, n, level + 1, size)
    init_list(info, n, cd[REG], 0, level + 1, select(2, ...))
  else
    cd = fresh(info, info.count, level + 1)
    init_list(info, info.count, cd[REG], 0, level + 1, ...)
  end
  local obj = public(cd)
  local gc = info.user_gc
  if gc then M.gc(obj, gc) end
  return obj
end

function M.new(ct, ...)
  return create(check_ct(ct, "new", 1, 2), "new", 2, ...)
end

local ctype_mt = {
  __call = function(ct, ...) return create(ctype_info[ct], "ctype", 2, ...) end,
  __tostring = function(ct) return "ctype<" .. ctype_info[ct].name .. ">" end,
  __eq = function(a, b) return ctype_info[a] == ctype_info[b] end,
  __metatable = "ffi",
}
local ctypes = setmetatable({}, {__mode = "v"})   -- info -> its ctype object
local function ctype_of(info)
  local ct = ctypes[info]
  if not ct then
    ct = setmetatable({}, ctype_mt)
    ctype_info[ct] = info
    ctypes[info] = ct
  end
  return ct
end

function M.typeof(ct) return ctype_of(check_ct(ct, "typeof", 1, 2)) end

function M.cdef(text)
  if type(text) ~= "string" then
    fail(2, "bad argument #1 to 'cdef' (string expected, got %s)", type(text))
  end
  local ok, e = pcall(memreg.cdef, text)
  if not ok then error(e, 2) end
end

function M.sizeof(ct, nelem)
  ct = unwrap(ct)
  if is_cdata(ct) then return sizeof_cdata(ct) end
  local info = check_ct(ct, "sizeof", 1, 2)
  if info.vla or info.vls then              -- as LuaJIT: the count is required
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
  obj = unwrap(obj)
  if not is_cdata(obj) then return false end
  local o = obj[INFO]
  if o == info then return true end
  if info.kind == "pointer" and o.kind == "pointer" then
    return info.target_name == o.target_name or info.target_name == "void"
  end
  return false
end

local function check_cdata(v, fname, arg, level)
  v = unwrap(v)
  if not is_cdata(v) then
    fail(level + 1, "bad argument #%d to '%s' (cdata expected, got %s)", arg, fname, type(v))
  end
  return v
end

-- The region and offset of the memory C data stands for (a pointer: what it points to).
local function memory_of(cd, level) return pointee(cd, level + 1) end

function M.string(p, len)
  p = check_cdata(p, "string", 1, 2)
  local r, o = memory_of(p, 2)
  if len == nil then return R.read_cstring(r, o) end
  return R.tostring(r, o, len)
end

function M.copy(dst, src, len)
  dst = check_cdata(dst, "copy", 1, 2)
  local r, o = memory_of(dst, 2)
  if type(src) == "string" then
    if len == nil then return R.copy(r, o, src .. "\0", 0, #src + 1) end
    return R.copy(r, o, src, 0, len)
  end
  src = check_cdata(src, "copy", 2, 2)
  local sr, so = memory_of(src, 2)
  if len == nil then fail(2, "bad argument #3 to 'copy' (number expected, got nil)") end
  R.copy(r, o, sr, so, len)
end

function M.fill(dst, len, c)
  dst = check_cdata(dst, "fill", 1, 2)
  local r, o = memory_of(dst, 2)
  R.fill(r, c or 0, o, len)
end

function M.cast(ct, init)
  local info = check_ct(ct, "cast", 1, 2)
  init = unwrap(init)
  local kind = info.kind
  if kind == "pointer" then
    if init == nil then return pointer_to(info, 0) end
    if is_cdata(init) then
      local k = init[INFO].kind
      if k == "scalar" then return pointer_to(info, int64_of(read_scalar(init))) end
      if rawget(init, REG) then return pointer_to(info, nil, init[REG], init[OFF]) end
      return pointer_to(info, rawget(init, ADDR))
    end
    if memreg.isregion(init) then return pointer_to(info, nil, over(init), 0) end
    if type(init) == "number" then return pointer_to(info, int64_of(init)) end
    fail(2, "cannot convert '%s' to '%s'", type(init), info.name)
  end
  if kind == "scalar" then
    local v = init
    if is_cdata(init) and init[INFO].kind ~= "scalar" then v = address(init) end
    local box = create(info, "cast", 2)
    info.write(box[REG], 0, v, info.name, 2)
    return read_scalar(box)
  end
  fail(2, "invalid C type for cast: '%s'", info.name)
end

-- The shared metatable of a type's proxies: the table's metamethods, with the
-- table (not the proxy) handed to the built-in ones.
function proxy_template(info)
  local template = newproxy(true)
  local pmt, mt, user = getmetatable(template), info.mt, info.user_mt
  for k, v in pairs(mt) do pmt[k] = v end
  pmt.__index = function(u, k) return mt.__index(proxied[u], k) end
  pmt.__newindex = function(u, k, v) return mt.__newindex(proxied[u], k, v) end
  if not user.__tostring then pmt.__tostring = function(u) return mt.__tostring(proxied[u]) end end
  if not user.__eq then pmt.__eq = function(a, b) return mt.__eq(unwrap(a), unwrap(b)) end end
  pmt.__gc = function(u)
    local cd = proxied[u]
    local state = cd and rawget(cd, GCK)
    local f = state and state.fin
    if f then state.fin = nil; f(u) end
  end
  return template
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
  local cmt = info.mt
  for k, v in pairs(mt) do
    if k ~= "__index" and k ~= "__newindex" and k ~= "__gc" and k ~= "__metatable" then
      cmt[k] = v
    end
  end
  if mt.__len and not tables_have_len and newproxy then info.proxy = proxy_template(info) end
  return ctype_of(info)
end

local function sentinel(fn)                -- Lua 5.1 and LuaJIT: tables have no __gc
  if newproxy then
    local p = newproxy(true)
    getmetatable(p).__gc = fn
    return p
  end
  return setmetatable({}, {__gc = fn})
end

function M.gc(obj, fin)
  local cd = check_cdata(obj, "gc", 1, 2)
  local old = rawget(cd, GCK)
  if old then old.fin = nil end
  if fin == nil then rawset(cd, GCK, nil); return obj end
  local state = {fin = fin}
  if cd ~= obj then                         -- a proxy: its own __gc runs the finalizer
    rawset(cd, GCK, state)
    return obj
  end
  state.sentinel = sentinel(function()
    local f = state.fin
    state.fin = nil
    if f then f(cd) end
  end)
  rawset(cd, GCK, state)
  return cd
end

local abi = {["32bit"] = bits == 32, ["64bit"] = bits == 64, le = endian == "le",
             be = endian == "be", fpu = true, softfp = false, hardfp = true, eabi = false,
             win = os_name == "Windows", uwp = false, pauth = false}
function M.abi(param)
  if type(param) ~= "string" then
    fail(2, "bad argument #1 to 'abi' (string expected, got %s)", type(param))
  end
  return abi[param] == true
end

-- ffi.C: enum constants declared by cdef. Calling C functions is not memreg's job.
M.C = setmetatable({}, {
  __index = function(_, name)
    local v = type(name) == "string" and native.constant(name)
    if v == nil then fail(2, "missing declaration for symbol '%s'", tostring(name)) end
    return v
  end,
  __newindex = function(_, name) fail(2, "cannot assign to ffi.C.%s", tostring(name)) end,
})

-- memreg extras: the region under C data, and C data over a region.
function M.region_of(cd)
  cd = check_cdata(cd, "region_of", 1, 2)
  return memory_of(cd, 2)
end

return M
)lua";

}  // namespace memreg::lua::detail::ffi
