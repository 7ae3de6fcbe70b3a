// Helpers shared by the allocator tests.
#pragma once

#include <memreg/allocator.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../address_text.hpp"

/// A malloc-backed upstream that counts what it hands out, so tests can see the
/// chunks an allocator takes and gives back.
struct counting_allocator {
    memreg::region try_allocate(std::size_t n, std::size_t alignment) noexcept {
        if (n > budget - bytes) return {};
        const memreg::region r = system.try_allocate(n, alignment);
        if (r.empty()) return r;
        ++live;
        ++allocations;
        bytes += n;
        sizes.push_back(n);
        return r;
    }
    void deallocate(memreg::region r, std::size_t alignment) noexcept {
        --live;
        bytes -= r.size();
        system.deallocate(r, alignment);
    }

    memreg::malloc_allocator system;
    std::size_t budget = SIZE_MAX;  // fail once this many bytes are out
    std::size_t live = 0;
    std::size_t allocations = 0;
    std::size_t bytes = 0;
    std::vector<std::size_t> sizes;  // of every allocation, in order
};

/// The default alignment as messages spell it: alignof(std::max_align_t), 16 on x86-64
/// and i686, 8 on s390x.
inline const std::string default_alignment_text = std::to_string(memreg::default_alignment);

inline bool aligned(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}
