// memreg/memreg.hpp — the umbrella: every memreg header but the optional Lua binding.
// A user of regions and allocators alone includes memreg/core.hpp instead (no Boost).
#pragma once

#include "core.hpp"
#include "span.hpp"
#include "view.hpp"
#include "pack.hpp"
#include "describe.hpp"
#include "stream.hpp"
#include "file.hpp"
#include "shared.hpp"
