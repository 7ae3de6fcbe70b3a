// The C++ side of the Lua binding: open, push_region, check_region / to_region from
// a host's own C functions, protect, and whole states on a memreg allocator.
#include <memreg/heap.hpp>
#include <memreg/lua.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <string>
#include <type_traits>

namespace {

/// A state with the standard libraries and memreg loaded as the global `memreg`.
memreg::lua::unique_state make_state() {
    memreg::lua::unique_state state(luaL_newstate());
    lua_State* L = state.get();
    luaL_openlibs(L);
    lua_pushcfunction(L, memreg::lua::open);
    lua_call(L, 0, 1);
    lua_setglobal(L, "memreg");
    return state;
}

/// Runs code; returns "" on success, else the error message without the
/// position prefix ("[string \"...\"]:1: ") that Lua puts in front.
std::string run(lua_State* L, const std::string& code) {
    if (luaL_loadstring(L, code.c_str()) != 0 || lua_pcall(L, 0, 0, 0) != 0) {
        std::string message = lua_tostring(L, -1);
        lua_pop(L, 1);
        if (message.rfind("[string ", 0) == 0) message.erase(0, message.find("]:1: ") + 5);
        return message;
    }
    return "";
}

/// A host C function that takes a region, the way a real host would: sums its bytes
/// (reads them, so any region will do, read-only ones included).
int host_sum(lua_State* L) {
    const memreg::const_region r = memreg::lua::check_const_region(L, 1);
    lua_Number sum = 0;
    for (std::byte b : r) sum += static_cast<lua_Number>(b);
    lua_pushnumber(L, sum);
    return 1;
}

int live_guards = 0;
struct guard {
    guard() { ++live_guards; }
    ~guard() { --live_guards; }
};

int throws_memreg_error(lua_State*) {
    guard g;
    throw memreg::out_of_range("thing(offset=9): outside region of size 4");
}
int throws_bad_alloc(lua_State*) {
    guard g;
    throw std::bad_alloc();
}
// A Lua error raised inside a protected body (as an out-of-memory error from a
// lua_push* would be): on LuaJIT it is a foreign exception that protect must let
// through, not turn into "unknown C++ exception".
int raises_lua_error(lua_State* L) { return luaL_error(L, "raised by Lua with %d", 42); }
int throws_unknown(lua_State*) {
    guard g;
    throw 42;
}

}  // namespace

TEST_CASE("open builds the module table", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    CHECK(run(L, "assert(type(memreg.new) == 'function')") == "");
    CHECK(run(L, "assert(memreg.version:find('memreg 0.1', 1, true))") == "");
    CHECK(run(L, "local r = memreg.new(4); assert(r.read_u8 and r.write_f64 and r.sub)") == "");
}

TEST_CASE("preload makes require find the module", "[lua][host]") {
    memreg::lua::unique_state state(luaL_newstate());
    lua_State* L = state.get();
    luaL_openlibs(L);
    memreg::lua::preload(L);
    CHECK(run(L, "local m = require 'memreg'; assert(#m.new(3) == 3)") == "");
}

TEST_CASE("push_region hands host memory to Lua and back", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    std::array<unsigned char, 8> storage{1, 2, 3, 4, 5, 6, 7, 8};
    const memreg::region bytes = memreg::to_region(storage);

    memreg::lua::push_region(L, bytes);
    lua_setglobal(L, "host_memory");
    CHECK(run(L, "assert(#host_memory == 8 and host_memory:read_u8(7) == 8)") == "");
    CHECK(run(L, "host_memory:write_u8(0, 100)") == "");
    CHECK(storage[0] == 100);
    CHECK(run(L, "assert(tostring(host_memory):find('8 bytes, host', 1, true))") == "");
    CHECK(run(L, "host_memory:resize(16)") ==
          "resize(size=16): memory owned by the host cannot be resized");

    lua_getglobal(L, "host_memory");
    CHECK(memreg::lua::to_region(L, -1).data() == bytes.data());
    CHECK(memreg::lua::to_userdata(L, -1) != nullptr);
    lua_pop(L, 1);

    // free() only invalidates: the memory is the host's.
    CHECK(run(L, "host_memory:free(); assert(not host_memory:valid())") == "");
    lua_getglobal(L, "host_memory");
    CHECK(memreg::lua::to_region(L, -1).empty());
    lua_pop(L, 1);
    CHECK(storage[7] == 8);
}

/// A host C function that writes into a region: check_region refuses read-only ones.
int host_zero(lua_State* L) {
    const memreg::region r = memreg::lua::check_region(L, 1);
    for (std::byte& b : r) b = std::byte{0};
    return 0;
}

