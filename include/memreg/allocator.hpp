// memreg/allocator.hpp — allocators hand out regions.
//
// The concepts say what an allocator must do; the free functions give the
// ergonomic face (allocate throws, try_allocate does not); malloc_allocator is the
// system heap; owned_region gives memory back when it dies; allocator_ref erases
// an allocator's type behind two words.
//
// Like std::pmr and sized aligned operator delete, deallocation and reallocation
// are told the alignment the block was allocated with: an allocator that serves
// small blocks from size classes (pool, heap) cannot otherwise tell where an
// over-aligned block came from without storing the alignment in every block.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

#include "error.hpp"
#include "region.hpp"

namespace memreg {

/// The alignment malloc gives: what allocate() asks for when no alignment is named.
inline constexpr std::size_t default_alignment = alignof(std::max_align_t);

[[nodiscard]] constexpr bool is_valid_alignment(std::size_t alignment) noexcept {
    return std::has_single_bit(alignment);
}

// clang-format off
/// try_allocate(n, alignment) returns a region of exactly n bytes aligned to
/// `alignment`, or an empty region when it cannot (or when n == 0, or the alignment
/// is not a power of two). deallocate(r, alignment) takes back a region it returned,
/// with the alignment it was asked for; an empty region is a no-op.
template <class A>
concept allocator = requires(A& a, region r, std::size_t n, std::size_t alignment) {
    { a.try_allocate(n, alignment) } noexcept -> std::same_as<region>;
    { a.deallocate(r, alignment) } noexcept;
};

/// try_reallocate(r, n, alignment) returns a region of n bytes holding r's first
/// min(n, r.size()) bytes (possibly at r's address), or an empty region when it
/// cannot, in which case r is untouched and still owned by the caller. With n == 0
/// it frees r and returns an empty region.
template <class A>
concept resizable_allocator = allocator<A> &&
    requires(A& a, region r, std::size_t n, std::size_t alignment) {
        { a.try_reallocate(r, n, alignment) } noexcept -> std::same_as<region>;
    };

/// An allocator whose allocations can be given back all at once, to a marker.
template <class A>
concept arena_allocator = allocator<A> && requires(A& a, typename A::marker m) {
    { a.mark() } noexcept -> std::same_as<typename A::marker>;
    a.rewind(m);
    a.reset();
};
// clang-format on

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_bad_alignment(const char* operation,
                                                                       std::size_t size,
                                                                       std::size_t alignment) {
    MEMREG_THROW(bad_alignment(message(operation)
                                   .arg("size", size)
                                   .arg("alignment", alignment)
                                   .because("alignment is not a power of two")));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_allocation_failure(
    const char* operation, std::size_t size, std::size_t alignment) {
    MEMREG_THROW(allocation_failure(message(operation)
                                        .arg("size", size)
                                        .arg("alignment", alignment)
                                        .because("the allocator could not provide the memory")));
}

}  // namespace detail

/// A region of n bytes from a, or an empty region (never throws).
template <allocator A>
[[nodiscard]] region try_allocate(A& a, std::size_t n,
                                  std::size_t alignment = default_alignment) noexcept {
    return a.try_allocate(n, alignment);
}

/// A region of n bytes from a. Throws bad_alignment for an alignment that is not a
/// power of two and allocation_failure when a cannot provide it. n == 0 gives an
/// empty region, which is safe to deallocate.
template <allocator A>
[[nodiscard]] region allocate(A& a, std::size_t n, std::size_t alignment = default_alignment) {
    if (!is_valid_alignment(alignment)) detail::throw_bad_alignment("allocate", n, alignment);
    if (n == 0) return {};
    const region r = a.try_allocate(n, alignment);
    if (r.empty()) detail::throw_allocation_failure("allocate", n, alignment);
    return r;
}

template <allocator A>
void deallocate(A& a, region r, std::size_t alignment = default_alignment) noexcept {
    if (!r.empty()) a.deallocate(r, alignment);
}

/// r resized to n bytes, contents kept up to the smaller size, or an empty region
/// (r then untouched and still owned). Uses a's own try_reallocate where it has
/// one, else allocate + copy + deallocate. With n == 0 it frees r.
template <allocator A>
[[nodiscard]] region try_reallocate(A& a, region r, std::size_t n,
                                    std::size_t alignment = default_alignment) noexcept {
    if constexpr (resizable_allocator<A>) {
        return a.try_reallocate(r, n, alignment);
    } else {
        if (r.empty()) return a.try_allocate(n, alignment);
        if (n == 0) {
            a.deallocate(r, alignment);
            return {};
        }
        const region moved = a.try_allocate(n, alignment);
        if (moved.empty()) return {};
        std::memcpy(moved.data(), r.data(), n < r.size() ? n : r.size());
        a.deallocate(r, alignment);
        return moved;
    }
}

/// Like try_reallocate, but throws bad_alignment for an alignment that is not a
/// power of two and allocation_failure when a cannot provide n bytes (r is then
/// untouched and still valid).
template <allocator A>
[[nodiscard]] region reallocate(A& a, region r, std::size_t n,
                                std::size_t alignment = default_alignment) {
    if (!is_valid_alignment(alignment)) detail::throw_bad_alignment("reallocate", n, alignment);
    const region moved = try_reallocate(a, r, n, alignment);
    if (moved.empty() && n != 0) detail::throw_allocation_failure("reallocate", n, alignment);
    return moved;
}

/// The system heap: malloc, realloc and free, with posix_memalign for alignments
/// above default_alignment (reallocate keeps them). Stateless and thread-safe.
class malloc_allocator {
public:
    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || !is_valid_alignment(alignment)) return {};
        void* p = raw_allocate(n, alignment);
        return p ? region(static_cast<std::byte*>(p), n) : region();
    }

    void deallocate(region r, std::size_t /*alignment*/) noexcept { std::free(r.data()); }

    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept {
        if (!is_valid_alignment(alignment)) return {};
        if (r.empty()) return try_allocate(n, alignment);
        if (n == 0) {
            std::free(r.data());
            return {};
        }
        if (n > max_size) return {};
        if (alignment <= default_alignment) {
            void* moved = std::realloc(r.data(), n);
            return moved ? region(static_cast<std::byte*>(moved), n) : region();
        }
        // realloc does not keep an over-alignment: move by hand.
        void* moved = raw_allocate(n, alignment);
        if (moved == nullptr) return {};
        std::memcpy(moved, r.data(), n < r.size() ? n : r.size());
        std::free(r.data());
        return {static_cast<std::byte*>(moved), n};
    }

    friend bool operator==(const malloc_allocator&, const malloc_allocator&) noexcept {
        return true;
    }

