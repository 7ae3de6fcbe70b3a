// memreg/heap/small_blocks.hpp — the heap's size classes for blocks up to 512 B.
//
// Every small block is a multiple of 16 bytes, carved by bumping a pointer
// through chunks the heap gets from its upstream, and kept after a free on an
// intrusive, singly-linked free list of its size class. The caller gives the
// size back on free (as Lua's allocator does), so blocks carry no header: a hit
// on the free list is a load, a store and an add. validate() walks the lists to
// find what the fast paths cannot afford to check: blocks freed twice, links
// overwritten after a free, blocks outside the chunks.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "../detail/poison.hpp"
#include "../error.hpp"

namespace memreg::detail::heap_parts {

inline constexpr std::size_t granule = 16;
inline constexpr std::size_t small_max = 512;
inline constexpr std::size_t class_count = small_max / granule;

/// The size class of a block of n bytes, 1 <= n <= small_max.
[[nodiscard]] constexpr std::size_t class_of(std::size_t n) noexcept { return (n - 1) / granule; }
[[nodiscard]] constexpr std::size_t class_size(std::size_t c) noexcept { return (c + 1) * granule; }

/// Whether a block of n bytes at `alignment` is served from the size classes.
[[nodiscard]] constexpr bool is_small(std::size_t n, std::size_t alignment) noexcept {
    return n - 1 < small_max && alignment <= granule;
}

struct free_block {
    free_block* next;
};

/// The header at the start of every chunk of small blocks.
struct alignas(granule) small_chunk {
    small_chunk* next;  // the chunk before this one
    std::size_t size;   // of the whole chunk, header included
    [[nodiscard]] std::byte* begin() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    [[nodiscard]] std::byte* end() noexcept { return reinterpret_cast<std::byte*>(this) + size; }
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_heap_corruption(std::size_t size_class,
                                                                         std::uintptr_t address,
                                                                         const char* reason) {
    throw corruption(
        message("heap::validate").arg("size_class", size_class).arg("address", address).because(reason));
}

class small_blocks {
public:
    /// A block of class c from its free list, or null.
    [[nodiscard]] std::byte* pop(std::size_t c) noexcept {
        free_block* b = heads_[c];
        if (b == nullptr) return nullptr;
        detail::unpoison(b, class_size(c));
        heads_[c] = b->next;
        --counts_[c];
        return reinterpret_cast<std::byte*>(b);
    }

    /// A block of `bytes` (a multiple of 16) from the current chunk, or null.
    [[nodiscard]] std::byte* carve(std::size_t bytes) noexcept {
        if (bytes > static_cast<std::size_t>(end_ - bump_)) return nullptr;
        std::byte* p = bump_;
        bump_ += bytes;
        detail::unpoison(p, bytes);
        return p;
    }

    /// Puts a freed block of class c on its list. Returns false, and leaves the
    /// lists alone, when the block is already first on it (freed twice in a row).
    bool push(std::byte* p, std::size_t c) noexcept {
        if (reinterpret_cast<free_block*>(p) == heads_[c]) [[unlikely]]
            return false;
        // Fill (debug) before writing the link; ASan-poison after it.
        if constexpr (poison_mode != poison_kind::asan) detail::poison(p, class_size(c));
        heads_[c] = ::new (static_cast<void*>(p)) free_block{heads_[c]};
        ++counts_[c];
        if constexpr (poison_mode == poison_kind::asan) detail::poison(p, class_size(c));
        return true;
    }

    /// Grows or shrinks the newest carved block in place, from `from` to `to`
    /// bytes (multiples of 16). False when p is not the newest or the chunk is full.
    bool resize_last(std::byte* p, std::size_t from, std::size_t to) noexcept {
        if (p + from != bump_ || to > static_cast<std::size_t>(end_ - p)) return false;
        if (to > from)
            detail::unpoison(p + from, to - from);
        else
            detail::poison(p + to, from - to);
        bump_ = p + to;
        return true;
    }

