// memreg::lua::new_state on allocators that run out while the state is being made:
// an allocation_failure to the host, never a panic that aborts the process.
#include <memreg/heap.hpp>
#include <memreg/lua.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

namespace {

bool runs(lua_State* L, const char* code) {
    const bool ok = luaL_loadstring(L, code) == 0 && lua_pcall(L, 0, 0, 0) == 0;
    if (!ok) lua_pop(L, 1);
    return ok;
}

}  // namespace

TEST_CASE("new_state on a heap too small for the libraries throws, never aborts",
          "[lua][state]") {
    // From too small for lua_newstate to too small for luaL_openlibs to enough:
    // every size either throws allocation_failure or gives a working state.
    std::size_t refused = 0;
    std::size_t made = 0;
    for (std::size_t maximum = 1024; maximum <= 96 * 1024; maximum += 1024) {
        memreg::heap<> heap(memreg::heap_options{.initial = 0, .maximum = maximum});
        try {
            auto state = memreg::lua::new_state(heap);
            ++made;
            CHECK(lua_gettop(state.get()) == 0);  // the error message did not stay behind
            runs(state.get(), "local t = {} for i = 1, 10 do t[i] = i end");
        } catch (const memreg::allocation_failure& e) {
            ++refused;
            CHECK(std::string(e.what()).find("new_state()") == 0);
        }
        heap.validate();
        CHECK(heap.stats().live_blocks == 0);  // a refused state leaks nothing
    }
    CHECK(refused > 0);
    CHECK(made > 0);
}

TEST_CASE("new_state without the libraries opens none", "[lua][state]") {
    memreg::heap<> heap(memreg::heap_options{.initial = 0, .maximum = 1024 * 1024});
    auto state = memreg::lua::new_state(heap, false);
    lua_State* L = state.get();
    lua_getglobal(L, "string");
    CHECK(lua_isnil(L, -1));
    lua_pop(L, 1);
    CHECK(runs(L, "x = 1 + 1"));
}
