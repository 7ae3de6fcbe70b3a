// memreg/heap/small_blocks.hpp — the heap's size classes for blocks up to 512 B.
//
// Every small block is a multiple of 16 bytes, carved by bumping a pointer
// through chunks the heap gets from its upstream, and kept after a free on an
// intrusive, singly-linked free list of its size class. The caller gives the
// size back on free (as Lua's allocator does), so blocks carry no header: a hit
// on the free list is a load, a store and an add.
//
// A free is routed by the block's address, never by the caller's word: every
// chunk starts on a 64 KiB boundary and is at most 64 KiB long, so
// `address >> 16` names the one chunk the address can be in, and a hash table in
// the heap's own memory (address_table.hpp) says whether the heap has a chunk
// there. The chunk's header holds one bit per 16-byte granule, set where a block
// starts (and where carving stops), so a free checks that the address starts a
// block and that the size given is the block's: the bits at the start and at
// start + size are set and none between. A free block says so in its second
// word (its address xor a per-heap key), so a block freed twice is refused at
// the call. Everything a free checks is memory the heap owns. validate() walks
// the lists for what the free cannot see: links overwritten after a free.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "../detail/poison.hpp"
#include "../error.hpp"
#include "address_table.hpp"

namespace memreg::detail::heap_parts {

inline constexpr std::size_t granule = 16;
inline constexpr std::size_t small_max = 512;
inline constexpr std::size_t class_count = small_max / granule;
/// Chunks start on a multiple of this and are at most this long.
inline constexpr std::size_t window_shift = 16;
inline constexpr std::size_t window = std::size_t{1} << window_shift;

/// The size class of a block of n bytes, 1 <= n <= small_max.
[[nodiscard]] constexpr std::size_t class_of(std::size_t n) noexcept { return (n - 1) / granule; }
[[nodiscard]] constexpr std::size_t class_size(std::size_t c) noexcept { return (c + 1) * granule; }

/// Whether a block of n bytes at `alignment` is served from the size classes.
[[nodiscard]] constexpr bool is_small(std::size_t n, std::size_t alignment) noexcept {
    return n - 1 < small_max && alignment <= granule;
}

struct free_block {
    free_block* next;
    std::uintptr_t check;  // its address ^ the heap's key while free; 0 once handed out
};

/// The header at the start of every chunk of small blocks, followed by the bits
/// that mark where blocks start (one per granule of the chunk, and one for its end).
/// A chunk is one upstream block, or one of the 64 KiB windows of a larger one (a
/// segment: an unbounded heap takes its chunks a few at a time); the segment goes
/// back to the upstream as a whole, when every chunk in it is free.
struct alignas(granule) small_chunk {
    small_chunk* next;              // the chunk before this one
    std::uint32_t size;             // of the whole chunk, header included (at most 64 KiB)
    std::uint16_t segment_index;    // its place in its segment (0: the first, the upstream block)
    std::uint16_t segment_chunks;   // how many chunks its segment has (1: it is one block)

    /// The first chunk of its segment (in a segment of several, each is 64 KiB).
    [[nodiscard]] small_chunk* segment() noexcept {
        return reinterpret_cast<small_chunk*>(base() - std::size_t{segment_index} * window);
    }
    /// The size of the upstream block, when this is the segment's first chunk.
    [[nodiscard]] std::size_t segment_bytes() const noexcept {
        return segment_chunks == 1 ? size : std::size_t{segment_chunks} * window;
    }

