// memreg/arena/arena.hpp — the arena class itself; see ../arena.hpp for the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

#include "../allocator.hpp"
#include "../detail/poison.hpp"
#include "../region.hpp"
#include "chunk.hpp"

namespace memreg {

template <allocator Upstream = malloc_allocator>
class arena {
public:
    /// A position in the arena: chunk number (1 = the first) and offset in it,
    /// and the arena's generation (how many resets it had) when it was taken.
    class marker {
    public:
        [[nodiscard]] std::size_t chunk() const noexcept { return chunk_; }
        [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
        [[nodiscard]] std::size_t generation() const noexcept { return generation_; }
        friend bool operator==(const marker&, const marker&) noexcept = default;

    private:
        friend arena;
        marker(const arena* owner, std::size_t chunk, std::size_t offset,
               std::size_t generation) noexcept
            : owner_(owner), chunk_(chunk), offset_(offset), generation_(generation) {}
        const arena* owner_;
        std::size_t chunk_;
        std::size_t offset_;
        std::size_t generation_;
    };

    /// An arena over `buffer`, which it never grows past; the caller keeps owning
    /// the buffer, which must outlive the arena. Allocation stops at the last
    /// 16-byte boundary in the buffer (a buffer with none serves nothing).
    explicit arena(region buffer) noexcept : fixed_(buffer), depth_(1) {
        start_fixed();
        detail::poison(buffer.data(), buffer.size());
    }

    /// An arena growing over chunks from a default-constructed, stateless Upstream.
    explicit arena(arena_options options = {})
        requires detail::store_by_value<Upstream>
        : arena(Upstream(), options) {}

    /// An arena growing over chunks from `upstream`, which must outlive it.
    explicit arena(Upstream& upstream, arena_options options = {}) noexcept
        : arena(upstream, options, 0) {}
    explicit arena(Upstream&& upstream, arena_options options = {}) noexcept
        requires detail::store_by_value<Upstream>
        : arena(upstream, options, 0) {}

    arena(const arena&) = delete;  // markers and regions point into it
    arena& operator=(const arena&) = delete;

    ~arena() { release_chunks(); }

    /// n bytes aligned to `alignment` (any power of two), or an empty region when
    /// the arena cannot grow (fixed buffer full, limit reached, upstream failed).
    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        const auto top = reinterpret_cast<std::uintptr_t>(top_);
        const std::size_t pad = ((top + alignment - 1) & ~(alignment - 1)) - top;
        // end_ is always 16-aligned, so for alignments up to 16 the padded top never
        // passes it, and one compare (which also refuses n == 0) is the whole check.
        if (alignment <= default_alignment && is_valid_alignment(alignment)) [[likely]] {
            std::byte* p = top_ + pad;
            if (n - 1 < static_cast<std::size_t>(end_ - p)) [[likely]] {
                top_ = p + n;
                detail::unpoison(p, n);
                return {p, n};
            }
        } else if (is_valid_alignment(alignment) && pad <= static_cast<std::size_t>(end_ - top_) &&
                   n - 1 < static_cast<std::size_t>(end_ - top_) - pad) {
            std::byte* p = top_ + pad;
            top_ = p + n;
            detail::unpoison(p, n);
            return {p, n};
        }
        return allocate_slow(n, alignment);
    }

    /// Gives back the newest allocation in place; any other block stays used
    /// until a rewind or reset (it is poisoned now, though).
    void deallocate(region r, std::size_t /*alignment*/) noexcept {
        if (r.empty()) return;
        if (r.data() + r.size() == top_) top_ = r.data();
        detail::poison(r.data(), r.size());
    }

    /// Resizes the newest allocation in place when its chunk has room, shrinks any
    /// block in place, and otherwise allocates, copies and frees.
    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept {
        if (!is_valid_alignment(alignment)) return {};
        if (r.empty()) return try_allocate(n, alignment);
        if (n == 0) {
            deallocate(r, alignment);
            return {};
        }
        std::byte* p = r.data();
        if (p + r.size() == top_ && n <= static_cast<std::size_t>(end_ - p)) {
            resize_in_place(r, n);
            top_ = p + n;
            return {p, n};
        }
        if (n <= r.size()) {
            resize_in_place(r, n);
            return {p, n};
        }
        const region moved = try_allocate(n, alignment);
        if (moved.empty()) return {};
        std::memcpy(moved.data(), p, r.size());
        deallocate(r, alignment);
        return moved;
    }

    [[nodiscard]] marker mark() const noexcept {
        return {this, depth_, depth_ == 0 ? 0 : static_cast<std::size_t>(top_ - chunk_begin()),
                generation_};
    }

    /// Gives back everything allocated since `m` was taken. Chunks added since
    /// then are kept for reuse. Throws bad_argument for a marker of another arena,
    /// one taken before a reset, one newer than the top, or one that no longer
    /// fits its chunk.
    void rewind(marker m) {
        (void)check_marker<true>(m);
        rewind_to(m);
    }

