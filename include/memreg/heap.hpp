// memreg/heap.hpp — a general-purpose heap with an initial and a maximum size.
//
// heap<Upstream> is the C++ form of a Windows HeapCreate heap, tuned for the way
// a Lua state allocates: many small blocks, frequent reallocs, frees that give
// the block's size back. Blocks up to 512 B come from size-class free lists
// (heap/small_blocks.hpp) carved out of chunks of at most 64 KiB, each on a
// 64 KiB boundary; larger or over-aligned ones go to the upstream allocator
// with a header (heap/large_blocks.hpp). A free or a realloc finds its block by
// its address, in hash tables in the heap's own memory (heap/address_table.hpp),
// never by the size or alignment the caller gives: those are checked against
// the block, and a foreign block, a double free, a wrong size or an address
// inside a block is refused (left alone) and reported by the next validate(). The bytes it
// holds from upstream never exceed the maximum: an allocation that would fails
// with an empty region — but first, on that failure path only, a small request
// is cut from a larger free block, and chunks whose blocks are all free go back
// to the upstream (so a heap filled with small garbage recovers after the frees).
// stats() reports what is live and held; validate() walks every structure and
// throws memreg::corruption naming the first fault.
//
// Freed small blocks are poisoned (detail/poison.hpp). Single-threaded; wrap it
// in synchronized<> to share it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "allocator.hpp"
#include "detail/first_fault.hpp"
#include "detail/poison.hpp"
#include "error.hpp"
#include "heap/large_blocks.hpp"
#include "heap/small_blocks.hpp"
#include "region.hpp"

namespace memreg {

struct heap_options {
    /// Bytes of small-block chunk taken from the upstream at construction (0: lazily).
    std::size_t initial = 0;
    /// Most bytes the heap holds from its upstream at once; 0 means no limit.
    std::size_t maximum = 0;
};

struct heap_stats {
    std::size_t live_bytes;      ///< sum of the sizes of the blocks allocated and not freed
    std::size_t live_blocks;     ///< how many such blocks
    std::size_t peak_bytes;      ///< the highest live_bytes has been
    std::size_t capacity_bytes;  ///< bytes held from the upstream (chunks, large blocks, headers)
    std::size_t maximum_bytes;   ///< the maximum it was created with (0: none)
};

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_heap_options(std::size_t initial,
                                                                      std::size_t maximum,
                                                                      const char* reason) {
    MEMREG_THROW(bad_argument(message("heap").arg("initial", initial).arg("maximum", maximum).because(reason)));
}

}  // namespace detail

template <allocator Upstream = malloc_allocator>
class heap {
public:
    explicit heap(heap_options options = {})
        requires detail::store_by_value<Upstream>
        : heap(Upstream(), options) {}
    explicit heap(Upstream&& upstream, heap_options options = {})
        requires detail::store_by_value<Upstream>
        : heap(upstream, options) {}

    /// A heap over `upstream` (which must outlive it). Throws bad_argument when the
    /// initial size is above the maximum or too small for one block, and
    /// allocation_failure when the upstream cannot give the initial size.
    explicit heap(Upstream& upstream, heap_options options = {})
        : maximum_(options.maximum), upstream_(upstream) {
        const initial_result result = take_initial(options.initial);
        if (result.bad_options != nullptr)
            detail::throw_heap_options(options.initial, options.maximum, result.bad_options);
        if (result.refused_size != 0) {
            release_all();
            detail::throw_allocation_failure("heap", result.refused_size, detail::heap_parts::window);
        }
    }

    /// The constructors that report a failure in `error` instead of throwing (or,
    /// without exceptions, calling the error handler): std::errc::invalid_argument
    /// for options the others refuse (the initial size above the maximum or too
    /// small for one block), std::errc::not_enough_memory when the upstream cannot
    /// give the initial size. The heap is then usable and holds no chunk, as if
    /// made with initial = 0 (the maximum is kept). `error` is cleared on success.
    heap(heap_options options, std::error_code& error) noexcept
        requires detail::store_by_value<Upstream>
        : heap(Upstream(), options, error) {}
    heap(Upstream&& upstream, heap_options options, std::error_code& error) noexcept
        requires detail::store_by_value<Upstream>
        : heap(upstream, options, error) {}
    heap(Upstream& upstream, heap_options options, std::error_code& error) noexcept
        : maximum_(options.maximum), upstream_(upstream) {
        const initial_result result = take_initial(options.initial);
        if (result.bad_options != nullptr)
            error = std::make_error_code(std::errc::invalid_argument);
        else if (result.refused_size != 0)
            error = std::make_error_code(std::errc::not_enough_memory);
        else
            error.clear();
    }

