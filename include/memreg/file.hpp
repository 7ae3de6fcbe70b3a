// memreg/file.hpp — files mapped into memory as regions.
//
// read_only_file / read_write_file / copy_on_write_file ::open(path [, offset,
// length]), read_write_file::create(path, size): the access mode is in the type,
// so a read-only mapping has no mutable region (writing to it does not compile).
// read_write stores reach the file, copy_on_write ones never do; resize, flush,
// advise. Errors are file_error with the path, the operation and the system's
// reason. mapped_file (the mode chosen at run time) is deprecated. See docs/files.md.
#pragma once

#include "detail/exceptions_only.hpp"  // needs exceptions

#include "file/access.hpp"
#include "file/mapped_file.hpp"
