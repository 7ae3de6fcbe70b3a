// memreg/detail/exceptions_only.hpp — included by the headers that need C++
// exceptions: files and shared memory (Boost.Interprocess reports every failure by
// throwing) and the Lua binding (it turns exceptions into Lua errors). Compiled
// with -fno-exceptions they stop here, with a reason, rather than deep in Boost.
// memreg::core, span, view, pack, describe and stream work without exceptions
// (README "Without exceptions").
#pragma once

#include "../error.hpp"

#if !MEMREG_EXCEPTIONS
#error "memreg: the files, shared-memory and Lua binding headers need C++ exceptions (Boost.Interprocess throws; the Lua binding turns exceptions into Lua errors); without exceptions use memreg/core.hpp, span.hpp, view.hpp, pack.hpp, describe.hpp, stream.hpp"
#endif
