// memreg/core.hpp — the umbrella of the core layer (CMake memreg::core): every header
// that needs nothing but a C++20 compiler. Regions and their checked operations, the
// allocators (arena, heap, pool, the std and pmr adapters), layouts and C declarations.
//
// The other layers add a dependency each: memreg/span.hpp, view.hpp and pack.hpp
// (Boost.Endian), describe.hpp (Boost.Describe), stream.hpp (Boost.Iostreams),
// file.hpp and shared.hpp (Boost.Interprocess, threads), lua.hpp (a Lua).
// memreg/memreg.hpp includes them all but lua.hpp.
#pragma once

#include "version.hpp"
#include "error.hpp"
#include "region.hpp"
#include "to_region.hpp"
#include "with_region.hpp"
#include "ops.hpp"
#include "allocator.hpp"
#include "arena.hpp"
#include "current.hpp"
#include "heap.hpp"
#include "pool.hpp"
#include "recording.hpp"
#include "std_adapters.hpp"
#include "synchronized.hpp"
#include "layout.hpp"
#include "cdecl.hpp"
