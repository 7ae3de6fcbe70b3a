// memreg/synchronized.hpp — one allocator shared by several threads.
//
// memreg's allocators are single-threaded: their fast paths are a few loads and
// stores. synchronized<A, Mutex> owns an A and takes a lock around every call,
// and is itself an allocator (resizable and arena-like when A is).
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>

#include "allocator.hpp"
#include "region.hpp"

namespace memreg {

namespace detail {

template <class A, bool = arena_allocator<A>>
struct marker_of {};
template <class A>
struct marker_of<A, true> {
    using marker = typename A::marker;
};

}  // namespace detail

template <allocator A, class Mutex = std::mutex>
class synchronized : public detail::marker_of<A> {
public:
    /// Constructs the A it owns from args.
    template <class... Args>
    explicit synchronized(Args&&... args) : allocator_(std::forward<Args>(args)...) {}

    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        std::lock_guard lock(mutex_);
        return allocator_.try_allocate(n, alignment);
    }
    void deallocate(region r, std::size_t alignment) noexcept {
        std::lock_guard lock(mutex_);
        allocator_.deallocate(r, alignment);
    }
    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept
        requires resizable_allocator<A>
    {
        std::lock_guard lock(mutex_);
        return allocator_.try_reallocate(r, n, alignment);
    }

    [[nodiscard]] auto mark() noexcept
        requires arena_allocator<A>
    {
        std::lock_guard lock(mutex_);
        return allocator_.mark();
    }
    template <class Marker>
        requires arena_allocator<A>
    void rewind(Marker m) {
        std::lock_guard lock(mutex_);
        allocator_.rewind(m);
    }
    template <class... Args>
        requires arena_allocator<A>
    void reset(Args... args) {
        std::lock_guard lock(mutex_);
        allocator_.reset(args...);
    }

    /// Calls f(allocator) under the lock: for stats(), validate() and the like.
    template <class F>
    decltype(auto) with_lock(F&& f) {
        std::lock_guard lock(mutex_);
        return std::forward<F>(f)(allocator_);
    }

private:
    Mutex mutex_;
    A allocator_;
};

}  // namespace memreg
