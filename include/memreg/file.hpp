// memreg/file.hpp — files mapped into memory as regions.
//
// mapped_file::open(path, access) / create(path, size): read_only, read_write
// (writes reach the file) and copy_on_write (they never do); resize, flush,
// advise, and mapping part of a file at an offset. Errors are file_error with the
// path, the operation and the system's reason. See docs/files.md.
#pragma once

#include "file/access.hpp"
#include "file/mapped_file.hpp"