    heap(const heap&) = delete;  // blocks and chunks point into it
    heap& operator=(const heap&) = delete;

    ~heap() { release_all(); }

    /// n bytes at `alignment`, or an empty region: for n == 0, an alignment that is
    /// not a power of two, when the maximum would be exceeded, or upstream fails.
    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (detail::heap_parts::is_small(n, alignment) && is_valid_alignment(alignment)) [[likely]] {
            std::byte* p = small_.pop(detail::heap_parts::class_of(n));
            // Out of line, in tail position: no call on the fast path keeps a value
            // live across it, so a lua_Alloc that inlines this needs no stack frame.
            if (p == nullptr) [[unlikely]] return allocate_carved(n);
            note_allocated(n);
            return {p, n};
        }
        return allocate_large(n, alignment);
    }

    /// Like try_allocate, but throws: bad_alignment for an alignment that is not a
    /// power of two, allocation_failure naming the maximum or the upstream failure.
    [[nodiscard]] region allocate(std::size_t n, std::size_t alignment = default_alignment) {
        if (!is_valid_alignment(alignment)) detail::throw_bad_alignment("heap::allocate", n, alignment);
        if (n == 0) return {};
        const region r = try_allocate(n, alignment);
        if (r.empty()) throw_full("heap::allocate", n, alignment);
        return r;
    }

    /// Takes back a block, given with the size it was allocated with (the
    /// alignment is not needed: the block is found by its address). A block this
    /// heap does not know (another allocator's, freed already, an address inside
    /// a block) or given with another size is left alone and reported by the
    /// next validate().
    void deallocate(region r, std::size_t /*alignment*/) noexcept {
        if (r.empty()) return;
        // The fast path: a live block of a chunk in the lookup cache. Anything
        // else (another chunk, a large block, a bad free) goes out of line.
        const std::size_t slot = small_.cache_slot(r.data());
        if (small_.in_cached_chunk(r.data(), slot) && small_.is_block(small_.cached_chunk(slot), r.data(), r.size()) &&
            !small_.is_free(r.data())) [[likely]] {
            free_small(r);
            return;
        }
        deallocate_slow(r);
    }

    /// Keeps the block in place when the new size is in the same size class, or
    /// when it is the newest small block and its chunk has room; large blocks use
    /// the upstream's own reallocation. Otherwise allocates, copies and frees;
    /// when that fails, a small block that shrinks stays where it is.
    // Out of line: inlined into a lua_Alloc, its frame would cost the alloc and free paths too.
    [[nodiscard, gnu::noinline]] region try_reallocate(region r, std::size_t n,
                                                     std::size_t alignment) noexcept {
        if (!is_valid_alignment(alignment)) return {};
        if (r.empty()) return try_allocate(n, alignment);
        if (n == 0) {
            deallocate(r, alignment);
            return {};
        }
        using namespace detail::heap_parts;
        chunk* const c = small_.chunk_of(r.data());
        const bool was_small = c != nullptr;
        if (was_small) {
            if (const char* why = small_.check_live(c, r.data(), r.size())) {
                fault_.note(r, why);
                return {};
            }
            if (is_small(n, alignment)) {
                const std::size_t from = class_size(class_of(r.size()));
                const std::size_t to = class_size(class_of(n));
                if (from == to || small_.resize_last(r.data(), from, to)) return resized(r, n);
            }
        } else {
            const large_header* h = large_.find(r.data());
            if (h == nullptr) {
                fault_.note(r, "block was not allocated by this heap, or was freed twice");
                return {};
            }
            if (h->size != r.size()) {
                fault_.note(r, "size differs from the size the block was allocated with");
                return {};
            }
            if (!is_small(n, alignment) && is_aligned(r.data(), alignment))
                if (const region moved = reallocate_large(r, n); !moved.empty()) return moved;
        }
        const region moved = try_allocate(n, alignment);
        if (moved.empty()) {
            // A small block can always shrink where it is (Lua 5.1-5.3 count on
            // shrinking never failing); its tail goes on the free list of its size.
            if (was_small && n <= r.size()) {
                const std::size_t from = class_size(class_of(r.size()));
                const std::size_t to = class_size(class_of(n));
                if (to < from) small_.free_tail(c, r.data(), from, to);
                return resized(r, n);
            }
            return {};
        }
        std::memcpy(moved.data(), r.data(), std::min(n, r.size()));
        deallocate(r, alignment);
        return moved;
    }

    /// Gives back to the upstream every small-block chunk whose blocks are all
    /// free, now (an allocation that would fail does this first by itself): call it
    /// after freeing much, before new blocks land in those chunks. Returns the
    /// bytes released; capacity_bytes goes down by as much.
    std::size_t trim() noexcept { return reclaim(); }

    [[nodiscard]] heap_stats stats() const noexcept {
        return {live_bytes_, live_blocks_, peak_bytes_, capacity_, maximum_};
    }

    /// Walks the free lists, the chunks and the large blocks; throws corruption
    /// naming the first fault: a bad free seen by deallocate, a block freed twice,
    /// a free-list link pointing outside the heap, a large block header overwritten.
    void validate() const {
        fault_.report("heap::deallocate");
        small_.validate();
        std::size_t held = large_.validate() + small_.table().storage_bytes() + large_.table().storage_bytes();
        small_.for_each_chunk([&](chunk* c) { held += c->size; });
        if (held != capacity_)
            MEMREG_THROW(corruption(detail::message("heap::validate")
                                        .arg("capacity", capacity_)
                                        .because("chunks and large blocks add up to " +
                                                 std::to_string(held) + " bytes")));
    }

    [[nodiscard]] Upstream& upstream() const noexcept { return upstream_.get(); }

