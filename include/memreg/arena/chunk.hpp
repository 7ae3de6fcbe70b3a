// memreg/arena/chunk.hpp — what an arena is configured with, and the header at
// the start of each chunk it takes from its upstream; the errors rewind throws.
#pragma once

#include <cstddef>
#include <string>

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

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_foreign_marker(std::size_t chunk,
                                                                        std::size_t offset) {
    MEMREG_THROW(bad_argument(message("arena::rewind")
                                  .arg("chunk", chunk)
                                  .arg("offset", offset)
                                  .because("the marker belongs to another arena")));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_future_marker(std::size_t chunk,
                                                                       std::size_t offset,
                                                                       std::size_t top_chunk,
                                                                       std::size_t top_offset) {
    MEMREG_THROW(bad_argument(message("arena::rewind")
                                  .arg("chunk", chunk)
                                  .arg("offset", offset)
                                  .because("the marker is newer than the arena's top (chunk=" +
                                           std::to_string(top_chunk) +
                                           ", offset=" + std::to_string(top_offset) + ")")));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_stale_marker(std::size_t chunk,
                                                                      std::size_t offset,
                                                                      std::size_t chunk_size) {
    MEMREG_THROW(bad_argument(message("arena::rewind")
                                  .arg("chunk", chunk)
                                  .arg("offset", offset)
                                  .because("the marker is outside its chunk of " +
                                           std::to_string(chunk_size) +
                                           " bytes (a marker from before a rewind or reset?)")));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_reset_marker(std::size_t chunk,
                                                                      std::size_t offset,
                                                                      std::size_t marker_generation,
                                                                      std::size_t generation) {
    MEMREG_THROW(bad_argument(message("arena::rewind")
                                  .arg("chunk", chunk)
                                  .arg("offset", offset)
                                  .because("the marker was taken before a reset (marker generation " +
                                           std::to_string(marker_generation) + ", arena generation " +
                                           std::to_string(generation) + ")")));
}

}  // namespace detail

}  // namespace memreg
