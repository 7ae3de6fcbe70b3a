// memreg/std_adapters.hpp — memreg allocators in std containers and std::pmr.
//
//   std_allocator<T, A>   a standard Allocator over any memreg allocator, for
//                         std::vector<int, std_allocator<int, arena<>>> and friends;
//   memory_resource_adapter<A>  a std::pmr::memory_resource over any memreg
//                         allocator, for std::pmr containers and polymorphic_allocator
//                         (memory_resource<A>, its old name, is deprecated: it read as
//                         std::pmr::memory_resource under a using-directive);
//   from_memory_resource  any std::pmr::memory_resource used as a memreg allocator.
//
// They add no locking: they are as thread-safe as the allocator under them.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <memory_resource>
#include <type_traits>

#include "allocator.hpp"
#include "error.hpp"
#include "region.hpp"

namespace memreg {

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_count_overflow(std::size_t count,
                                                                        std::size_t size) {
    MEMREG_THROW(allocation_failure(message("std_allocator::allocate")
                                        .arg("count", count)
                                        .arg("size", size)
                                        .because("count * size overflows")));
}

}  // namespace detail

/// A standard Allocator for T that gets its memory from a memreg allocator A.
/// Copies (and rebinds) refer to the same A, which must outlive the container;
/// a stateless A (malloc_allocator) is held by value. It converts implicitly from
/// an A&, so `std::vector<int, std_allocator<int, arena<>>> v(arena)` works.
template <class T, allocator A>
class std_allocator {
public:
    using value_type = T;
    using propagate_on_container_move_assignment = std::true_type;
    using propagate_on_container_swap = std::true_type;
    using is_always_equal = std::bool_constant<detail::store_by_value<A>>;

    std_allocator() noexcept
        requires detail::store_by_value<A>
    = default;
    std_allocator(A& a) noexcept : a_(a) {}  // NOLINT(google-explicit-constructor): as foonathan's
    template <class U>
    std_allocator(const std_allocator<U, A>& other) noexcept  // NOLINT: rebinding copies
        : a_(other.get()) {}

    /// Memory for n objects; throws allocation_failure (a std::bad_alloc).
    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > std::numeric_limits<std::size_t>::max() / sizeof(T))
            detail::throw_count_overflow(n, sizeof(T));
        return reinterpret_cast<T*>(memreg::allocate(a_.get(), n * sizeof(T), alignof(T)).data());
    }
    void deallocate(T* p, std::size_t n) noexcept {
        memreg::deallocate(a_.get(), region(reinterpret_cast<std::byte*>(p), n * sizeof(T)),
                           alignof(T));
    }

    /// The most objects allocate(n) could be asked for without n * sizeof(T) overflowing.
    [[nodiscard]] static constexpr std::size_t max_size() noexcept {
        return std::numeric_limits<std::size_t>::max() / sizeof(T);
    }

    [[nodiscard]] A& get() const noexcept { return a_.get(); }

    /// Equal when memory from one can be given back through the other: the same A
    /// (or a stateless one). Rebinding keeps equality.
    template <class U>
    [[nodiscard]] bool operator==(const std_allocator<U, A>& other) const noexcept {
        return detail::store_by_value<A> || std::addressof(get()) == std::addressof(other.get());
    }

private:
    [[no_unique_address]] detail::upstream_ref<A> a_;
};

/// A std::pmr::memory_resource over a memreg allocator A (which must outlive it).
/// Allocation failure throws allocation_failure, which is a std::bad_alloc.
template <allocator A>
class memory_resource_adapter final : public std::pmr::memory_resource {
public:
    memory_resource_adapter() noexcept
        requires detail::store_by_value<A>
    = default;
    explicit memory_resource_adapter(A& a) noexcept : a_(a) {}

    [[nodiscard]] A& get() const noexcept { return a_.get(); }

private:
    // pmr may ask for 0 bytes and expects a distinct, non-null pointer.
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        return memreg::allocate(a_.get(), bytes == 0 ? 1 : bytes, alignment).data();
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
        memreg::deallocate(a_.get(), region(static_cast<std::byte*>(p), bytes == 0 ? 1 : bytes),
                           alignment);
    }
    [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
        const auto* same = dynamic_cast<const memory_resource_adapter*>(&other);
        return same != nullptr && std::addressof(same->get()) == std::addressof(get());
    }

    [[no_unique_address]] detail::upstream_ref<A> a_;
};

/// memory_resource_adapter's name in memreg 0.x.
template <allocator A>
using memory_resource [[deprecated("use memreg::memory_resource_adapter")]] = memory_resource_adapter<A>;

/// A std::pmr::memory_resource (the default resource unless one is given) used as
/// a memreg allocator. An exception from the resource becomes an empty region.
class from_memory_resource {
public:
    from_memory_resource() noexcept : resource_(std::pmr::get_default_resource()) {}
    explicit from_memory_resource(std::pmr::memory_resource* resource) noexcept
        : resource_(resource) {}

    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || !is_valid_alignment(alignment)) return {};
#if MEMREG_EXCEPTIONS
        try {
            return {static_cast<std::byte*>(resource_->allocate(n, alignment)), n};
        } catch (...) {
            return {};
        }
#else  // a resource that fails ends the program (it cannot throw to us)
        return {static_cast<std::byte*>(resource_->allocate(n, alignment)), n};
#endif
    }
    void deallocate(region r, std::size_t alignment) noexcept {
        if (!r.empty()) resource_->deallocate(r.data(), r.size(), alignment);
    }

    [[nodiscard]] std::pmr::memory_resource* resource() const noexcept { return resource_; }

    friend bool operator==(const from_memory_resource& a, const from_memory_resource& b) noexcept {
        return a.resource_->is_equal(*b.resource_);
    }

private:
    std::pmr::memory_resource* resource_;
};

}  // namespace memreg
