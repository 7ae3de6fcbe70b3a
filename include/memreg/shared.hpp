// memreg/shared.hpp — memory shared between processes.
//
// shared_region: a named shared-memory object mapped as a region (create, open,
// open_or_create, remove, shared_remover). segment_allocator: a memreg allocator
// inside a Boost.Interprocess managed_shared_memory or managed_mapped_file, so
// memreg arenas and containers can live in shared memory or in a file; blocks are
// found again across processes through segment_handle offsets. See docs/files.md.
#pragma once

#include "detail/exceptions_only.hpp"  // needs exceptions

#include <boost/interprocess/managed_mapped_file.hpp>
#include <boost/interprocess/managed_shared_memory.hpp>

#include "file/access.hpp"
#include "file/segment_allocator.hpp"
#include "file/shared_region.hpp"