private:
    using chunk = detail::heap_parts::small_chunk;
    static constexpr std::size_t granule = detail::heap_parts::granule;

    static bool is_aligned(const std::byte* p, std::size_t alignment) noexcept {
        return (reinterpret_cast<std::uintptr_t>(p) & (alignment - 1)) == 0;
    }

    /// Bytes that can still be taken from upstream without passing the maximum.
    [[nodiscard]] std::size_t room() const noexcept {
        return maximum_ == 0 ? std::numeric_limits<std::size_t>::max() : maximum_ - capacity_;
    }

    void note_allocated(std::size_t n) noexcept {
        live_bytes_ += n;
        ++live_blocks_;
        if (live_bytes_ > peak_bytes_) peak_bytes_ = live_bytes_;
    }

    /// Lists a live small block (checked by the caller) as free.
    void free_small(region r) noexcept {
        small_.push(r.data(), detail::heap_parts::class_of(r.size()));
        live_bytes_ -= r.size();
        --live_blocks_;
    }

    /// deallocate for a block outside the cached chunk: another chunk's, a large
    /// block, or a bad free (noted for validate()).
    [[gnu::noinline]] void deallocate_slow(region r) noexcept {
        if (chunk* c = small_.chunk_of(r.data())) {
            if (const char* why = small_.check_live(c, r.data(), r.size())) return fault_.note(r, why);
            return free_small(r);
        }
        free_large(r);
    }

    /// try_allocate's path when the free list of n's class is empty.
    [[gnu::noinline]] region allocate_carved(std::size_t n) noexcept {
        std::byte* p = carve(detail::heap_parts::class_size(detail::heap_parts::class_of(n)));
        if (p == nullptr) return {};
        note_allocated(n);
        return {p, n};
    }

    region resized(region r, std::size_t n) noexcept {
        live_bytes_ = live_bytes_ - r.size() + n;
        if (live_bytes_ > peak_bytes_) peak_bytes_ = live_bytes_;
        return {r.data(), n};
    }

    /// What take_initial found wrong, if anything.
    struct initial_result {
        const char* bad_options = nullptr;  ///< why the options are refused
        std::size_t refused_size = 0;       ///< a chunk the upstream did not give
    };

    /// Takes `initial` bytes of small-block chunks from the upstream, in chunks of
    /// 64 KiB (the last one smaller): the first is carved, the rest kept. On a
    /// failure it holds no chunk (those taken went back).
    [[nodiscard]] initial_result take_initial(std::size_t initial) noexcept {
        if (maximum_ != 0 && initial > maximum_) return {"the initial size is larger than the maximum", 0};
        if (initial == 0) return {};
        std::size_t left = initial / granule * granule;
        if (left < chunk::header_bytes(left) + granule) return {"the initial size is too small for one block", 0};
        bool first = true;
        while (left >= chunk::header_bytes(left) + granule) {
            const std::size_t size = std::min(left, detail::heap_parts::window);
            if (!new_small_chunk(size, !first)) {
                reclaim();  // a new heap's chunks are all free: every one goes back
                return {nullptr, size};
            }
            first = false;
            left -= size;
        }
        return {};
    }

    /// Room in `table` for `entries` more: while it is too full, storage twice as
    /// large from the upstream (within the maximum), the old storage given back.
    /// False when there is none to be had.
    bool reserve_entry(detail::heap_parts::address_table& table, std::size_t entries = 1) noexcept {
        while (table.full(entries))
            if (!grow_table(table)) return false;
        return true;
    }

    /// Doubles the table's storage; false when the upstream or the maximum says no.
    bool grow_table(detail::heap_parts::address_table& table) noexcept {
        using slot = detail::heap_parts::address_table::slot;
        const std::size_t bytes = table.next_storage_bytes();
        if (bytes > room()) return false;
        const region raw = upstream_.get().try_allocate(bytes, alignof(slot));
        if (raw.empty()) return false;
        capacity_ += raw.size();
        const std::size_t old_bytes = table.storage_bytes();
        if (slot* old = table.rehash(reinterpret_cast<slot*>(raw.data()))) {
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(old), old_bytes), alignof(slot));
            capacity_ -= old_bytes;
        }
        return true;
    }

    /// Gives a table's storage back to the upstream (when the heap goes away).
    void release_table(const detail::heap_parts::address_table& table) noexcept {
        using slot = detail::heap_parts::address_table::slot;
        if (slot* s = table.storage())
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(s), table.storage_bytes()),
                                       alignof(slot));
    }

    /// A chunk of `size` bytes (at most 64 KiB) on a 64 KiB boundary, carved
    /// from now on (or kept as a spare). False when the upstream or the maximum
    /// says no.
    bool new_small_chunk(std::size_t size, bool spare) noexcept {
        if (size > room() || !reserve_entry(small_.table()) || size > room()) return false;
        const region raw = upstream_.get().try_allocate(size, detail::heap_parts::window);
        if (raw.empty()) return false;
        capacity_ += raw.size();
        if (spare)
            small_.add_spare(raw.data(), raw.size());
        else
            small_.add_chunk(raw.data(), raw.size());
        return true;
    }

    [[gnu::noinline]] std::byte* carve(std::size_t bytes) noexcept {
        if (std::byte* p = small_.carve(bytes)) return p;
        if (small_.use_spare())
            if (std::byte* p = small_.carve(bytes)) return p;
        if (std::byte* p = carve_new_chunk(bytes)) return p;
        // Full: cut a larger free block, or give all-free chunks back and retry.
        if (std::byte* p = small_.split(detail::heap_parts::class_of(bytes))) return p;
        return reclaim() != 0 ? carve_new_chunk(bytes) : nullptr;
    }

    /// Returns to the upstream every chunk whose blocks are all free (the failure
    /// path only: it sorts every free block). Returns the bytes released.
    [[gnu::cold, gnu::noinline]] std::size_t reclaim() noexcept {
        const std::size_t released = small_.reclaim([this](std::byte* raw, std::size_t size) {
            upstream_.get().deallocate(region(raw, size), detail::heap_parts::window);
        });
        capacity_ -= released;
        if (released != 0) segment_chunks_ = 1;  // start small again
        return released;
    }

    /// Without a maximum: a segment of 64 KiB chunks from the upstream in one
    /// block, 1 chunk, then 2, 4, ... up to 16 (1 MiB), so a growing heap asks the
    /// upstream (and a malloc its kernel) for memory less often: glibc serves a
    /// 64 KiB-aligned block by mmap, and each munmap at the end is a TLB flush.
    /// False when the upstream refuses it (the caller takes one chunk then).
    bool new_segment() noexcept {
        constexpr std::size_t window = detail::heap_parts::window;
        const std::size_t count = segment_chunks_;
        if (!reserve_entry(small_.table(), count)) return false;
        const region raw = upstream_.get().try_allocate(count * window, window);
        if (raw.empty()) return false;
        capacity_ += count * window;
        small_.add_segment(raw.data(), count);
        if (segment_chunks_ < max_segment_chunks) segment_chunks_ *= 2;
        return true;
    }

    std::byte* carve_new_chunk(std::size_t bytes) noexcept {
        if (maximum_ == 0 && new_segment()) return small_.carve(bytes);
        // 64 KiB, or what the maximum leaves (at least the header and the block).
        const std::size_t size = std::min(detail::heap_parts::window, room() / granule * granule);
        if (size < chunk::header_bytes(size) + bytes) return nullptr;
        if (!new_small_chunk(size, false)) {
            const std::size_t need = chunk::header_bytes(bytes) + bytes;  // a small one may fit
            if (need >= size || !new_small_chunk(need, false)) return nullptr;
        }
        return small_.carve(bytes);
    }

    [[gnu::noinline]] region allocate_large(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || !is_valid_alignment(alignment)) return {};
        if (const region r = adopt_large(n, alignment); !r.empty()) return r;
        return reclaim() != 0 ? adopt_large(n, alignment) : region();
    }

    region adopt_large(std::size_t n, std::size_t alignment) noexcept {
        const std::size_t offset = detail::heap_parts::large_offset(alignment);
        if (n > room() || offset > room() - n) return {};
        const std::size_t upstream_alignment = std::max(alignment, granule);
        if (!reserve_entry(large_.table()) || n > room() || offset > room() - n) return {};
        const region raw = upstream_.get().try_allocate(offset + n, upstream_alignment);
        if (raw.empty()) return {};
        capacity_ += raw.size();
        note_allocated(n);
        return {large_.adopt(raw.data(), n, offset, upstream_alignment), n};
    }

    void free_large(region r) noexcept {
        detail::heap_parts::large_header* h = large_.find(r.data());
        if (h == nullptr) {
            fault_.note(r, "block was not allocated by this heap, or was freed twice");
            return;
        }
        if (h->size != r.size()) {
            // Perhaps another block now at the same address: never free that one.
            fault_.note(r, "size differs from the size the block was allocated with");
            return;
        }
        large_.unlink(h);
        const region raw(h->base(), h->offset + h->size);
        capacity_ -= raw.size();
        live_bytes_ -= h->size;
        --live_blocks_;
        upstream_.get().deallocate(raw, h->alignment);
    }

    /// The upstream's own reallocation for a live large block, or an empty region.
    region reallocate_large(region r, std::size_t n) noexcept {
        detail::heap_parts::large_header* h = large_.find(r.data());
        if constexpr (resizable_allocator<Upstream>) {
            if (h->alignment > granule || (n > h->size && n - h->size > room())) return {};
            const std::size_t offset = h->offset;
            const std::size_t old_size = h->size;
            large_.unlink(h);
            const region raw = upstream_.get().try_reallocate(region(h->base(), offset + old_size),
                                                              offset + n, h->alignment);
            if (raw.empty()) {
                large_.link(h);
                return {};
            }
            auto* moved = reinterpret_cast<detail::heap_parts::large_header*>(raw.data() + offset) - 1;
            moved->size = n;
            large_.link(moved);
            capacity_ = capacity_ - old_size + n;
            return resized(region(moved->data(), old_size), n);
        } else {
            return {};
        }
    }

    [[noreturn, gnu::cold, gnu::noinline]] void throw_full(const char* operation, std::size_t n,
                                                          std::size_t alignment) const {
        const std::string reason =
            maximum_ != 0 && (n > room() || detail::heap_parts::large_offset(alignment) > room() - n)
                ? "the heap's maximum of " + std::to_string(maximum_) + " bytes would be exceeded (" +
                      std::to_string(capacity_) + " held, " + std::to_string(live_bytes_) + " live)"
                : std::string("the upstream allocator could not provide the memory");
        MEMREG_THROW(allocation_failure(
            detail::message(operation).arg("size", n).arg("alignment", alignment).because(reason)));
    }

    void release_all() noexcept {
        while (detail::heap_parts::large_header* h = large_.head()) {
            large_.unlink(h);
            upstream_.get().deallocate(region(h->base(), h->offset + h->size), h->alignment);
        }
        // Each segment once, by its first chunk, after every chunk has been walked
        // (for_each_chunk reads a chunk's link before the call: it may be reused).
        chunk* firsts = nullptr;
        small_.for_each_chunk([&firsts](chunk* c) {
            if (c->segment_index != 0) return;
            c->next = firsts;
            firsts = c;
        });
        while (chunk* c = firsts) {
            firsts = c->next;
            const std::size_t size = c->segment_bytes();
            detail::unpoison(c, size);
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(c), size),
                                       detail::heap_parts::window);
        }
        release_table(small_.table());
        release_table(large_.table());
    }

    detail::heap_parts::small_blocks small_{this};  // first: the fast paths touch it and the counters
    // live_bytes_ and live_blocks_ not side by side: the compiler would update the
    // pair with vector instructions, more of them than two scalar ones.
    std::size_t live_bytes_ = 0;
    std::size_t peak_bytes_ = 0;
    std::size_t live_blocks_ = 0;
    std::size_t capacity_ = 0;
    std::size_t maximum_ = 0;
    static constexpr std::size_t max_segment_chunks = 16;
    std::size_t segment_chunks_ = 1;  // of the next segment (heaps without a maximum)
    detail::heap_parts::large_blocks large_{this};
    detail::first_fault fault_;  // the first bad free, for validate()
    [[no_unique_address]] detail::upstream_ref<Upstream> upstream_;
};

}  // namespace memreg