    /// Words of bits: one per granule and one for the end, and a spare word so
    /// that block_at may read the word after any granule's without a bounds check.
    [[nodiscard]] static constexpr std::size_t words(std::size_t size) noexcept {
        return size / granule / 64 + 2;
    }
    /// Bytes of header (bits included) in front of the blocks of a chunk of `size`.
    [[nodiscard]] static constexpr std::size_t header_bytes(std::size_t size) noexcept {
        return (sizeof(small_chunk) + words(size) * sizeof(std::uint64_t) + granule - 1) / granule *
               granule;
    }
    /// The block-start bits: bit g % 8 of byte g / 8 is granule g's (so that one
    /// unaligned 8-byte load sees any block's bits whatever the byte order).
    [[nodiscard]] unsigned char* starts() noexcept {
        return reinterpret_cast<unsigned char*>(this + 1);
    }
    [[nodiscard]] const unsigned char* starts() const noexcept {
        return reinterpret_cast<const unsigned char*>(this + 1);
    }
    [[nodiscard]] std::byte* base() noexcept { return reinterpret_cast<std::byte*>(this); }
    [[nodiscard]] std::byte* begin() noexcept { return base() + header_bytes(size); }
    [[nodiscard]] std::byte* end() noexcept { return base() + size; }
    [[nodiscard]] std::size_t granule_of(const std::byte* p) const noexcept {
        return static_cast<std::size_t>(p - reinterpret_cast<const std::byte*>(this)) / granule;
    }
    void mark_start(const std::byte* p) noexcept {
        const std::size_t g = granule_of(p);
        starts()[g / 8] = static_cast<unsigned char>(starts()[g / 8] | 1u << (g % 8));
    }
    void clear_start(const std::byte* p) noexcept {
        const std::size_t g = granule_of(p);
        starts()[g / 8] = static_cast<unsigned char>(starts()[g / 8] & ~(1u << (g % 8)));
    }
    [[nodiscard]] bool starts_at(const std::byte* p) const noexcept {
        const std::size_t g = granule_of(p);
        return (starts()[g / 8] >> (g % 8) & 1) != 0;
    }
    /// The bits of granules g to g + 56 (at least) in the low bits: one unaligned
    /// load (the spare word after the bits keeps it inside the header).
    [[nodiscard]] std::uint64_t bits_from(std::size_t g) const noexcept {
        std::uint64_t w;
        std::memcpy(&w, starts() + g / 8, sizeof w);
        if constexpr (std::endian::native == std::endian::big) w = byte_swap64(w);
        return w >> (g % 8);
    }
    /// Whether a block of k granules (1 <= k <= 32) starts at granule g of the
    /// chunk: bits g and g + k set, none between (bits past the chunk's end are 0).
    [[nodiscard]] bool block_at(std::size_t g, std::size_t k) const noexcept {
        return (bits_from(g) & ((std::uint64_t{2} << k) - 1)) == (std::uint64_t{1} | std::uint64_t{1} << k);
    }

private:
    [[nodiscard]] static constexpr std::uint64_t byte_swap64(std::uint64_t w) noexcept {
        std::uint64_t r = 0;
        for (int i = 0; i < 8; ++i) r = r << 8 | (w >> (8 * i) & 0xff);
        return r;
    }
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_heap_corruption(std::size_t size_class,
                                                                         std::uintptr_t address,
                                                                         const char* reason) {
    MEMREG_THROW(corruption(
        message("heap::validate").arg("size_class", size_class).arg("address", reinterpret_cast<const void*>(address)).because(reason)));
}

/// The second word of a free (so poisoned) block, read without ASan's check.
#if defined(MEMREG_ASAN)
__attribute__((no_sanitize("address")))
#endif
inline std::uintptr_t read_check(const void* p) noexcept {
    return static_cast<const std::uintptr_t*>(p)[1];
}

class small_blocks {
public:
    explicit small_blocks(const void* owner) noexcept
        : key_(reinterpret_cast<std::uintptr_t>(owner) ^
               static_cast<std::uintptr_t>(0x736d616c6c2e6dULL)) {}  // its low half on 32-bit

    /// A block of class c from its free list, or null.
    [[nodiscard]] std::byte* pop(std::size_t c) noexcept {
        free_block* b = heads_[c];
        if (b == nullptr) return nullptr;
        detail::unpoison(b, class_size(c));
        heads_[c] = b->next;
        b->check = 0;
        --counts_[c];
        return reinterpret_cast<std::byte*>(b);
    }

    /// A block of `bytes` (a multiple of 16) from the current chunk, or null.
    [[nodiscard]] std::byte* carve(std::size_t bytes) noexcept {
        if (bytes > static_cast<std::size_t>(end_ - bump_)) return nullptr;
        std::byte* p = bump_;
        bump_ += bytes;
        chunks_->mark_start(bump_);
        detail::unpoison(p, bytes);
        // Fresh chunk memory may hold a check word left by an earlier heap with the same
        // key (a heap made at the same address, over memory its upstream hands out
        // again): the block would then pass for free and its first free be refused.
        reinterpret_cast<std::uintptr_t*>(p)[1] = 0;
        return p;
    }