    /// Starts carving from a new chunk; what was left of the old one goes on the
    /// free lists, so it is not lost.
    void add_chunk(std::byte* raw, std::size_t size) noexcept {
        while (end_ - bump_ >= static_cast<std::ptrdiff_t>(granule)) {
            const std::size_t left = std::min(static_cast<std::size_t>(end_ - bump_), small_max);
            detail::unpoison(bump_, left - left % granule);  // never carved: still poisoned
            push(bump_, class_of(left - left % granule));
            bump_ += left - left % granule;
        }
        auto* c = ::new (static_cast<void*>(raw)) small_chunk{chunks_, size};
        chunks_ = c;
        bump_ = c->begin();
        end_ = c->end();
        detail::poison(bump_, static_cast<std::size_t>(end_ - bump_));
    }

    /// A block of class c cut from the front of a free block of the smallest
    /// larger class; the rest goes on the free list of its own size, so every
    /// byte stays either live or listed. Null when no larger block is free.
    [[nodiscard]] std::byte* split(std::size_t c) noexcept {
        for (std::size_t larger = c + 1; larger < class_count; ++larger) {
            std::byte* p = pop(larger);
            if (p == nullptr) continue;
            push(p + class_size(c), class_of(class_size(larger) - class_size(c)));
            return p;
        }
        return nullptr;
    }

    /// Gives back every chunk whose carved bytes are all free: release(raw, size)
    /// gets each one, and the free lists are rebuilt without their blocks. Returns
    /// the bytes released: 0 when none is all free, when the lists look corrupt
    /// (validate() says how; nothing is touched) or when there is no memory to sort.
    template <class Release>
    std::size_t reclaim(Release&& release) noexcept {
        std::vector<small_chunk*> chunks;
        std::vector<listed> free;
        std::vector<std::size_t> free_bytes;
        try {
            for (small_chunk* c = chunks_; c != nullptr; c = c->next) chunks.push_back(c);
            if (!gather(free)) return 0;
            free_bytes.assign(chunks.size(), 0);
        } catch (...) {
            return 0;
        }
        std::sort(chunks.begin(), chunks.end(), std::less<small_chunk*>());
        std::sort(free.begin(), free.end(),
                  [](const listed& a, const listed& b) { return a.at < b.at; });
        // Both sorted by address: one walk finds each free block's chunk.
        std::size_t k = 0;
        for (std::size_t i = 0; i < free.size(); ++i) {
            std::byte* p = free[i].at;
            const std::size_t bytes = class_size(free[i].size_class);
            if (i > 0 && free[i - 1].at + class_size(free[i - 1].size_class) > p) return 0;
            while (k < chunks.size() && carved_end(chunks[k]) <= p) ++k;
            if (k == chunks.size() || p < chunks[k]->begin() || p + bytes > carved_end(chunks[k]) ||
                (p - chunks[k]->begin()) % static_cast<std::ptrdiff_t>(granule) != 0)
                return 0;
            free[i].chunk = k;
            free_bytes[k] += bytes;
        }
        // From here on free_bytes[k] says whether chunk k goes back (1) or stays (0).
        bool any = false;
        for (std::size_t j = 0; j < chunks.size(); ++j) {
            const auto carved = static_cast<std::size_t>(carved_end(chunks[j]) - chunks[j]->begin());
            free_bytes[j] = free_bytes[j] == carved ? 1 : 0;
            any = any || free_bytes[j] != 0;
        }
        if (!any) return 0;
        // Refill the lists, highest address first, so each list starts at its lowest.
        heads_.fill(nullptr);
        counts_.fill(0);
        for (std::size_t i = free.size(); i-- > 0;) {
            if (free_bytes[free[i].chunk] != 0) continue;
            detail::unpoison(free[i].at, class_size(free[i].size_class));
            push(free[i].at, free[i].size_class);
        }
        small_chunk* current = chunks_;
        bool current_stays = false;
        chunks_ = nullptr;
        std::size_t released = 0;
        for (std::size_t j = 0; j < chunks.size(); ++j) {
            small_chunk* c = chunks[j];
            if (free_bytes[j] == 0) {
                if (c == current) {
                    current_stays = true;
                } else {
                    c->next = chunks_;
                    chunks_ = c;
                }
                continue;
            }
            const std::size_t size = c->size;
            released += size;
            detail::unpoison(c, size);
            release(reinterpret_cast<std::byte*>(c), size);
        }
        if (current_stays) {
            current->next = chunks_;  // still the one being carved
            chunks_ = current;
        } else {
            // The new first chunk is carved to its end: carving takes a new one.
            bump_ = end_ = chunks_ != nullptr ? chunks_->end() : nullptr;
        }
        return released;
    }

