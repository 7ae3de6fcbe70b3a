// memreg/arena/chunk.hpp — what an arena is configured with, and the header at
// the start of each chunk it takes from its upstream; the errors rewind throws.
#pragma once

#include <cstddef>

#include "../allocator.hpp"
#include "../error.hpp"

namespace memreg {

/// What reset() does with the chunks an arena got from its upstream.
enum class reset_mode {
    keep_capacity,  ///< keep every chunk for the allocations that follow
    release,        ///< give every chunk back to the upstream allocator
};

struct arena_options {
    /// Bytes of the first chunk asked from the upstream (a 16-byte header included).
    std::size_t first_chunk = 4096;
    /// Most bytes the arena holds from its upstream at once; 0 means no limit.
    std::size_t limit = 0;
};

namespace detail {

/// The header at the start of every chunk an arena gets from its upstream.
struct alignas(default_alignment) arena_chunk {
    arena_chunk* next;  // the chunk below (in use) or the next spare one
    std::size_t size;   // of the whole chunk, header included
    [[nodiscard]] std::byte* begin() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    [[nodiscard]] std::byte* end() noexcept { return reinterpret_cast<std::byte*>(this) + size; }
};

/// Refuses a marker rewind() cannot take: "arena::rewind(chunk=1, offset=16): "
/// and the reason, built from parts (text and numbers).
template <class... Reason>
[[noreturn, gnu::cold, gnu::noinline]] void throw_bad_marker(std::size_t chunk,
                                                             std::size_t offset,
                                                             const Reason&... reason) {
    MEMREG_THROW(
        bad_argument(message("arena::rewind").arg("chunk", chunk).arg("offset", offset).because(reason...)));
}

}  // namespace detail

}  // namespace memreg