private:
    // No object may be larger than PTRDIFF_MAX (pointer differences must fit), and an
    // optimizer may elide a malloc whose result is unused and assume it succeeded:
    // refuse such sizes here, not in malloc.
    static constexpr std::size_t max_size = static_cast<std::size_t>(PTRDIFF_MAX);

    static void* raw_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n > max_size) return nullptr;
        if (alignment <= default_alignment) return std::malloc(n);
        void* p = nullptr;
        return ::posix_memalign(&p, alignment, n) == 0 ? p : nullptr;
    }
};

/// A non-owning, type-erased reference to any memreg allocator: a pointer and a
/// table of three functions. It is itself a resizable allocator.
class allocator_ref {
public:
    template <allocator A>
        requires(!std::same_as<A, allocator_ref>)
    allocator_ref(A& a) noexcept  // NOLINT(google-explicit-constructor): a reference, like span
        : object_(std::addressof(a)), table_(&table_for<A>) {}

    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        return table_->allocate(object_, n, alignment);
    }
    void deallocate(region r, std::size_t alignment) noexcept {
        table_->deallocate(object_, r, alignment);
    }
    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept {
        return table_->reallocate(object_, r, n, alignment);
    }

    /// The allocator this refers to, if it is an A.
    template <allocator A>
    [[nodiscard]] A* target() const noexcept {
        return table_ == &table_for<A> ? static_cast<A*>(object_) : nullptr;
    }

    friend bool operator==(const allocator_ref& a, const allocator_ref& b) noexcept {
        return a.object_ == b.object_;
    }

private:
    struct table {
        region (*allocate)(void*, std::size_t, std::size_t) noexcept;
        void (*deallocate)(void*, region, std::size_t) noexcept;
        region (*reallocate)(void*, region, std::size_t, std::size_t) noexcept;
    };

    template <allocator A>
    static constexpr table table_for{
        [](void* a, std::size_t n, std::size_t alignment) noexcept {
            return static_cast<A*>(a)->try_allocate(n, alignment);
        },
        [](void* a, region r, std::size_t alignment) noexcept {
            if (!r.empty()) static_cast<A*>(a)->deallocate(r, alignment);
        },
        [](void* a, region r, std::size_t n, std::size_t alignment) noexcept {
            return memreg::try_reallocate(*static_cast<A*>(a), r, n, alignment);
        },
    };

    void* object_;
    const table* table_;
};