    /// Like rewind, but a marker rewind refuses makes it return false (the arena
    /// untouched) instead of throwing; true when it rewound. arena_scope uses it.
    [[nodiscard]] bool try_rewind(marker m) noexcept {
        if (!check_marker<false>(m)) return false;
        rewind_to(m);
        return true;
    }

private:
    /// Whether rewind may go back to m; if not, throws (Throw) or returns false.
    template <bool Throw>
    bool check_marker(marker m) const noexcept(!Throw) {
        const auto refuse = [](auto report) {
            if constexpr (Throw) report();
            return false;
        };
        if (m.owner_ != this)
            return refuse([&] {
                detail::throw_bad_marker(m.chunk_, m.offset_, "the marker belongs to another arena");
            });
        if (m.generation_ != generation_)
            return refuse([&] {
                detail::throw_bad_marker(m.chunk_, m.offset_, "the marker was taken before a reset (marker generation ",
                                         m.generation_, ", arena generation ", generation_, ")");
            });
        const marker top = mark();
        if (m.chunk_ > top.chunk_ || (m.chunk_ == top.chunk_ && m.offset_ > top.offset_))
            return refuse([&] {
                detail::throw_bad_marker(m.chunk_, m.offset_, "the marker is newer than the arena's top (chunk=",
                                         top.chunk_, ", offset=", top.offset_, ")");
            });
        if (m.chunk_ != 0 && fixed_.empty()) {
            detail::arena_chunk* target = used_;
            for (std::size_t d = depth_; d > m.chunk_; --d) target = target->next;
            const auto size = static_cast<std::size_t>(target->end() - target->begin());
            if (m.offset_ > size)
                return refuse([&] {
                    detail::throw_bad_marker(m.chunk_, m.offset_, "the marker is outside its chunk of ", size,
                                             " bytes (a marker from before a rewind or reset?)");
                });
        }
        return true;
    }

    void rewind_to(marker m) noexcept {
        while (depth_ > m.chunk_) retire_chunk();
        if (depth_ == 0) return;
        std::byte* const to = chunk_begin() + m.offset_;
        detail::poison(to, static_cast<std::size_t>(top_ - to));
        top_ = to;
    }

public:
    /// Gives back every allocation. keep_capacity keeps the chunks for reuse;
    /// release returns them to the upstream allocator.
    /// Every marker taken before is refused by rewind from then on.
    void reset(reset_mode mode = reset_mode::keep_capacity) noexcept {
        ++generation_;
        if (!fixed_.empty()) {
            detail::poison(origin_, static_cast<std::size_t>(top_ - origin_));
            start_fixed();
            return;
        }
        if (mode == reset_mode::release) {
            release_chunks();
            next_chunk_ = first_chunk_;
        } else {
            while (depth_ > 0) retire_chunk();
        }
    }

    /// Bytes held from the upstream (chunks in use and kept), or the fixed buffer's size.
    [[nodiscard]] std::size_t capacity() const noexcept {
        return fixed_.empty() ? capacity_ : fixed_.size();
    }
    /// Bytes left in the current chunk before the arena must grow.
    [[nodiscard]] std::size_t remaining() const noexcept {
        return static_cast<std::size_t>(end_ - top_);
    }
    /// Chunks in use (1 for an arena over a fixed buffer, 0 before the first allocation).
    [[nodiscard]] std::size_t chunks() const noexcept { return depth_; }
    /// Whether p points into a chunk in use (walks the chunks: for checks, not hot paths).
    [[nodiscard]] bool owns(const void* p) const noexcept {
        const auto* b = static_cast<const std::byte*>(p);
        if (!fixed_.empty()) return b >= fixed_.data() && b < fixed_.data() + fixed_.size();
        for (detail::arena_chunk* c = used_; c != nullptr; c = c->next)
            if (b >= c->begin() && b < c->end()) return true;
        return false;
    }
    [[nodiscard]] Upstream& upstream() const noexcept { return upstream_.get(); }

private:
    arena(Upstream& upstream, arena_options options, int) noexcept
        : upstream_(upstream),
          first_chunk_(first_chunk_size(options.first_chunk)),
          next_chunk_(first_chunk_),
          limit_(options.limit) {}

    static constexpr std::size_t header = sizeof(detail::arena_chunk);
    static constexpr std::size_t min_chunk = 4 * header;
    static constexpr std::size_t max_chunk = std::numeric_limits<std::size_t>::max() / 4;
    static constexpr std::size_t granule = default_alignment;  // chunk sizes are multiples

    /// The first chunk's size: as asked, within [min_chunk, max_chunk], whole granules.
    static constexpr std::size_t first_chunk_size(std::size_t asked) noexcept {
        return round_up(asked < min_chunk ? min_chunk : asked > max_chunk ? max_chunk : asked);
    }

