// memreg/arena.hpp — bump allocation with markers (memory-regions' arenas).
//
// arena<Upstream> hands out memory by moving a pointer: over a caller's region
// (it never grows) or over chunks it gets from Upstream (each chunk twice the
// size of the one before, up to an optional limit). Nothing is freed one by one,
// except that freeing or resizing the newest allocation is done in place;
// mark() / rewind() give back everything allocated since a marker, reset() all.
// arena_scope rewinds when it dies; with_arena() runs a function with a fresh
// arena as the current allocator (current.hpp).
//
// Rewound memory is poisoned (detail/poison.hpp) so a use after rewind is caught.
// An arena is single-threaded; wrap it in synchronized<> to share it.
//
// arena/chunk.hpp: options, reset modes, the chunk header; arena/arena.hpp: the
// class; arena/scope.hpp: arena_scope and with_arena.
#pragma once

#include "arena/arena.hpp"
#include "arena/chunk.hpp"
#include "arena/scope.hpp"
