// memreg/pool.hpp — fixed-size blocks in O(1).
//
// pool<Upstream> serves blocks of one size (list nodes, Lua's small objects,
// anything allocated and freed in bulk). A freed block goes on an intrusive
// singly-linked free list, whose link lives in the block itself; a new block is
// bumped out of the current chunk. Chunks come from Upstream, the first one at
// the first allocation, each twice as large as the last (up to 1 MiB). Freed
// blocks are poisoned (detail/poison.hpp). Single-threaded; see synchronized<>.
//
// deallocate checks what it is given before it writes to it: a block outside
// every chunk (another allocator's, a stack buffer), one off the block grid, one
// larger than the blocks, or one already free (a check word next to the link
// says so) is left alone and reported by the next validate(). Finding the chunk
// is one compare for the chunk last freed to, else a binary search of the chunk
// addresses (kept sorted, in memory from the upstream).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <new>

#include "allocator.hpp"
#include "detail/first_fault.hpp"
#include "detail/poison.hpp"
#include "error.hpp"
#include "region.hpp"

namespace memreg {

struct pool_options {
    /// The alignment every block has (a power of two).
    std::size_t alignment = default_alignment;
    /// Blocks in the first chunk; 0 picks enough for about 4 KiB.
    std::size_t first_chunk_blocks = 0;
};

namespace detail {

struct pool_chunk {
    pool_chunk* next;
    std::size_t size;  // of the whole chunk
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pool_options(std::size_t block_size,
                                                                      std::size_t alignment,
                                                                      const char* reason) {
    MEMREG_THROW(bad_argument(
        message("pool").arg("block_size", block_size).arg("alignment", alignment).because(reason)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_pool_corruption(std::uintptr_t address,
                                                                         const char* reason) {
    MEMREG_THROW(corruption(message("pool::validate").arg("address", reinterpret_cast<const void*>(address)).because(reason)));
}

/// Reads the word of a free (so poisoned) block that says it is free.
#if defined(MEMREG_ASAN)
__attribute__((no_sanitize("address")))
#endif
inline std::uintptr_t read_check_word(const void* p) noexcept {
    return static_cast<const std::uintptr_t*>(p)[1];
}

}  // namespace detail

template <allocator Upstream = malloc_allocator>
class pool {
public:
    /// A pool of `block_size`-byte blocks from a stateless Upstream.
    explicit pool(std::size_t block_size, pool_options options = {})
        requires detail::store_by_value<Upstream>
        : pool(Upstream(), block_size, options) {}
    pool(Upstream&& upstream, std::size_t block_size, pool_options options = {})
        requires detail::store_by_value<Upstream>
        : pool(upstream, block_size, options) {}

    /// A pool over `upstream`, which must outlive it. Throws bad_argument for a
    /// block size of 0 or an alignment that is not a power of two.
    pool(Upstream& upstream, std::size_t block_size, pool_options options = {})
        : block_size_(block_size), alignment_(options.alignment), upstream_(upstream) {
        if (!is_valid_alignment(options.alignment))
            detail::throw_pool_options(block_size, options.alignment, "alignment is not a power of two");
        if (block_size == 0 || block_size > max_block)
            detail::throw_pool_options(block_size, options.alignment,
                                       "block size must be between 1 and 2^32 bytes");
        const std::size_t a = std::max(alignment_, alignof(free_block));
        stride_ = (std::max(block_size, sizeof(free_block)) + a - 1) / a * a;
        header_ = (sizeof(detail::pool_chunk) + a - 1) / a * a;
        next_blocks_ = options.first_chunk_blocks != 0
                           ? options.first_chunk_blocks
                           : std::max<std::size_t>(8, 4096 / stride_);
    }

    pool(const pool&) = delete;  // blocks point into it
    pool& operator=(const pool&) = delete;

    ~pool() {
        while (chunks_ != nullptr) {
            detail::pool_chunk* c = chunks_;
            chunks_ = c->next;
            detail::unpoison(c, c->size);
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(c), c->size),
                                       chunk_alignment());
        }
        if (index_ != inline_index_)
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(index_),
                                              index_capacity_ * sizeof(detail::pool_chunk*)),
                                       alignof(detail::pool_chunk*));
    }