namespace detail {

/// Stateless allocators (malloc_allocator) are held by value and cost nothing;
/// stateful ones by pointer, so they must outlive what holds them.
template <class A>
inline constexpr bool store_by_value =
    std::is_empty_v<A> && std::is_default_constructible_v<A> && std::is_copy_constructible_v<A>;

/// How an owned_region, an arena, a pool, a heap or an adapter holds the allocator
/// it uses (its upstream), by store_by_value's rule.
template <class A>
class upstream_ref {
public:
    upstream_ref() noexcept = default;  // none: only for an arena over a fixed region
    explicit upstream_ref(A& a) noexcept : a_(__builtin_addressof(a)) {}
    [[nodiscard]] A& get() const noexcept { return *a_; }

private:
    A* a_ = nullptr;
};

template <class A>
    requires store_by_value<A>
class upstream_ref<A> {
public:
    upstream_ref() noexcept = default;
    explicit upstream_ref(A& a) noexcept : a_(a) {}
    [[nodiscard]] A& get() const noexcept { return a_; }

private:
    [[no_unique_address]] mutable A a_;
};

}  // namespace detail

/// A region that owns its memory: move-only, and gives it back to its allocator
/// when it dies (the C++ form of a garbage-collected blob). The allocator must
/// outlive it unless it is stateless.
template <allocator A = malloc_allocator>
class owned_region {
public:
    owned_region() noexcept
        requires detail::store_by_value<A>
    = default;

    /// Adopts r, which a allocated with `alignment`.
    owned_region(A& a, region r, std::size_t alignment = default_alignment) noexcept
        : holder_(a), region_(r), alignment_(alignment) {}

    owned_region(owned_region&& other) noexcept
        : holder_(other.holder_),
          region_(std::exchange(other.region_, {})),
          alignment_(other.alignment_) {}

    owned_region& operator=(owned_region&& other) noexcept {
        if (this != &other) {
            reset();
            holder_ = other.holder_;
            region_ = std::exchange(other.region_, {});
            alignment_ = other.alignment_;
        }
        return *this;
    }

    ~owned_region() { reset(); }

    [[nodiscard]] memreg::region region() const noexcept { return region_; }
    [[nodiscard]] std::byte* data() const noexcept { return region_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return region_.size(); }
    [[nodiscard]] bool empty() const noexcept { return region_.empty(); }
    [[nodiscard]] std::size_t alignment() const noexcept { return alignment_; }
    [[nodiscard]] A& get_allocator() const noexcept { return holder_.get(); }

    /// Resizes to n bytes, keeping the contents up to the smaller size; the data may
    /// move. Throws allocation_failure and leaves the region as it was on failure.
    void resize(std::size_t n) { region_ = reallocate(holder_.get(), region_, n, alignment_); }

    /// Like resize, but reports a failure instead of throwing: false when the
    /// allocator cannot provide n bytes, the region then as it was.
    [[nodiscard]] bool try_resize(std::size_t n) noexcept {
        const memreg::region moved = memreg::try_reallocate(holder_.get(), region_, n, alignment_);
        if (moved.empty() && n != 0) return false;
        region_ = moved;
        return true;
    }

    /// Gives up ownership: the caller must deallocate the result with the allocator.
    [[nodiscard]] memreg::region release() noexcept { return std::exchange(region_, {}); }

    /// Frees the memory now; the handle becomes empty.
    void reset() noexcept { memreg::deallocate(holder_.get(), std::exchange(region_, {}), alignment_); }

private:
    [[no_unique_address]] detail::upstream_ref<A> holder_;
    memreg::region region_;
    std::size_t alignment_ = default_alignment;
};

/// n bytes from a, owned: freed when the handle dies. Contents are uninitialized.
template <allocator A>
[[nodiscard]] owned_region<A> make_owned(A& a, std::size_t n,
                                         std::size_t alignment = default_alignment) {
    return owned_region<A>(a, allocate(a, n, alignment), alignment);
}

/// n bytes from the system heap, owned.
[[nodiscard]] inline owned_region<> make_owned(std::size_t n,
                                               std::size_t alignment = default_alignment) {
    malloc_allocator system;
    return make_owned(system, n, alignment);
}

/// make_owned that reports a failure instead of throwing: an empty owned_region
/// when a cannot provide n bytes (or n == 0, or the alignment is not a power of two).
template <allocator A>
[[nodiscard]] owned_region<A> try_make_owned(A& a, std::size_t n,
                                             std::size_t alignment = default_alignment) noexcept {
    return owned_region<A>(a, a.try_allocate(n, alignment), alignment);
}

/// n bytes from the system heap, owned, or an empty owned_region.
[[nodiscard]] inline owned_region<> try_make_owned(std::size_t n,
                                                   std::size_t alignment = default_alignment) noexcept {
    malloc_allocator system;
    return try_make_owned(system, n, alignment);
}

}  // namespace memreg