TEST_CASE("the host API gives a read-only region's bytes only as const", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    const std::array<unsigned char, 4> storage{1, 2, 3, 4};
    memreg::lua::push_region(L, memreg::to_region(storage));
    lua_setglobal(L, "ro");
    lua_pushcfunction(L, host_sum);
    lua_setglobal(L, "host_sum");
    lua_pushcfunction(L, host_zero);
    lua_setglobal(L, "host_zero");
    CHECK(run(L, "assert(host_sum(ro) == 10)") == "");
    CHECK(run(L, "host_zero(ro)") == "bad argument #1 to 'host_zero' (region is read-only)");
    CHECK(storage == std::array<unsigned char, 4>{1, 2, 3, 4});
    CHECK(run(L, "w = memreg.new(3); w:fill(7); host_zero(w); assert(w:read_u8(2) == 0)") == "");
    lua_getglobal(L, "ro");
    CHECK(memreg::lua::to_region(L, -1).empty());
    CHECK(memreg::lua::to_const_region(L, -1).data() == reinterpret_cast<const std::byte*>(storage.data()));
    CHECK(memreg::lua::to_const_region(L, -1).size() == 4);
    lua_pop(L, 1);
    lua_pushinteger(L, 5);
    CHECK(memreg::lua::to_const_region(L, -1).empty());
    lua_pop(L, 1);
}

TEST_CASE("a const region is read-only in Lua", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    const std::array<unsigned char, 4> storage{9, 8, 7, 6};
    memreg::lua::push_region(L, memreg::to_region(storage));
    lua_setglobal(L, "ro");
    CHECK(run(L, "assert(ro:read_u8(0) == 9)") == "");
    CHECK(run(L, "ro:write_u8(0, 1)") == "write_u8(size=4): region is read-only");
    CHECK(run(L, "ro:sub(1):fill(0)") == "fill(size=3): region is read-only");
    // Read-only from the moment it exists, and what the host reads of it says so.
    lua_getglobal(L, "ro");
    const memreg::lua::region_userdata* ud = memreg::lua::to_userdata(L, -1);
    REQUIRE(ud != nullptr);
    CHECK(ud->read_only());
    CHECK(ud->owner());
    CHECK(ud->valid());
    CHECK(ud->size() == 4);
    CHECK(ud->offset() == 0);
    CHECK(std::string(ud->kind()) == "host");
    lua_pop(L, 1);
    CHECK(run(L, "sub = ro:sub(1, 2)") == "");
    lua_getglobal(L, "sub");
    const memreg::lua::region_userdata* sub = memreg::lua::to_userdata(L, -1);
    REQUIRE(sub != nullptr);
    CHECK(sub->read_only());
    CHECK_FALSE(sub->owner());
    CHECK(sub->offset() == 1);
    CHECK(sub->size() == 2);
    CHECK(sub->bytes().data() == memreg::lua::to_const_region(L, -1).data());
    CHECK(memreg::lua::to_region(L, -1).empty());  // nothing writable to give
    lua_pop(L, 1);
    CHECK(run(L, "sub:free()") == "");
    CHECK(sub->freed());
    CHECK_FALSE(sub->valid());
    CHECK_FALSE(sub->collected());
    CHECK(std::string(sub->kind()) == "host");
    // Finalized by hand: dead, and it says so; it holds no memory any more.
    CHECK(run(L, "debug.getmetatable(sub).__gc(sub)") == "");
    CHECK(sub->collected());
    CHECK(sub->bytes().empty());
    CHECK(std::string(sub->kind()).empty());
    CHECK(run(L, "sub:read_u8(0)") == "read_u8(): region used after it was collected");
}

// A host reads a region userdata and cannot change it, nor make one of its own.
static_assert(!std::is_default_constructible_v<memreg::lua::region_userdata>);
static_assert(!std::is_copy_constructible_v<memreg::lua::region_userdata>);
static_assert(!std::is_copy_assignable_v<memreg::lua::region_userdata>);
static_assert(!std::is_constructible_v<memreg::lua::region_userdata, bool, bool>);

TEST_CASE("push_region keeps the owner value alive", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    // The owner: a userdata with a __gc that records its collection.
    static bool owner_collected = false;
    owner_collected = false;
    auto* storage = static_cast<unsigned char*>(lua_newuserdata(L, 16));
    std::memset(storage, 5, 16);
    lua_newtable(L);
    lua_pushcfunction(L, [](lua_State*) -> int {
        owner_collected = true;
        return 0;
    });
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    memreg::lua::push_region(L, memreg::region(storage, 16), -1);
    lua_setglobal(L, "view");
    lua_pop(L, 1);  // only the region refers to the owner now

    CHECK(run(L, "sub = view:sub(4, 4); collectgarbage(); collectgarbage()") == "");
    CHECK_FALSE(owner_collected);
    CHECK(run(L, "view = nil; collectgarbage(); collectgarbage()") == "");
    CHECK_FALSE(owner_collected);  // the sub-region still holds it
    CHECK(run(L, "assert(sub:read_u8(3) == 5)") == "");
    CHECK(run(L, "sub = nil") == "");
    // Lua 5.1's collector (LuaJIT's too) needs a cycle more than 5.2+ to let go of a
    // value anchored to a finalized key: a few full cycles, then it must be gone.
    for (int cycle = 0; cycle < 4 && !owner_collected; ++cycle) lua_gc(L, LUA_GCCOLLECT, 0);
    CHECK(owner_collected);
}

