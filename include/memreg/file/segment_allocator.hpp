// memreg/file/segment_allocator.hpp — a memreg allocator inside a Boost.Interprocess
// managed segment (managed_shared_memory, managed_mapped_file, ...).
//
// The allocator object lives in one process and holds that process's pointer to
// the segment; the memory it hands out lives in the segment, where every process
// that opens the segment can reach it. A segment may be mapped at a different
// address in each process, so what is stored inside the segment to find memory
// again is a segment_handle (an offset), never a pointer.
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include <boost/interprocess/containers/allocation_type.hpp>

#include "../allocator.hpp"
#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

/// Where a block lies in a segment, the same in every process that maps it.
/// Trivially copyable: store it inside the segment (or a file) to link blocks.
struct segment_handle {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    friend bool operator==(const segment_handle&, const segment_handle&) = default;
};

/// SegmentManager is Boost's segment_manager of the segment (deduced from the
/// segment: `memreg::segment_allocator a(segment);`).
template <class SegmentManager>
class segment_allocator {
public:
    using segment_manager = SegmentManager;

    /// Blocks of at most this alignment come from the plain allocate; larger ones
    /// from allocate_aligned.
    static constexpr std::size_t natural_alignment = SegmentManager::memory_algorithm::Alignment;

    explicit segment_allocator(SegmentManager* manager) noexcept : manager_(manager) {}

    template <class Segment>
        requires requires(Segment& s) {
            { s.get_segment_manager() } -> std::same_as<SegmentManager*>;
        }
    explicit segment_allocator(Segment& segment) noexcept : segment_allocator(segment.get_segment_manager()) {}

    /// n bytes inside the segment, or an empty region when it is full (or n == 0,
    /// or the alignment is not a power of two).
    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n == 0 || !is_valid_alignment(alignment)) return {};
        try {
            void* p = alignment <= natural_alignment ? manager_->allocate(n, std::nothrow)
                                                     : manager_->allocate_aligned(n, alignment, std::nothrow);
            return p ? region(static_cast<std::byte*>(p), n) : region();
        } catch (...) {  // the segment's lock could not be taken
            return {};
        }
    }

    void deallocate(region r, std::size_t /*alignment*/) noexcept {
        MEMREG_ASSERT(r.empty() || segment().contains(r));  // a block of another segment
        try {
            if (!r.empty()) manager_->deallocate(r.data());
        } catch (...) {  // the segment's lock could not be taken: the block leaks
        }
    }

    /// r resized to n bytes, contents kept up to the smaller size: in place when the
    /// segment has room after r (or when shrinking), else moved. An empty region
    /// when the segment is full (r is then untouched); n == 0 frees r.
    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept {
        namespace bip = boost::interprocess;
        if (!is_valid_alignment(alignment)) return {};
        if (r.empty()) return try_allocate(n, alignment);
        if (n == 0) {
            deallocate(r, alignment);
            return {};
        }
        try {
            void* same = r.data();
            typename SegmentManager::size_type received = n;
            if (n <= r.size()) {
                // Give the tail back where the segment can split the block; the block
                // is big enough either way.
                (void)manager_->raw_allocation_command(bip::shrink_in_place | bip::nothrow_allocation,
                                                       r.size(), received, same);
                return {r.data(), n};
            }
            if (manager_->raw_allocation_command(bip::expand_fwd | bip::nothrow_allocation, n, received, same) ==
                r.data())
                return {r.data(), n};
        } catch (...) {  // the segment's lock could not be taken
            return {};
        }
        const region moved = try_allocate(n, alignment);
        if (moved.empty()) return {};
        std::memcpy(moved.data(), r.data(), r.size());
        deallocate(r, alignment);
        return moved;
    }

    /// The handle of r, which must lie inside the segment (out_of_range if not).
    [[nodiscard]] segment_handle handle(const_region r) const {
        if (!segment().contains(r))
            MEMREG_THROW(out_of_range(detail::message("segment_allocator::handle")
                                          .arg("size", r.size())
                                          .because("the region is not inside the segment of size " +
                                                   std::to_string(segment().size()))));
        return {static_cast<std::uint64_t>(r.data() - segment().data()), r.size()};
    }

    /// The region a handle names, in this process (out_of_range if it does not lie
    /// inside the segment, e.g. a handle from another segment or a corrupt one).
    [[nodiscard]] region at(segment_handle h) const {
        const region all = segment();
        if (h.offset > all.size() || h.size > all.size() - h.offset)
            MEMREG_THROW(out_of_range(detail::message("segment_allocator::at")
                                          .arg("offset", static_cast<std::size_t>(h.offset))
                                          .arg("size", static_cast<std::size_t>(h.size))
                                          .because("outside the segment of size " + std::to_string(all.size()))));
        return all.subregion(static_cast<std::size_t>(h.offset), static_cast<std::size_t>(h.size));
    }

    /// All of the segment's managed bytes (its bookkeeping included).
    [[nodiscard]] region segment() const noexcept {
        return {reinterpret_cast<std::byte*>(manager_), manager_->get_size()};
    }
    [[nodiscard]] std::size_t free_memory() const noexcept { return manager_->get_free_memory(); }
    [[nodiscard]] SegmentManager* get_segment_manager() const noexcept { return manager_; }

    friend bool operator==(const segment_allocator& a, const segment_allocator& b) noexcept {
        return a.manager_ == b.manager_;
    }

private:
    SegmentManager* manager_;
};

template <class Segment>
segment_allocator(Segment&) -> segment_allocator<typename Segment::segment_manager>;

}  // namespace memreg
