// memreg/recording.hpp — an allocator for tests: it logs every call and flags misuse.
//
// recording_allocator<Upstream> forwards to Upstream and remembers every block
// it handed out. A free of a block it does not know (freed twice, or another
// allocator's), or with a size or alignment other than the block's, is recorded
// as a problem and not passed on, so the test survives to report it: check()
// throws memreg::corruption listing the problems, check_no_leaks() throws when
// blocks are still live. fail_after(n) makes allocations fail after n more, to
// drive out-of-memory paths. Bookkeeping allocates: a failure there terminates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "allocator.hpp"
#include "error.hpp"
#include "region.hpp"

namespace memreg {

/// One call the recording allocator saw.
struct allocation_event {
    enum class kind { allocate, deallocate, reallocate };
    kind what;
    std::size_t size;        ///< asked for (allocate, reallocate) or given back (deallocate)
    std::size_t alignment;
    const std::byte* block;  ///< the block given in (deallocate, reallocate), else null
    const std::byte* result; ///< the block handed out (null on failure or deallocate)
};

template <allocator Upstream = malloc_allocator>
class recording_allocator {
public:
    recording_allocator() noexcept
        requires detail::store_by_value<Upstream>
    = default;
    explicit recording_allocator(Upstream& upstream) noexcept : upstream_(upstream) {}

    recording_allocator(const recording_allocator&) = delete;  // it is the record
    recording_allocator& operator=(const recording_allocator&) = delete;

    [[nodiscard]] region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        const region r = refuse() ? region() : upstream_.get().try_allocate(n, alignment);
        events_.push_back({allocation_event::kind::allocate, n, alignment, nullptr, r.data()});
        if (!r.empty()) live_[r.data()] = {n, alignment};
        return r;
    }

    void deallocate(region r, std::size_t alignment) noexcept {
        events_.push_back({allocation_event::kind::deallocate, r.size(), alignment, r.data(), nullptr});
        if (r.empty()) return;
        const auto block = live_.find(r.data());
        if (check_block(block, "deallocate", r, alignment) == verdict::unknown) return;
        // A mismatched free is reported and still frees the block as it was allocated.
        upstream_.get().deallocate(region(r.data(), block->second.size), block->second.alignment);
        live_.erase(block);
    }

    [[nodiscard]] region try_reallocate(region r, std::size_t n, std::size_t alignment) noexcept {
        if (r.empty()) return try_allocate(n, alignment);
        const auto block = live_.find(r.data());
        if (check_block(block, "reallocate", r, alignment) != verdict::ok || (n != 0 && refuse())) {
            events_.push_back({allocation_event::kind::reallocate, n, alignment, r.data(), nullptr});
            return {};
        }
        const region moved = memreg::try_reallocate(upstream_.get(), r, n, alignment);
        events_.push_back({allocation_event::kind::reallocate, n, alignment, r.data(), moved.data()});
        if (n == 0 || !moved.empty()) live_.erase(block);
        if (!moved.empty()) live_[moved.data()] = {n, alignment};
        return moved;
    }

    /// Allocations succeed n more times, then fail until never_fail().
    void fail_after(std::size_t n) noexcept { budget_ = n; }
    void never_fail() noexcept { budget_ = std::numeric_limits<std::size_t>::max(); }

    [[nodiscard]] const std::vector<allocation_event>& events() const noexcept { return events_; }
    [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }
    [[nodiscard]] std::size_t live_blocks() const noexcept { return live_.size(); }
    [[nodiscard]] std::size_t live_bytes() const noexcept {
        std::size_t bytes = 0;
        for (const auto& [at, block] : live_) bytes += block.size;
        return bytes;
    }
    /// Forgets the events (not the live blocks or problems).
    void clear_events() noexcept { events_.clear(); }

    /// Throws corruption naming every problem seen (one per line).
    void check() const {
        if (problems_.empty()) return;
        std::string all;
        for (const std::string& p : problems_) all += (all.empty() ? "" : "\n") + p;
        MEMREG_THROW(corruption(all));
    }

    /// Throws corruption when blocks were allocated and never freed.
    void check_no_leaks() const {
        if (live_.empty()) return;
        MEMREG_THROW(corruption(detail::message("recording_allocator::check_no_leaks")
                                    .arg("blocks", live_.size())
                                    .arg("bytes", live_bytes())
                                    .because("blocks were never freed")));
    }

    [[nodiscard]] Upstream& upstream() const noexcept { return upstream_.get(); }

private:
    struct block_info {
        std::size_t size;
        std::size_t alignment;
    };
    using live_map = std::map<const std::byte*, block_info>;

    bool refuse() noexcept {
        if (budget_ == 0) return true;
        if (budget_ != std::numeric_limits<std::size_t>::max()) --budget_;
        return false;
    }

    enum class verdict { unknown, mismatched, ok };

    /// Whether r is a live block given back as it was allocated; records a problem if not.
    verdict check_block(typename live_map::iterator block, const char* operation, region r,
                        std::size_t alignment) {
        auto problem = [&](const std::string& reason) {
            problems_.emplace_back(detail::message(operation)
                                       .arg("size", r.size())
                                       .arg("alignment", alignment)
                                       .arg("address", static_cast<const void*>(r.data()))
                                       .because(reason)
                                       .c_str());
        };
        if (block == live_.end()) {
            problem("block not allocated here, or freed already");
            return verdict::unknown;
        }
        verdict result = verdict::ok;
        if (block->second.size != r.size()) {
            problem("block was allocated with size " + std::to_string(block->second.size));
            result = verdict::mismatched;
        }
        if (block->second.alignment != alignment) {
            problem("block was allocated with alignment " + std::to_string(block->second.alignment));
            result = verdict::mismatched;
        }
        return result;
    }

    [[no_unique_address]] detail::upstream_ref<Upstream> upstream_;
    live_map live_;
    std::vector<allocation_event> events_;
    std::vector<std::string> problems_;
    std::size_t budget_ = std::numeric_limits<std::size_t>::max();
};

}  // namespace memreg
