// memreg/detail/poison.hpp — marking memory that must not be touched.
//
// Arenas, pools and heaps poison what was rewound or freed so that a use after
// rewind / after free is reported instead of silently reading stale bytes:
//   - under AddressSanitizer, with its manual poisoning (the next access reports
//     "use-after-poison" with a stack trace);
//   - in other debug builds (NDEBUG not defined), by filling with poison_byte, so
//     a stale read sees 0xDD... rather than plausible old data;
//   - in release builds, not at all: poison() and unpoison() compile to nothing.
#pragma once

#include <cstddef>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define MEMREG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMREG_ASAN 1
#endif
#endif

#if defined(MEMREG_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace memreg::detail {

enum class poison_kind { none, fill, asan };

#if defined(MEMREG_ASAN)
inline constexpr poison_kind poison_mode = poison_kind::asan;
#elif !defined(NDEBUG)
inline constexpr poison_kind poison_mode = poison_kind::fill;
#else
inline constexpr poison_kind poison_mode = poison_kind::none;
#endif

/// What debug builds without ASan write over rewound and freed memory.
inline constexpr unsigned char poison_byte = 0xDD;

/// Marks [p, p + n) as not to be used.
inline void poison(void* p, std::size_t n) noexcept {
#if defined(MEMREG_ASAN)
    ASAN_POISON_MEMORY_REGION(p, n);
#elif !defined(NDEBUG)
    if (n != 0) std::memset(p, poison_byte, n);
#else
    (void)p;
    (void)n;
#endif
}

/// Makes [p, p + n) usable again (before handing it out or giving it back upstream).
inline void unpoison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(MEMREG_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
}

/// Reads the pointer an allocator keeps inside a free (and so poisoned) block.
/// Free-list walks in validate() use it; allocation unpoisons the block first.
#if defined(MEMREG_ASAN)
__attribute__((no_sanitize("address")))
#endif
inline void* read_link(const void* p) noexcept {
    return *static_cast<void* const*>(p);
}

}  // namespace memreg::detail
