// memreg/arena/scope.hpp — scoped use of an arena: arena_scope rewinds it when the
// scope ends; with_arena() runs a function with an arena as the current allocator.
#pragma once

#include <concepts>
#include <cstddef>
#include <utility>

#include "../allocator.hpp"
#include "../current.hpp"
#include "../error.hpp"
#include "arena.hpp"

namespace memreg {

/// Rewinds an arena to where it was when the scope began.
template <arena_allocator A>
class arena_scope {
public:
    explicit arena_scope(A& a) noexcept : arena_(a), marker_(a.mark()) {}
    ~arena_scope() {
        // A reset inside the scope already gave the memory back: nothing to rewind.
        if constexpr (requires { arena_.try_rewind(marker_); }) {
            (void)arena_.try_rewind(marker_);
        } else {
#if MEMREG_EXCEPTIONS
            try {
                arena_.rewind(marker_);
            } catch (const error&) {
            }
#else  // an arena without try_rewind: a refused marker goes to the error handler
            arena_.rewind(marker_);
#endif
        }
    }
    arena_scope(const arena_scope&) = delete;
    arena_scope& operator=(const arena_scope&) = delete;

    [[nodiscard]] A& get() const noexcept { return arena_; }

private:
    A& arena_;
    typename A::marker marker_;
};

namespace detail {

template <class A, class F>
decltype(auto) call_in_arena(A& a, F&& f) {
    current_allocator_scope current(a);
    if constexpr (std::invocable<F, A&>)
        return std::forward<F>(f)(a);
    else
        return std::forward<F>(f)();
}

}  // namespace detail

/// Runs f (with the arena as argument, or none) in a fresh arena<> whose first
/// chunk is `size` bytes, the current allocator meanwhile; everything it
/// allocated there is freed when f returns. Returns what f returned, which must
/// not point into the arena.
template <class F>
decltype(auto) with_arena(std::size_t size, F&& f) {
    arena<> a(arena_options{.first_chunk = size});
    return detail::call_in_arena(a, std::forward<F>(f));
}

template <class F>
    requires(!std::convertible_to<F, std::size_t>)
decltype(auto) with_arena(F&& f) {
    return with_arena(arena_options{}.first_chunk, std::forward<F>(f));
}

/// Runs f in a scope of an existing arena: current allocator meanwhile, rewound after.
template <arena_allocator A, class F>
decltype(auto) with_arena(A& a, F&& f) {
    arena_scope<A> scope(a);
    return detail::call_in_arena(a, std::forward<F>(f));
}

}  // namespace memreg