    /// A direct-mapped cache of the chunks lookups found, by their window's low
    /// bits: whether p is in the chunk of its slot is one subtraction and compare
    /// (frees come in runs from a few chunks; a miss asks the address table).
    static constexpr std::size_t cache_slots = 64;
    [[nodiscard]] static std::size_t cache_slot(const std::byte* p) noexcept {
        return static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(p) >> window_shift) &
               (cache_slots - 1);
    }
    [[nodiscard]] bool in_cached_chunk(const std::byte* p, std::size_t slot) const noexcept {
        const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(cache_.base[slot]);
        return reinterpret_cast<std::uintptr_t>(p) - base < cache_.size[slot];  // 0: empty
    }
    /// The chunk in p's slot (when in_cached_chunk says p is in it).
    [[nodiscard]] small_chunk* cached_chunk(std::size_t slot) const noexcept { return cache_.base[slot]; }

    /// The chunk p is in, or null (p is then not in a small block of this heap).
    [[nodiscard]] small_chunk* chunk_of(const std::byte* p) const noexcept {
        const std::size_t slot = cache_slot(p);
        if (in_cached_chunk(p, slot)) return cache_.base[slot];
        auto* c = static_cast<small_chunk*>(table_.find(reinterpret_cast<std::uintptr_t>(p) >> window_shift));
        if (c == nullptr || !std::less<>()(p, c->end())) return nullptr;
        cache_.base[slot] = c;
        cache_.size[slot] = c->size;
        return c;
    }

    /// Whether [p, p + n) is a live block of chunk c (then null), else why not.
    /// The header's granules and those past the carving never have their bit set.
    [[nodiscard]] const char* check_live(small_chunk* c, const std::byte* p,
                                         std::size_t n) const noexcept {
        if (!is_block(c, p, n)) [[unlikely]]
            return not_live(c, p, n);
        if (is_free(p)) [[unlikely]]
            return "block freed twice (it is free already)";
        return nullptr;
    }

    /// Whether [p, p + n) (n >= 1) is a block of chunk c, free or live: p on a
    /// granule, n small, its start bit and its end bit set and none between.
    [[nodiscard]] bool is_block(const small_chunk* c, const std::byte* p, std::size_t n) const noexcept {
        const auto offset = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(p) -
                                                     reinterpret_cast<std::uintptr_t>(c));
        if (((offset & (granule - 1)) | ((n - 1) & ~(small_max - 1))) != 0) return false;
        const std::size_t k = class_of(n);
        return (c->bits_from(offset / granule) & block_bits_.mask[k]) == block_bits_.want[k];
    }

    /// Whether the block at p (a block of this heap) is on a free list.
    [[nodiscard]] bool is_free(const std::byte* p) const noexcept {
        return read_check(p) == (reinterpret_cast<std::uintptr_t>(p) ^ key_);
    }

    /// Puts a freed block of class c on its list.
    void push(std::byte* p, std::size_t c) noexcept {
        // Fill (debug) before writing the link; ASan-poison after it.
        if constexpr (poison_mode != poison_kind::asan) detail::poison(p, class_size(c));
        heads_[c] = ::new (static_cast<void*>(p))
            free_block{heads_[c], reinterpret_cast<std::uintptr_t>(p) ^ key_};
        ++counts_[c];
        if constexpr (poison_mode == poison_kind::asan) detail::poison(p, class_size(c));
    }

    /// Splits the live block [p, p + from) of chunk c at p + to and lists the tail.
    void free_tail(small_chunk* c, std::byte* p, std::size_t from, std::size_t to) noexcept {
        c->mark_start(p + to);
        push(p + to, class_of(from - to));
    }

    /// Grows or shrinks the newest carved block in place, from `from` to `to`
    /// bytes (multiples of 16). False when p is not the newest or the chunk is full.
    bool resize_last(std::byte* p, std::size_t from, std::size_t to) noexcept {
        if (p + from != bump_ || to > static_cast<std::size_t>(end_ - p)) return false;
        if (to > from)
            detail::unpoison(p + from, to - from);
        else
            detail::poison(p + to, from - to);
        chunks_->clear_start(bump_);
        bump_ = p + to;
        chunks_->mark_start(bump_);
        return true;
    }

    /// The table of every chunk, whose storage the heap provides from its
    /// upstream when it is full (heap::reserve_entry) and gives back.
    [[nodiscard]] address_table& table() noexcept { return table_; }
    [[nodiscard]] const address_table& table() const noexcept { return table_; }

    /// Registers a chunk (at a 64 KiB boundary, at most 64 KiB; the table not
    /// full) and keeps it for later: carving takes it when the current one is full.
    void add_spare(std::byte* raw, std::size_t size) noexcept {
        auto* c = new_chunk(raw, size, 0, 1);
        c->next = spare_;
        spare_ = c;
    }