    /// A block holding n bytes (1 <= n <= block_size, alignment <= the pool's),
    /// or an empty region.
    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n - 1 < block_size_ && alignment <= alignment_ && is_valid_alignment(alignment))
            [[likely]] {
            if (free_block* b = free_) [[likely]] {
                detail::unpoison(b, stride_);
                free_ = b->next;
                b->check = 0;
                ++live_;
                return {reinterpret_cast<std::byte*>(b), n};
            }
            return carve(n);
        }
        return {};
    }

    /// Takes back a block (any size up to block_size, as it was allocated). A
    /// block that is not a live block of this pool is left alone, and the next
    /// validate() reports it.
    void deallocate(region r, std::size_t /*alignment*/) noexcept {
        if (r.empty()) return;
        std::byte* p = r.data();
        const detail::pool_chunk* c = chunk_of(p);
        if (c == nullptr) [[unlikely]]
            return fault_.note(r, "block is in none of the pool's chunks (another allocator's, or "
                                 "not allocated at all?)");
        if (!on_block(c, p)) [[unlikely]]
            return fault_.note(r, "address is not the start of one of the pool's blocks");
        if (r.size() > block_size_) [[unlikely]]
            return fault_.note(r, "size is larger than the pool's blocks");
        const auto address = reinterpret_cast<std::uintptr_t>(p);
        if (detail::read_check_word(p) == (address ^ key_)) [[unlikely]]
            return fault_.note(r, "block freed twice (it is free already)");
        if constexpr (detail::poison_mode != detail::poison_kind::asan) detail::poison(p, stride_);
        free_ = ::new (static_cast<void*>(p)) free_block{free_, address ^ key_};
        --live_;
        if constexpr (detail::poison_mode == detail::poison_kind::asan) detail::poison(p, stride_);
    }

    [[nodiscard]] std::size_t block_size() const noexcept { return block_size_; }
    [[nodiscard]] std::size_t alignment() const noexcept { return alignment_; }
    /// Blocks handed out and not given back.
    [[nodiscard]] std::size_t live_blocks() const noexcept { return live_; }
    /// Bytes held from the upstream.
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    /// Throws corruption for the first bad free deallocate refused, then walks the
    /// free list: a link pointing outside the pool's chunks or off the block
    /// grid, or a list that loops.
    void validate() const {
        fault_.report("pool::deallocate");
        std::size_t seen = 0;
        for (const void* b = free_; b != nullptr; b = detail::read_link(b)) {
            const auto* p = static_cast<const std::byte*>(b);
            const auto address = reinterpret_cast<std::uintptr_t>(p);
            if (!on_grid(p))
                detail::throw_pool_corruption(address,
                                              "free list points outside the pool's blocks (a "
                                              "write after free, or a foreign block freed?)");
            if (seen > carved_)
                detail::throw_pool_corruption(address, "free list loops (a block freed twice?)");
            ++seen;  // a block on a singly-linked list twice makes it loop
        }
    }