    [[nodiscard]] small_chunk* chunks() const noexcept { return chunks_; }
    [[nodiscard]] std::size_t free_count(std::size_t c) const noexcept { return counts_[c]; }

    /// Walks every free list; throws corruption naming the first fault found.
    void validate() const {
        struct range {
            const std::byte* begin;
            const std::byte* end;
        };
        std::vector<range> carved;  // [begin, bump) of each chunk
        for (small_chunk* c = chunks_; c != nullptr; c = c->next)
            carved.push_back({c->begin(), c == chunks_ ? bump_ : c->end()});
        std::sort(carved.begin(), carved.end(),
                  [](const range& a, const range& b) { return a.begin < b.begin; });

        struct block {
            const std::byte* at;
            std::size_t size_class;
        };
        std::vector<block> free;
        for (std::size_t c = 0; c < class_count; ++c) {
            const void* b = heads_[c];
            for (std::size_t seen = 0; b != nullptr; ++seen) {
                const auto* p = static_cast<const std::byte*>(b);
                const auto address = reinterpret_cast<std::uintptr_t>(p);
                const auto in = std::upper_bound(
                    carved.begin(), carved.end(), p,
                    [](const std::byte* q, const range& r) { return q < r.begin; });
                if (in == carved.begin() || p + class_size(c) > std::prev(in)->end)
                    throw_heap_corruption(class_size(c), address,
                                          "free list points outside the heap's chunks "
                                          "(a write after free, or a foreign block freed?)");
                if ((p - std::prev(in)->begin) % static_cast<std::ptrdiff_t>(granule) != 0)
                    throw_heap_corruption(class_size(c), address,
                                          "free block not on a 16-byte boundary of its chunk");
                if (seen == counts_[c])
                    throw_heap_corruption(class_size(c), address,
                                          "free list longer than its count (a block freed twice?)");
                free.push_back({p, c});
                b = detail::read_link(b);
            }
        }
        std::sort(free.begin(), free.end(),
                  [](const block& a, const block& b) { return a.at < b.at; });
        for (std::size_t i = 1; i < free.size(); ++i) {
            const block& before = free[i - 1];
            if (before.at + class_size(before.size_class) > free[i].at)
                throw_heap_corruption(class_size(free[i].size_class),
                                      reinterpret_cast<std::uintptr_t>(free[i].at),
                                      before.at == free[i].at
                                          ? "block is on the free lists twice (freed twice?)"
                                          : "free block overlaps another free block");
        }
        for (std::size_t c = 0; c < class_count; ++c) {
            std::size_t on_list = 0;
            for (const block& b : free) on_list += b.size_class == c;
            if (on_list != counts_[c])
                throw_heap_corruption(class_size(c), 0,
                                      "free list shorter than its count (a link overwritten?)");
        }
    }

private:
    struct listed {
        std::byte* at;
        std::size_t size_class;
        std::size_t chunk;  // index among the chunks sorted by address
    };

    /// Where carving stopped in c: its end, or the bump pointer in the newest.
    [[nodiscard]] std::byte* carved_end(small_chunk* c) const noexcept {
        return c == chunks_ ? bump_ : c->end();
    }

    /// Every free block, read without touching the poison; false when a list's
    /// length differs from its count (a link overwritten: leave it to validate()).
    bool gather(std::vector<listed>& free) const {
        for (std::size_t c = 0; c < class_count; ++c) {
            const void* b = heads_[c];
            for (std::size_t seen = 0; seen < counts_[c]; ++seen) {
                if (b == nullptr) return false;
                free.push_back({static_cast<std::byte*>(const_cast<void*>(b)), c, 0});
                b = detail::read_link(b);
            }
            if (b != nullptr) return false;
        }
        return true;
    }

    std::array<free_block*, class_count> heads_{};
    std::array<std::size_t, class_count> counts_{};
    std::byte* bump_ = nullptr;
    std::byte* end_ = nullptr;
    small_chunk* chunks_ = nullptr;  // newest first; the newest is being carved
};

}  // namespace memreg::detail::heap_parts
