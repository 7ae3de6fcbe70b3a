// memreg/detail/first_fault.hpp — the first bad free an allocator was given.
//
// deallocate is noexcept, so pool and heap cannot throw for a block that is not
// theirs, is freed twice or comes with the wrong size: they leave it alone, note
// the first such fault here (it explains the ones after it), and validate()
// reports it as corruption naming the block.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../error.hpp"
#include "../region.hpp"

namespace memreg::detail {

class first_fault {
public:
    /// Keeps `reason` (a string literal) for block r, unless a fault was noted before.
    void note(region r, const char* reason) noexcept {
        if (reason_ != nullptr) return;
        reason_ = reason;
        size_ = r.size();
        address_ = reinterpret_cast<std::uintptr_t>(r.data());
    }

    /// Throws corruption naming `operation`, the block's size and address and the
    /// reason, if a fault was noted; else does nothing.
    void report(const char* operation) const {
        if (reason_ != nullptr)
            MEMREG_THROW(corruption(message(operation)
                                        .arg("size", size_)
                                        .arg("address", reinterpret_cast<const void*>(address_))
                                        .because(reason_)));
    }

private:
    const char* reason_ = nullptr;
    std::size_t size_ = 0;
    std::uintptr_t address_ = 0;
};

}  // namespace memreg::detail