private:
    struct free_block {
        free_block* next;
        std::uintptr_t check;  // its address ^ key_ while free, 0 once handed out
    };
    // 4 GiB (SIZE_MAX where size_t has 32 bits).
    static constexpr std::size_t max_block =
        static_cast<std::size_t>(std::min<std::uint64_t>(std::uint64_t{1} << 32, SIZE_MAX));
    static constexpr std::size_t largest_chunk = 1024 * 1024;

    [[nodiscard]] std::size_t chunk_alignment() const noexcept {
        return std::max(alignment_, alignof(detail::pool_chunk));
    }

    [[gnu::noinline]] region carve(std::size_t n) noexcept {
        if (fresh_ == fresh_end_ && !grow()) return {};
        std::byte* p = fresh_;
        fresh_ += stride_;
        ++live_;
        ++carved_;
        detail::unpoison(p, stride_);
        return {p, n};
    }

    bool grow() noexcept {
        const std::size_t blocks = next_blocks_;
        if (blocks > (std::numeric_limits<std::size_t>::max() - header_) / stride_) return false;
        const std::size_t size = header_ + blocks * stride_;
        if (index_count_ == index_capacity_ && !grow_index()) return false;
        const region raw = upstream_.get().try_allocate(size, chunk_alignment());
        if (raw.empty()) return false;
        chunks_ = ::new (static_cast<void*>(raw.data())) detail::pool_chunk{chunks_, size};
        // Keep the index sorted by address.
        std::size_t at = index_count_++;
        for (; at > 0 && std::less<>()(chunks_, index_[at - 1]); --at) index_[at] = index_[at - 1];
        index_[at] = chunks_;
        capacity_ += size;
        fresh_ = raw.data() + header_;
        fresh_end_ = raw.data() + size;
        detail::poison(fresh_, size - header_);
        if (size * 2 <= largest_chunk) next_blocks_ = blocks * 2;
        return true;
    }

    /// Room for twice as many chunk addresses, from the upstream.
    bool grow_index() noexcept {
        const std::size_t capacity = index_capacity_ * 2;
        const region raw =
            upstream_.get().try_allocate(capacity * sizeof(detail::pool_chunk*), alignof(detail::pool_chunk*));
        if (raw.empty()) return false;
        auto** index = reinterpret_cast<detail::pool_chunk**>(raw.data());
        std::memcpy(index, index_, index_count_ * sizeof(detail::pool_chunk*));
        if (index_ != inline_index_) {
            const std::size_t old = index_capacity_ * sizeof(detail::pool_chunk*);
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(index_), old),
                                       alignof(detail::pool_chunk*));
            capacity_ -= old;
        }
        capacity_ += raw.size();
        index_ = index;
        index_capacity_ = capacity;
        return true;
    }

    /// The chunk whose blocks p is in, or null; reads only the pool's own memory.
    [[nodiscard]] const detail::pool_chunk* chunk_of(const std::byte* p) const noexcept {
        if (in_chunk(last_, p)) [[likely]] return last_;
        std::size_t lo = 0;
        std::size_t hi = index_count_;  // the chunk is the last one that starts at or before p
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (std::less_equal<>()(reinterpret_cast<const std::byte*>(index_[mid]), p))
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0 || !in_chunk(index_[lo - 1], p)) return nullptr;
        last_ = index_[lo - 1];
        return last_;
    }

    [[nodiscard]] bool in_chunk(const detail::pool_chunk* c, const std::byte* p) const noexcept {
        if (c == nullptr) return false;
        const auto* first = reinterpret_cast<const std::byte*>(c) + header_;
        const auto* end = c == chunks_ ? fresh_ : reinterpret_cast<const std::byte*>(c) + c->size;
        return std::less_equal<>()(first, p) && std::less<>()(p, end);
    }

    /// Whether p, inside chunk c, starts one of its blocks.
    [[nodiscard]] bool on_block(const detail::pool_chunk* c, const std::byte* p) const noexcept {
        const auto offset = static_cast<std::size_t>(p - (reinterpret_cast<const std::byte*>(c) + header_));
        return (stride_ & (stride_ - 1)) == 0 ? (offset & (stride_ - 1)) == 0 : offset % stride_ == 0;
    }

    /// Whether p is the start of a carved block of one of the chunks.
    [[nodiscard]] bool on_grid(const std::byte* p) const noexcept {
        for (detail::pool_chunk* c = chunks_; c != nullptr; c = c->next) {
            const auto* first = reinterpret_cast<const std::byte*>(c) + header_;
            const auto* end = c == chunks_ ? fresh_ : reinterpret_cast<const std::byte*>(c) + c->size;
            if (p >= first && p < end)
                return static_cast<std::size_t>(p - first) % stride_ == 0;
        }
        return false;
    }

    free_block* free_ = nullptr;  // the fast path touches free_, live_ and the sizes
    std::size_t live_ = 0;
    std::size_t block_size_;
    std::size_t alignment_;
    std::size_t stride_ = 0;
    std::byte* fresh_ = nullptr;  // the current chunk's blocks never handed out
    std::byte* fresh_end_ = nullptr;
    detail::pool_chunk* chunks_ = nullptr;
    std::size_t header_ = 0;
    std::size_t next_blocks_ = 0;
    std::size_t capacity_ = 0;
    std::size_t carved_ = 0;
    detail::pool_chunk* inline_index_[4] = {};  // the first chunks need no memory for the index
    detail::pool_chunk** index_ = inline_index_;  // every chunk, sorted by address
    std::size_t index_count_ = 0;
    std::size_t index_capacity_ = 4;
    mutable const detail::pool_chunk* last_ = nullptr;  // the chunk last freed to
    std::uintptr_t key_ = reinterpret_cast<std::uintptr_t>(this) ^ static_cast<std::uintptr_t>(0x706f6f6c2e6d656dULL);  // "pool.mem", cut to 32 bits there
    detail::first_fault fault_;  // the first bad free, for validate()
    [[no_unique_address]] detail::upstream_ref<Upstream> upstream_;
};

}  // namespace memreg