    /// Registers a segment of `count` chunks of 64 KiB at raw (on a 64 KiB boundary;
    /// the table with room for them): carving starts from the first, the others are
    /// kept as spares, the lowest first.
    void add_segment(std::byte* raw, std::size_t count) noexcept {
        small_chunk* first = new_chunk(raw, window, 0, count);
        for (std::size_t i = count; i-- > 1;) {
            small_chunk* c = new_chunk(raw + i * window, window, i, count);
            c->next = spare_;
            spare_ = c;
        }
        use(first);
    }

    /// Registers a chunk (see add_spare) and starts carving from it; what was
    /// left of the old one goes on the free lists, so it is not lost.
    void add_chunk(std::byte* raw, std::size_t size) noexcept { use(new_chunk(raw, size, 0, 1)); }

    /// Starts carving from a spare chunk; false when there is none.
    bool use_spare() noexcept {
        small_chunk* c = spare_;
        if (c == nullptr) return false;
        spare_ = c->next;
        use(c);
        return true;
    }

    /// A block of class c cut from the front of a free block of the smallest
    /// larger class; the rest goes on the free list of its own size, so every
    /// byte stays either live or listed. Null when no larger block is free.
    [[nodiscard]] std::byte* split(std::size_t c) noexcept {
        for (std::size_t larger = c + 1; larger < class_count; ++larger) {
            std::byte* p = pop(larger);
            if (p == nullptr) continue;
            free_tail(chunk_of(p), p, class_size(larger), class_size(c));
            return p;
        }
        return nullptr;
    }