TEST_CASE("check_region serves a host's own C functions", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    lua_register(L, "host_sum", host_sum);
    CHECK(run(L, "assert(host_sum(memreg.fromstring('\\1\\2\\3')) == 6)") == "");
    CHECK(run(L, "assert(host_sum(memreg.buffer.fromstring('\\4\\5')) == 9)") == "");
    CHECK(run(L, "host_sum({})") == "bad argument #1 to 'host_sum' (region expected, got table)");
    CHECK(run(L, "local r = memreg.new(1); r:free(); host_sum(r)") ==
          "bad argument #1 to 'host_sum' (region is invalid (freed, resized or its arena reset))");
}

TEST_CASE("a region of another memreg version is refused, not misread", "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    lua_register(L, "host_sum", host_sum);
    CHECK(run(L, "real = memreg.fromstring('\\1\\2\\3')") == "");
    lua_getglobal(L, "real");
    const void* real = lua_touserdata(L, -1);
    REQUIRE(memreg::lua::to_userdata(L, -1) != nullptr);
    // Another copy of memreg in the process files its metatables under its own
    // version's keys; its region userdata may have this copy's layout byte for byte
    // (here: a copy of a live region of this one). Neither copy takes the other's.
    struct foreign_case {
        const char* key;
        const char* name;  // as messages give it
    };
    const foreign_case cases[] = {{"memreg.region@0.0.9", "region (memreg 0.0.9)"},
                                  {"memreg.region", "region (an older memreg)"}};
    for (const foreign_case& c : cases) {
        CAPTURE(c.key);
        constexpr std::size_t size = sizeof(memreg::lua::region_userdata);
        void* p = lua_newuserdata(L, size);
        std::memcpy(p, real, size);
        luaL_newmetatable(L, c.key);
        lua_pushstring(L, c.key);
        lua_setfield(L, -2, "__name");  // 5.3+ sets it, older versions do not
        lua_setmetatable(L, -2);
        CHECK(memreg::lua::to_userdata(L, -1) == nullptr);
        CHECK(memreg::lua::to_region(L, -1).empty());
        lua_setglobal(L, "foreign");
        const std::string got = std::string("got ") + c.name + ")";
        CHECK(run(L, "host_sum(foreign)") == "bad argument #1 to 'host_sum' (region expected, " + got);
        CHECK(run(L, "memreg.new(4):copy(0, foreign)") ==
              "bad argument #3 to 'copy' (region or string expected, " + got);
        CHECK(run(L, "real.tostring(foreign)") == "bad argument #1 to 'tostring' (region expected, " + got);
        CHECK(run(L, "assert(not memreg.isregion(foreign))") == "");
        CHECK(run(L, "memreg.buffer.len(foreign)").find("buffer expected") != std::string::npos);
    }
    lua_pop(L, 1);
    // This copy's own keys carry its version, made in one place (lua/config.hpp).
    CHECK(std::string(memreg::lua::region_metatable) == "memreg.region@" MEMREG_VERSION_STRING);
    CHECK(run(L, "assert(memreg.registry_keys.region == '" + std::string(memreg::lua::region_metatable) +
                     "' and getmetatable(real) == memreg.registry_keys.region)") == "");
    CHECK(run(L, "host_sum(memreg.heap())") ==
          "bad argument #1 to 'host_sum' (region expected, got heap)");
    CHECK(run(L, "assert(host_sum(real) == 6)") == "");
}

TEST_CASE("protect turns every C++ exception into a Lua error after destructors ran",
          "[lua][host]") {
    auto state = make_state();
    lua_State* L = state.get();
    lua_register(L, "throws_memreg_error", memreg::lua::detail::protect<throws_memreg_error>);
    lua_register(L, "throws_bad_alloc", memreg::lua::detail::protect<throws_bad_alloc>);
    lua_register(L, "throws_unknown", memreg::lua::detail::protect<throws_unknown>);
    CHECK(run(L, "throws_memreg_error()") == "thing(offset=9): outside region of size 4");
    CHECK(run(L, "throws_bad_alloc()") == "not enough memory");
    CHECK(run(L, "throws_unknown()") == "unknown C++ exception");
    lua_register(L, "raises_lua_error", memreg::lua::detail::protect<raises_lua_error>);
    CHECK(run(L, "raises_lua_error()") == "raised by Lua with 42");
    CHECK(live_guards == 0);
    // and the state is still fine
    CHECK(run(L, "assert(memreg.new(2):read_u16(0) == 0)") == "");
}

