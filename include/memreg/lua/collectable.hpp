// memreg/lua/collectable.hpp — "finalized means dead" for userdata that hold a C++ object.
//
// Lua finalizes objects in an order the binding cannot choose, and a finalized
// userdata can still be reached: from another finalizer (resurrection), from code run
// during lua_close, or by calling its raw __gc (debug.getmetatable). So a userdata
// whose __gc destroys a C++ object keeps a flag next to it: __gc destroys the object
// once and marks it dead, and every later use raises "<what> used after it was
// collected" instead of touching a destroyed object.
//
//   auto* ud = new (lua_newuserdata(L, sizeof(collectable<T>))) collectable<T>(args...);
//   ... lua_setmetatable(L, -2);            // the userdata's last allocation, then
//   ud->track(L, fname);                    // into the state's list (lifetime.hpp)
//   T& object = ud->get(fname, "view");     // in every method and metamethod
//   ud->destroy();                          // in __gc (idempotent)
//
// track() is what frees the object when lua_close does not finalize the userdata
// (one made by a finalizer during lua_close): the state's list destroys it then.
#pragma once

#include <string>
#include <utility>

#include "lifetime.hpp"
#include "protect.hpp"

namespace memreg::lua::detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_collected(const char* fname,
                                                                   const char* what) {
    throw bad_argument(memreg::detail::message(fname).because(std::string(what) +
                                                              " used after it was collected"));
}

template <class T>
class collectable {
public:
    template <class... Args>
    explicit collectable(Args&&... args) : object_(std::forward<Args>(args)...) {}
    collectable(const collectable&) = delete;
    collectable& operator=(const collectable&) = delete;
    ~collectable() { destroy(); }

    [[nodiscard]] bool alive() const noexcept { return alive_; }

    /// The object; throws "<fname>(): <what> used after it was collected" once dead.
    [[nodiscard]] T& get(const char* fname, const char* what) {
        if (!alive_) throw_collected(fname, what);
        return object_;
    }

    /// Destroys the object the first time (what __gc calls); later calls do nothing.
    void destroy() noexcept {
        node_.unlink();
        if (!alive_) return;
        alive_ = false;
        object_.~T();
    }

    /// Links the userdata into the state's list; call it after the userdata's last
    /// allocation (its metatable set). Once the state is closing, destroys the object
    /// and throws "the Lua state is closing".
    void track(lua_State* L, const char* fname) {
        if (try_track(L, node_, this, kill)) return;
        destroy();
        throw_closing(fname);
    }

private:
    static void kill(void* self) noexcept { static_cast<collectable*>(self)->destroy(); }

    union {
        T object_;
    };
    bool alive_ = true;
    tracked node_;
};

}  // namespace memreg::lua::detail
