// memreg/version.hpp — the library's version, the one place it is written.
//
// CMake reads these lines (project(VERSION)), the Lua module reports them in
// memreg.version, and the rockspec and memreg.pc are generated from them.
#pragma once

#define MEMREG_VERSION_MAJOR 0
#define MEMREG_VERSION_MINOR 1
#define MEMREG_VERSION_PATCH 0

/// major * 10000 + minor * 100 + patch, for `#if MEMREG_VERSION >= 100`.
#define MEMREG_VERSION \
    (MEMREG_VERSION_MAJOR * 10000 + MEMREG_VERSION_MINOR * 100 + MEMREG_VERSION_PATCH)

#define MEMREG_VERSION_STRING_(major, minor, patch) #major "." #minor "." #patch
#define MEMREG_VERSION_STRING_EXPAND_(major, minor, patch) \
    MEMREG_VERSION_STRING_(major, minor, patch)
/// "0.1.0"
#define MEMREG_VERSION_STRING                                           \
    MEMREG_VERSION_STRING_EXPAND_(MEMREG_VERSION_MAJOR, MEMREG_VERSION_MINOR, \
                                  MEMREG_VERSION_PATCH)