    /// Gives back every segment whose chunks are all free (nothing carved in them
    /// is live, or they are spares): release(raw, size) gets each one, and the free
    /// lists are rebuilt without their blocks. An all-free chunk of a segment that
    /// keeps a live block becomes a spare (any size class carves it next). Returns
    /// the bytes released: 0 when none is all free, when the lists look corrupt
    /// (validate() says how; nothing is touched) or when there is no memory to sort
    /// (then only spares that are a segment of their own go back).
    template <class Release>
    std::size_t reclaim(Release&& release) noexcept {
        std::size_t released = 0;
        for (small_chunk** link = &spare_; *link != nullptr;) {
            small_chunk* c = *link;
            if (c->segment_chunks == 1) {
                *link = c->next;
                forget(c);
                released += give_back(c, c->size, release);
            } else {
                link = &c->next;
            }
        }
        std::vector<held> chunks;  // carved and spare
        std::vector<listed> free;
        std::vector<std::size_t> free_bytes;
#if MEMREG_EXCEPTIONS
        try {
#endif  // without exceptions, running out of memory here ends the program in operator new
            for (small_chunk* c = chunks_; c != nullptr; c = c->next) chunks.push_back({c, false});
            for (small_chunk* c = spare_; c != nullptr; c = c->next) chunks.push_back({c, true});
            if (!gather(free)) return released;
            free_bytes.assign(chunks.size(), 0);
#if MEMREG_EXCEPTIONS
        } catch (...) {
            return released;
        }
#endif
        std::sort(chunks.begin(), chunks.end(),
                  [](const held& a, const held& b) { return std::less<small_chunk*>()(a.c, b.c); });
        std::sort(free.begin(), free.end(),
                  [](const listed& a, const listed& b) { return std::less<>()(a.at, b.at); });
        // Both sorted by address: one walk finds each free block's chunk.
        std::size_t k = 0;
        for (std::size_t i = 0; i < free.size(); ++i) {
            std::byte* p = free[i].at;
            const std::size_t bytes = class_size(free[i].size_class);
            if (i > 0 && free[i - 1].at + class_size(free[i - 1].size_class) > p) return released;
            while (k < chunks.size() && carved_end(chunks[k].c) <= p) ++k;
            if (k == chunks.size() || chunks[k].spare || p < chunks[k].c->begin() ||
                p + bytes > carved_end(chunks[k].c) ||
                (p - chunks[k].c->begin()) % static_cast<std::ptrdiff_t>(granule) != 0)
                return released;
            free[i].chunk = k;
            free_bytes[k] += bytes;
        }
        // From here on free_bytes[k] says what becomes of chunk k: it stays (0), goes
        // back with its segment (1), or is a spare (2). A segment's chunks are next to
        // each other in address order, its first chunk first.
        enum : std::size_t { stays = 0, goes_back = 1, spare = 2 };
        bool any = false;
        for (std::size_t j = 0; j < chunks.size();) {
            small_chunk* first = chunks[j].c;
            if (first->segment_index != 0) return released;  // a chunk of a segment not listed
            std::size_t end = j;
            std::size_t bytes = 0;
            bool all_free = true;
            while (end < chunks.size() && chunks[end].c->segment() == first && bytes < first->segment_bytes()) {
                small_chunk* c = chunks[end].c;
                all_free = all_free && (chunks[end].spare ||
                                        free_bytes[end] == static_cast<std::size_t>(carved_end(c) - c->begin()));
                bytes += c->size;
                ++end;
            }
            if (bytes != first->segment_bytes()) return released;
            for (std::size_t m = j; m < end; ++m) {
                small_chunk* c = chunks[m].c;
                const bool chunk_free = chunks[m].spare ||
                                        free_bytes[m] == static_cast<std::size_t>(carved_end(c) - c->begin());
                free_bytes[m] = all_free ? goes_back : chunk_free ? spare : stays;
                any = any || all_free || (chunk_free && !chunks[m].spare);
            }
            j = end;
        }
        if (!any) return released;
        // Refill the lists, highest address first, so each list starts at its lowest.
        heads_.fill(nullptr);
        counts_.fill(0);
        for (std::size_t i = free.size(); i-- > 0;) {
            if (free_bytes[free[i].chunk] != stays) continue;
            detail::unpoison(free[i].at, class_size(free[i].size_class));
            push(free[i].at, free[i].size_class);
        }
        small_chunk* current = chunks_;
        bool current_stays = false;
        chunks_ = nullptr;
        spare_ = nullptr;
        for (std::size_t j = 0; j < chunks.size(); ++j) {
            small_chunk* c = chunks[j].c;
            if (free_bytes[j] == stays) {
                if (c == current) {
                    current_stays = true;
                } else {
                    c->next = chunks_;
                    chunks_ = c;
                }
            } else if (free_bytes[j] == spare) {
                if (!chunks[j].spare) clear_starts(c);
                c->next = spare_;
                spare_ = c;
            } else {
                forget(c);
                // The last chunk of its segment: the whole segment goes back.
                small_chunk* first = c->segment();
                if (j + 1 == chunks.size() || chunks[j + 1].c->segment() != first)
                    released += give_back(first, first->segment_bytes(), release);
            }
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

    /// Calls f(chunk) for every chunk, spares included (to give them all back).
    template <class F>
    void for_each_chunk(F&& f) const {
        for (small_chunk* c = chunks_; c != nullptr;) {
            small_chunk* next = c->next;
            f(c);
            c = next;
        }
        for (small_chunk* c = spare_; c != nullptr;) {
            small_chunk* next = c->next;
            f(c);
            c = next;
        }
    }
    [[nodiscard]] std::size_t free_count(std::size_t c) const noexcept { return counts_[c]; }

    /// Walks every free list; throws corruption naming the first fault found.
    void validate() const {
        struct block {
            const std::byte* at;
            std::size_t size_class;
        };
        std::vector<block> free;
        for (std::size_t c = 0; c < class_count; ++c) {
            const void* b = heads_[c];
            for (std::size_t seen = 0; b != nullptr; ++seen) {
                auto* p = static_cast<std::byte*>(const_cast<void*>(b));
                const auto address = reinterpret_cast<std::uintptr_t>(p);
                small_chunk* in = chunk_of(p);
                if (in == nullptr || p < in->begin() || p + class_size(c) > carved_end(in))
                    throw_heap_corruption(class_size(c), address,
                                          "free list points outside the heap's chunks "
                                          "(a write after free, or a foreign block freed?)");
                if ((address & (granule - 1)) != 0)
                    throw_heap_corruption(class_size(c), address,
                                          "free block not on a 16-byte boundary of its chunk");
                if (!in->block_at(in->granule_of(p), c + 1))
                    throw_heap_corruption(class_size(c), address,
                                          "free block is not a block of its size class "
                                          "(a link overwritten after free?)");
                if (read_check(p) != (address ^ key_))
                    throw_heap_corruption(class_size(c), address,
                                          "free block's check word overwritten (a write after free?)");
                if (seen == counts_[c])
                    throw_heap_corruption(class_size(c), address,
                                          "free list longer than its count (a block freed twice?)");
                free.push_back({p, c});
                b = detail::read_link(b);
            }
        }
        std::sort(free.begin(), free.end(),
                  [](const block& a, const block& b) { return std::less<>()(a.at, b.at); });
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
        std::size_t registered = 0;
        for_each_chunk([&](small_chunk* ch) {
            ++registered;
            if (table_.find(reinterpret_cast<std::uintptr_t>(ch) >> window_shift) != ch)
                throw_heap_corruption(0, reinterpret_cast<std::uintptr_t>(ch),
                                      "chunk missing from the heap's address table");
        });
        if (registered != table_.count())
            throw_heap_corruption(0, 0, "address table holds chunks the heap does not list");
    }

private:
    [[gnu::cold, gnu::noinline]] const char* not_live(small_chunk* c, const std::byte* p,
                                                      std::size_t) const noexcept {
        if ((reinterpret_cast<std::uintptr_t>(p) & (granule - 1)) != 0 ||
            (c == chunks_ && !std::less<>()(p, bump_)) || !c->starts_at(p))
            return "address is not the start of a block of this heap";
        return "size differs from the size the block was allocated with";
    }

    struct held {
        small_chunk* c;
        bool spare;  // registered, not carved
    };

    struct listed {
        std::byte* at;
        std::size_t size_class;
        std::size_t chunk;  // index among the chunks sorted by address
    };

    /// A chunk of `size` bytes at raw, the index-th of a segment of `count` chunks.
    small_chunk* new_chunk(std::byte* raw, std::size_t size, std::size_t index,
                           std::size_t count) noexcept {
        auto* c = ::new (static_cast<void*>(raw)) small_chunk{nullptr, static_cast<std::uint32_t>(size),
                                                              static_cast<std::uint16_t>(index),
                                                              static_cast<std::uint16_t>(count)};
        clear_starts(c);
        table_.insert(reinterpret_cast<std::uintptr_t>(raw) >> window_shift, c);
        return c;
    }

    /// No block starts anywhere in c (a new chunk, or one made a spare again); poisoned.
    static void clear_starts(small_chunk* c) noexcept {
        std::memset(c->starts(), 0, small_chunk::words(c->size) * sizeof(std::uint64_t));
        detail::poison(c->begin(), static_cast<std::size_t>(c->end() - c->begin()));
    }

    /// Forgets chunk c (before its memory goes back with its segment).
    void forget(small_chunk* c) noexcept {
        table_.erase(reinterpret_cast<std::uintptr_t>(c) >> window_shift);
        if (const std::size_t slot = cache_slot(c->base()); cache_.base[slot] == c) {
            cache_.base[slot] = nullptr;
            cache_.size[slot] = 0;
        }
    }

    void use(small_chunk* c) noexcept {
        while (end_ - bump_ >= static_cast<std::ptrdiff_t>(granule)) {
            const std::size_t left = std::min(static_cast<std::size_t>(end_ - bump_), small_max);
            const std::size_t piece = left - left % granule;
            detail::unpoison(bump_, piece);  // never carved: still poisoned
            std::byte* p = bump_;
            bump_ += piece;
            chunks_->mark_start(bump_);
            push(p, class_of(piece));
        }
        c->next = chunks_;
        chunks_ = c;
        bump_ = c->begin();
        end_ = c->end();
        c->mark_start(bump_);
    }

    /// Gives a segment (its chunks forgotten already) back to the upstream.
    template <class Release>
    static std::size_t give_back(small_chunk* first, std::size_t bytes, Release& release) noexcept {
        detail::unpoison(first, bytes);
        release(reinterpret_cast<std::byte*>(first), bytes);
        return bytes;
    }

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
    std::byte* bump_ = nullptr;
    std::byte* end_ = nullptr;
    small_chunk* chunks_ = nullptr;  // newest first; the newest is being carved
    std::uintptr_t key_;
    // Per slot, the chunk a lookup last found there and its size (0: none).
    mutable struct {
        std::array<small_chunk*, cache_slots> base{};
        std::array<std::size_t, cache_slots> size{};
    } cache_;
    address_table table_;            // every chunk, spares included, by address >> 16
    std::array<std::size_t, class_count> counts_{};
    // For class k: the bits of a block's granules and the one after it, and which
    // of them are set (its start and its end); in the object, so is_block indexes
    // them off the pointer it already has.
    struct class_bits {
        std::array<std::uint64_t, class_count> mask, want;
    };
    class_bits block_bits_ = [] {
        class_bits b{};
        for (std::size_t k = 0; k < class_count; ++k) {
            b.mask[k] = (std::uint64_t{4} << k) - 1;
            b.want[k] = std::uint64_t{1} | std::uint64_t{2} << k;
        }
        return b;
    }();
    small_chunk* spare_ = nullptr;   // registered, never carved
};

}  // namespace memreg::detail::heap_parts
