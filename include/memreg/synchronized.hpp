// memreg/synchronized.hpp — one allocator shared by several threads.
//
// memreg's allocators are single-threaded: their fast paths are a few loads and
// stores. synchronized<A, Mutex> owns an A and takes a lock around every call,
// and is itself an allocator (resizable and arena-like when A is).
//
// The allocator concept makes try_allocate and deallocate noexcept, so the lock
// must not throw: std::mutex::lock() may (std::system_error), and a deallocate
// that could not lock would have to leak the block or terminate. The default
// Mutex is nothrow_mutex, which waits on a futex (std::atomic::wait) and cannot
// fail; any Mutex with noexcept lock() and unlock() works.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>

#include "allocator.hpp"
#include "region.hpp"

namespace memreg {

/// A mutex whose lock() and unlock() cannot throw.
template <class M>
concept nothrow_lockable = requires(M& m) {
    { m.lock() } noexcept;
    { m.unlock() } noexcept;
};

/// A mutex that cannot fail: a word with three states, waiting in the kernel
/// (futex, through std::atomic::wait) only when contended.
class nothrow_mutex {
public:
    nothrow_mutex() noexcept = default;
    nothrow_mutex(const nothrow_mutex&) = delete;
    nothrow_mutex& operator=(const nothrow_mutex&) = delete;

    void lock() noexcept {
        std::uint32_t seen = unlocked;
        if (state_.compare_exchange_strong(seen, locked, std::memory_order_acquire)) return;
        // Contended: mark that someone waits, and sleep until the word changes.
        if (seen != contended) seen = state_.exchange(contended, std::memory_order_acquire);
        while (seen != unlocked) {
            state_.wait(contended, std::memory_order_relaxed);
            seen = state_.exchange(contended, std::memory_order_acquire);
        }
    }
    [[nodiscard]] bool try_lock() noexcept {
        std::uint32_t seen = unlocked;
        return state_.compare_exchange_strong(seen, locked, std::memory_order_acquire);
    }
    void unlock() noexcept {
        if (state_.exchange(unlocked, std::memory_order_release) == contended) state_.notify_one();
    }

private:
    static constexpr std::uint32_t unlocked = 0, locked = 1, contended = 2;
    std::atomic<std::uint32_t> state_{unlocked};
};

namespace detail {

template <class A, bool = arena_allocator<A>>
struct marker_of {};
template <class A>
struct marker_of<A, true> {
    using marker = typename A::marker;
};

}  // namespace detail

template <allocator A, nothrow_lockable Mutex = nothrow_mutex>
class synchronized : public detail::marker_of<A> {
public:
    synchronized()
        requires std::default_initializable<A>
    = default;

    /// Takes over an A (moved in).
    explicit synchronized(A&& a)
        requires std::move_constructible<A>
        : allocator_(std::move(a)) {}
    /// Would copy the allocator, so that blocks of one could be freed into the
    /// other: move it in, or construct it in place from its arguments.
    synchronized(A&) = delete;
    synchronized(const A&) = delete;

    /// Constructs the A it owns from args (its options, its upstream, ...).
    template <class First, class... Rest>
        requires(!std::same_as<std::remove_cvref_t<First>, A> &&
                 !std::same_as<std::remove_cvref_t<First>, synchronized> && std::constructible_from<A, First, Rest...>)
    explicit synchronized(First&& first, Rest&&... rest)
        : allocator_(std::forward<First>(first), std::forward<Rest>(rest)...) {}

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
    template <class Marker>
        requires arena_allocator<A> && requires(A& a, Marker m) { a.try_rewind(m); }
    [[nodiscard]] bool try_rewind(Marker m) noexcept {
        std::lock_guard lock(mutex_);
        return allocator_.try_rewind(m);
    }
    template <class... Args>
        requires arena_allocator<A>
    void reset(Args&&... args) {
        std::lock_guard lock(mutex_);
        allocator_.reset(std::forward<Args>(args)...);
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