    static constexpr std::size_t round_up(std::size_t n) noexcept {
        return (n + granule - 1) / granule * granule;
    }
    /// Bump from the fixed buffer's start to its end rounded down to 16 bytes:
    /// the fast path relies on end_ being 16-aligned and top_ <= end_. A buffer
    /// with no 16-byte boundary after its start serves nothing (all null).
    void start_fixed() noexcept {
        const auto begin = reinterpret_cast<std::uintptr_t>(fixed_.data());
        const std::uintptr_t end = (begin + fixed_.size()) & ~std::uintptr_t{granule - 1};
        if (end < begin) {
            origin_ = top_ = end_ = nullptr;
            return;
        }
        origin_ = top_ = fixed_.data();
        end_ = fixed_.data() + (end - begin);
    }

    [[nodiscard]] std::byte* chunk_begin() const noexcept {
        return fixed_.empty() ? used_->begin() : origin_;
    }

    void resize_in_place(region r, std::size_t n) noexcept {
        if (n > r.size())
            detail::unpoison(r.data() + r.size(), n - r.size());
        else
            detail::poison(r.data() + n, r.size() - n);
    }

    [[gnu::noinline]] region allocate_slow(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || !is_valid_alignment(alignment) || !fixed_.empty()) return {};
        // Chunks are default-aligned, so a larger alignment may need this much padding.
        const std::size_t pad = alignment > default_alignment ? alignment - default_alignment : 0;
        if (n > max_chunk) return {};
        const std::size_t need = round_up(header + pad + n);
        for (detail::arena_chunk** link = &spare_; *link != nullptr; link = &(*link)->next) {
            if ((*link)->size >= need) {
                detail::arena_chunk* c = *link;
                *link = c->next;
                use_chunk(c);
                return try_allocate(n, alignment);
            }
        }
        detail::arena_chunk* c = new_chunk(need);
        if (c == nullptr) return {};
        use_chunk(c);
        return try_allocate(n, alignment);
    }

    /// A fresh chunk of at least `need` bytes, within the limit, or null.
    detail::arena_chunk* new_chunk(std::size_t need) noexcept {
        if (need > room()) {
            release_spares();  // make room: spare chunks count against the limit
            if (need > room()) return nullptr;
        }
        const std::size_t wanted = next_chunk_ > need ? next_chunk_ : need;
        const std::size_t size = wanted < room() ? wanted : room();
        region raw = upstream_.get().try_allocate(size, default_alignment);
        if (raw.empty() && size > need) raw = upstream_.get().try_allocate(need, default_alignment);
        if (raw.empty()) return nullptr;
        capacity_ += raw.size();
        if (next_chunk_ <= max_chunk) next_chunk_ *= 2;
        auto* c = ::new (static_cast<void*>(raw.data())) detail::arena_chunk{nullptr, raw.size()};
        detail::poison(c->begin(), raw.size() - header);
        return c;
    }

    /// Bytes that may still be taken from upstream, a multiple of 16.
    [[nodiscard]] std::size_t room() const noexcept {
        if (limit_ == 0) return max_chunk;
        return capacity_ >= limit_ ? 0 : (limit_ - capacity_) / granule * granule;
    }

    void use_chunk(detail::arena_chunk* c) noexcept {
        c->next = used_;
        used_ = c;
        ++depth_;
        top_ = c->begin();
        end_ = c->end();
    }

    /// Moves the chunk in use to the spare list, poisoned.
    void retire_chunk() noexcept {
        detail::arena_chunk* c = used_;
        used_ = c->next;
        --depth_;
        detail::poison(c->begin(), c->size - header);
        c->next = spare_;
        spare_ = c;
        if (used_ != nullptr) {
            end_ = used_->end();
            top_ = end_;  // the part of a chunk never used is left behind
        } else {
            top_ = end_ = nullptr;
        }
    }

    void free_list(detail::arena_chunk*& list) noexcept {
        while (list != nullptr) {
            detail::arena_chunk* c = list;
            list = c->next;
            capacity_ -= c->size;
            detail::unpoison(c, c->size);
            upstream_.get().deallocate(region(reinterpret_cast<std::byte*>(c), c->size),
                                       default_alignment);
        }
    }

    void release_spares() noexcept { free_list(spare_); }

    void release_chunks() noexcept {
        if (!fixed_.empty()) {
            detail::unpoison(fixed_.data(), fixed_.size());  // the caller's again
            return;
        }
        free_list(used_);
        free_list(spare_);
        depth_ = 0;
        top_ = end_ = nullptr;
    }

    std::byte* top_ = nullptr;  // the fast path touches only top_ and end_
    std::byte* end_ = nullptr;
    region fixed_;  // the caller's buffer, or empty for a growing arena
    std::byte* origin_ = nullptr;  // where a fixed arena bumps from (null: it serves nothing)
    std::size_t depth_ = 0;
    std::size_t generation_ = 0;  // resets so far: markers of an older generation are refused
    detail::arena_chunk* used_ = nullptr;   // newest first
    detail::arena_chunk* spare_ = nullptr;  // kept by rewind / reset(keep_capacity)
    [[no_unique_address]] detail::upstream_ref<Upstream> upstream_;
    std::size_t first_chunk_ = 0;
    std::size_t next_chunk_ = 0;
    std::size_t limit_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace memreg
