// memreg/cdecl/names.hpp — what a cdecl registry knows: typedefs, tags, enumerator
// constants, and the scope one define() works in. Internal to cdecl.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../layout.hpp"

namespace memreg::cdecl::detail {

template <class T>
using name_map = std::map<std::string, T, std::less<>>;
using name_set = std::set<std::string, std::less<>>;

/// One layer of names: the registry's committed ones, or those one define() staged.
struct name_table {
    name_map<layout> typedefs;
    name_map<layout> structs;
    name_map<layout> unions;
    name_set declared_structs;  // `struct foo;` seen, maybe no body
    name_set declared_unions;
    name_set enums;
    name_map<layout> enum_types;  // the type each enum tag with a body got
    // typedef struct foo foo_t; before struct foo has a body: resolved at each use.
    name_map<std::pair<layout_kind, std::string>> opaque_typedefs;
    name_map<std::int64_t> constants;
    // typedef void fn_t(int);: a function type, usable through a pointer.
    // The C spelling around a declarator's name: ("void ", "(int)").
    name_map<std::pair<std::string, std::string>> function_typedefs;
    // Function prototypes and extern (or static) objects: name -> C type spelling,
    // "int (const char *, ...)", "char *[2]". Recorded, not laid out.
    name_map<std::string> functions;
    name_map<std::string> variables;
    // Enum types (the very layouts enumeration() made) with no negative enumerator:
    // gcc takes their bit-fields as unsigned. Scanned only for enum bit-fields.
    std::vector<layout> unsigned_enums;

    /// Moves every entry of `staged` in: O(staged · log size), nothing is copied.
    void merge(name_table&& staged) {
        typedefs.merge(staged.typedefs);
        structs.merge(staged.structs);
        unions.merge(staged.unions);
        declared_structs.merge(staged.declared_structs);
        declared_unions.merge(staged.declared_unions);
        enums.merge(staged.enums);
        enum_types.merge(staged.enum_types);
        opaque_typedefs.merge(staged.opaque_typedefs);
        constants.merge(staged.constants);
        function_typedefs.merge(staged.function_typedefs);
        functions.merge(staged.functions);
        variables.merge(staged.variables);
        unsigned_enums.insert(unsigned_enums.end(), std::make_move_iterator(staged.unsigned_enums.begin()),
                              std::make_move_iterator(staged.unsigned_enums.end()));
    }
};

/// What one define() sees: the committed names read-only, and its own additions in a
/// staged layer on top, which the registry merges in only when the whole text parsed.
/// So a failed define changes nothing and a define costs what it adds, not what the
/// registry already holds.
class scope {
public:
    explicit scope(const name_table& committed) noexcept : committed_(&committed) {}

    /// The entry called name in the staged layer or the committed one, or nullptr.
    template <class T>
    [[nodiscard]] const T* find(name_map<T> name_table::*table, std::string_view name) const {
        if (const auto s = (staged.*table).find(name); s != (staged.*table).end()) return &s->second;
        if (const auto c = (committed_->*table).find(name); c != (committed_->*table).end())
            return &c->second;
        return nullptr;
    }
    [[nodiscard]] bool contains(name_set name_table::*table, std::string_view name) const {
        return (staged.*table).contains(name) || (committed_->*table).contains(name);
    }
    template <class T>
    [[nodiscard]] bool contains(name_map<T> name_table::*table, std::string_view name) const {
        return find(table, name) != nullptr;
    }

    /// Whether t is an enum type without negative enumerators (see unsigned_enums).
    [[nodiscard]] bool is_unsigned_enum(const layout& t) const noexcept {
        const auto in = [&t](const std::vector<layout>& list) {
            return std::any_of(list.begin(), list.end(), [&t](const layout& e) { return e.identical(t); });
        };
        return in(staged.unsigned_enums) || in(committed_->unsigned_enums);
    }

    name_table staged;
    std::size_t pack = 0;  // current #pragma pack; 0 = natural alignment
    std::vector<std::size_t> pack_stack;

private:
    const name_table* committed_;
};

}  // namespace memreg::cdecl::detail
