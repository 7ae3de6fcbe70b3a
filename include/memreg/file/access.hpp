// memreg/file/access.hpp — how a file or shared-memory object is mapped.
#pragma once

#include <string_view>

namespace memreg {

/// read_only: the region is a const_region. read_write: writes reach the file (or
/// the shared-memory object) and every process that maps it. copy_on_write: the
/// region is writable, but writes stay private to this mapping and never reach
/// the file.
enum class access { read_only, read_write, copy_on_write };

[[nodiscard]] constexpr std::string_view to_string(access mode) noexcept {
    switch (mode) {
        case access::read_only: return "read_only";
        case access::read_write: return "read_write";
        case access::copy_on_write: return "copy_on_write";
    }
    return "unknown";
}

}  // namespace memreg