TEST_CASE("lua_alloc runs a whole state on a memreg heap", "[lua][state]") {
    memreg::heap<> heap;
    {
        auto state = memreg::lua::new_state(heap);
        lua_State* L = state.get();
        memreg::lua::preload(L);
        CHECK(heap.stats().live_blocks > 0);
        CHECK(run(L, "local m = require 'memreg'; local t = {} "
                     "for i = 1, 1000 do t[i] = ('x'):rep(i % 50) .. i end "
                     "assert(#t == 1000) assert(#m.new(10) == 10)") == "");
        heap.validate();
    }
    CHECK(heap.stats().live_blocks == 0);
    CHECK(heap.stats().live_bytes == 0);
    heap.validate();
}

TEST_CASE("a state on a bounded heap raises 'not enough memory' and recovers",
          "[lua][state]") {
    memreg::heap<> heap(memreg::heap_options{.initial = 0, .maximum = 1024 * 1024});
    auto state = memreg::lua::new_state(heap);
    lua_State* L = state.get();
    const std::string grow = "big = {} for i = 1, 1e7 do big[i] = ('y'):rep(64) .. i end";
    const std::string message = run(L, grow);
    CHECK(message.find("not enough memory") != std::string::npos);
    CHECK(heap.stats().capacity_bytes <= 1024 * 1024);
    // The host drops the garbage (without running Lua code, which would need memory
    // to compile) and the state works again.
    lua_pushnil(L);
    lua_setglobal(L, "big");
    lua_gc(L, LUA_GCCOLLECT, 0);
    CHECK(run(L, "local t = {} for i = 1, 1000 do t[i] = i end assert(#t == 1000)") == "");
    heap.validate();
}

TEST_CASE("a state full of small garbage recovers for large allocations",
          "[lua][state]") {
    constexpr std::size_t maximum = 1024 * 1024;
    memreg::heap<> heap(memreg::heap_options{.initial = 0, .maximum = maximum});
    auto state = memreg::lua::new_state(heap);
    lua_State* L = state.get();
    // A chain of small tables, each holding a ~100-byte (long, not interned)
    // string: every block is small, so the maximum fills with size-class chunks.
    const std::string grow =
        "chain = nil for i = 1, 1e7 do chain = {('y'):rep(72) .. i, chain} end";
    CHECK(run(L, grow).find("not enough memory") != std::string::npos);
    CHECK(heap.stats().capacity_bytes <= maximum);
    CHECK(heap.stats().live_blocks > 5000);
    lua_pushnil(L);
    lua_setglobal(L, "chain");
    lua_gc(L, LUA_GCCOLLECT, 0);
    // Blocks of other sizes fit again: the all-free chunks went back upstream.
    CHECK(run(L, "local s = ('z'):rep(64 * 1024) local t = {} "
                 "for i = 1, 4000 do t[i] = i end assert(#s == 65536 and #t == 4000)") == "");
    CHECK(heap.stats().capacity_bytes <= maximum);
    heap.validate();
}

TEST_CASE("lua_alloc follows lua_Alloc's contract", "[lua][state]") {
    memreg::heap<> heap(memreg::heap_options{.initial = 0, .maximum = 1024 * 1024});
    void* ud = &heap;
    auto* f = &memreg::lua::lua_alloc<memreg::heap<>>;
    // ptr == NULL: osize is a type tag, nsize the size
    void* p = f(ud, nullptr, LUA_TTABLE, 100);
    REQUIRE(p != nullptr);
    std::memset(p, 1, 100);
    CHECK(f(ud, nullptr, LUA_TSTRING, 0) == nullptr);
    // grow keeps the bytes
    p = f(ud, p, 100, 1000);
    REQUIRE(p != nullptr);
    CHECK(static_cast<unsigned char*>(p)[99] == 1);
    // a request beyond the maximum fails with NULL and leaves the block alone
    CHECK(f(ud, p, 1000, 2 * 1024 * 1024) == nullptr);
    CHECK(static_cast<unsigned char*>(p)[0] == 1);
    // shrinking never fails
    p = f(ud, p, 1000, 10);
    REQUIRE(p != nullptr);
    // nsize == 0 frees
    CHECK(f(ud, p, 10, 0) == nullptr);
    CHECK(heap.stats().live_blocks == 0);
    heap.validate();
}
