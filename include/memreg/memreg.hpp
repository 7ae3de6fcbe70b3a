// memreg/memreg.hpp — the umbrella: every memreg header but the optional Lua binding.
#pragma once

#include "error.hpp"
#include "region.hpp"
#include "ops.hpp"
#include "allocator.hpp"
#include "arena.hpp"
#include "current.hpp"
#include "heap.hpp"
#include "pool.hpp"
#include "recording.hpp"
#include "std_adapters.hpp"
#include "synchronized.hpp"
#include "file.hpp"
#include "shared.hpp"
