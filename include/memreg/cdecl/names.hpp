// memreg/cdecl/names.hpp — what a cdecl registry knows: typedefs, tags, enumerator
// constants and the #pragma pack state. Internal to cdecl.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../layout.hpp"

namespace memreg::cdecl::detail {

/// Everything a registry knows; the parser adds to a copy and the registry adopts
/// the copy only when the whole text parsed (so a failed define changes nothing).
struct names {
    std::map<std::string, layout, std::less<>> typedefs;
    std::map<std::string, layout, std::less<>> structs;
    std::map<std::string, layout, std::less<>> unions;
    std::set<std::string, std::less<>> declared_structs;  // `struct foo;` seen, maybe no body
    std::set<std::string, std::less<>> declared_unions;
    std::set<std::string, std::less<>> enums;
    // typedef struct foo foo_t; before struct foo has a body: resolved at each use.
    std::map<std::string, std::pair<layout_kind, std::string>, std::less<>> opaque_typedefs;
    std::map<std::string, std::int64_t, std::less<>> constants;
    std::size_t pack = 0;  // current #pragma pack; 0 = natural alignment
    std::vector<std::size_t> pack_stack;
};

}  // namespace memreg::cdecl::detail
