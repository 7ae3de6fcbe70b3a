// memreg/current.hpp — the current allocator, memory-regions' *allocator*.
//
// Code that allocates on behalf of its caller asks current_allocator() instead
// of taking an allocator parameter; a caller that wants those allocations in an
// arena (or a heap, or anything) opens a current_allocator_scope around the call,
// and with_arena() does so for its arena. Outside every scope it is the system
// heap. The scope is per thread, and scopes nest: the innermost one wins.
#pragma once

#include "allocator.hpp"

namespace memreg {

namespace detail {

/// The system heap that current_allocator() returns outside every scope.
inline malloc_allocator system_heap;

/// The innermost open scope's allocator on this thread, or null.
inline thread_local const allocator_ref* current_scope = nullptr;

}  // namespace detail

/// The allocator of the innermost current_allocator_scope on this thread, or the
/// system heap (malloc_allocator) outside any. The result is a non-owning handle:
/// do not keep it past the scope that provided it.
[[nodiscard]] inline allocator_ref current_allocator() noexcept {
    const allocator_ref* scope = detail::current_scope;
    return scope != nullptr ? *scope : allocator_ref(detail::system_heap);
}

/// Makes an allocator the current one on this thread until the scope ends. Scopes
/// must end in the reverse order they began (keep them on the stack).
class current_allocator_scope {
public:
    explicit current_allocator_scope(allocator_ref a) noexcept
        : ref_(a), previous_(detail::current_scope) {
        detail::current_scope = &ref_;
    }
    ~current_allocator_scope() { detail::current_scope = previous_; }

    current_allocator_scope(const current_allocator_scope&) = delete;
    current_allocator_scope& operator=(const current_allocator_scope&) = delete;

private:
    allocator_ref ref_;
    const allocator_ref* previous_;
};

}  // namespace memreg
