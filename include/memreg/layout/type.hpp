// memreg/layout/type.hpp — `layout`: a C type known at run time (void, a scalar, a
// fixed array, a struct or a union) with the size, alignment and field offsets the
// platform C ABI gives it.
//
// A layout is a cheap handle (one shared pointer) to an immutable description, so
// registries, views and the Lua binding can copy it freely and a nested field's
// layout stays valid as long as any handle to the outer one lives.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "scalar.hpp"

namespace memreg {

enum class layout_kind : std::uint8_t { void_, scalar, array, struct_, union_ };

struct layout_field;
class layout;

/// Where a field (or an array element) lives: its type and its byte offset from the
/// start of the outermost layout that was searched. `type` points into that layout.
/// For a bit-field, `offset` is its storage unit's byte offset and the field is
/// `bit_width` bits starting `bit_offset` bits into the unit, counted in the ABI's
/// filling order (bitfield_abi::lsb_first): from the least significant bit of the
/// unit's first byte up on little-endian machines, from its most significant bit down
/// on big-endian ones (s390x); bit_width is 0 for every other member.
struct layout_member {
    const layout* type;
    std::size_t offset;
    std::uint16_t bit_offset = 0;
    std::uint16_t bit_width = 0;
};

namespace detail {
struct layout_node;
}

class layout {
public:
    using field = layout_field;

    /// Types nest (arrays of arrays, structs in structs) at most this deep, so that no
    /// description costs more than linear memory or recursion to build, compare or free.
    static constexpr std::size_t max_depth = 256;

    /// `void`: size 0, no fields. A field can never have this type.
    layout();

    [[nodiscard]] static layout of_scalar(scalar_kind k);
    /// An address-sized field; `pointee` only names it ("struct node" gives "struct node *").
    [[nodiscard]] static layout pointer_to(std::string_view pointee);
    /// A type memreg lays out but cannot read or write as a value ("long double",
    /// "__int128", "_Complex double", a vector): `size` bytes at `alignment`, seen as
    /// an array of uint8_t under that name (is_opaque() is true).
    [[nodiscard]] static layout opaque(std::string_view name, std::size_t size,
                                       std::size_t alignment);
    /// count elements of `element`, no padding between them (C arrays have none).
    [[nodiscard]] static layout array_of(const layout& element, std::size_t count);
    /// A variable-length array of `element` in LuaJIT's notation, "int[?]": its count
    /// is given per object (size(n), with_count(n)). size() is 0. It can be the
    /// outermost type or a struct's last member (which makes that struct variable too),
    /// never an array element or any other member.
    [[nodiscard]] static layout variable_array_of(const layout& element);

    [[nodiscard]] layout_kind kind() const noexcept;
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] std::size_t alignment() const noexcept;
    /// How deeply the type nests: 1 for void and scalars, 1 + the deepest element or
    /// field type for arrays and records (at most max_depth).
    [[nodiscard]] std::size_t depth() const noexcept;
    /// The C spelling: "int32_t", "double", "struct foo", "uint8_t[16]", "void *".
    [[nodiscard]] const std::string& name() const noexcept;

    [[nodiscard]] bool is_scalar() const noexcept { return kind() == layout_kind::scalar; }
    [[nodiscard]] bool is_array() const noexcept { return kind() == layout_kind::array; }
    [[nodiscard]] bool is_record() const noexcept {
        return kind() == layout_kind::struct_ || kind() == layout_kind::union_;
    }
    /// True for a layout made by opaque(): bytes with a size and an alignment.
    [[nodiscard]] bool is_opaque() const noexcept;
    /// True for a variable-length array ("int[?]") and for a struct whose last member
    /// is one (a variable-length struct): types whose size needs a count.
    [[nodiscard]] bool is_variable() const noexcept;
    /// The size of a variable-length type for n elements, as LuaJIT's ffi.sizeof(ct, n):
    /// n times the element's size for an array, the struct's size() (its fixed part,
    /// padding included) plus that for a struct. Throws bad_argument if the type is not
    /// variable or the size overflows size_t.
    [[nodiscard]] std::size_t size(std::size_t n) const;
    /// The element type of a variable-length array, or of a variable-length struct's
    /// last member; throws bad_argument for other types.
    [[nodiscard]] const layout& variable_element() const;
    /// The fixed type a variable-length one has for n elements: "int[?]" gives
    /// int[n]; a struct gets its last member as an array of n and size(n) as its size
    /// (which need not be a multiple of its alignment, so it is never an array element).
    /// Throws as size(n) does.
    [[nodiscard]] layout with_count(std::size_t n) const;

    /// The scalar kind; throws bad_argument if this is not a scalar.
    [[nodiscard]] scalar_kind scalar() const;
    /// The element type and count of an array; throw bad_argument otherwise.
    [[nodiscard]] const layout& element() const;
    [[nodiscard]] std::size_t count() const;
    /// The fields of a struct or union in declaration order (empty for others). An
    /// anonymous struct or union member has an empty name.
    [[nodiscard]] std::span<const layout_field> fields() const noexcept;

    /// The field called `name`, also found inside anonymous members (as in C11).
    [[nodiscard]] const layout_member* find(std::string_view name,
                                            layout_member& out) const noexcept;
    /// Follows a path such as "hdr.len", "items[3].x" or "[2]" (for an array) and
    /// returns the type and offset it reaches. Throws bad_argument for an unknown
    /// field or a malformed path, out_of_range for an index past the array; the
    /// message starts with `operation`. A path ending at a bit-field is refused
    /// (bad_argument) unless allow_bitfield: its offset alone does not say where it is.
    [[nodiscard]] layout_member resolve(std::string_view path,
                                        const char* operation = "layout::resolve",
                                        bool allow_bitfield = false) const;
    [[nodiscard]] std::size_t offset_of(std::string_view path) const {
        return resolve(path, "layout::offset_of").offset;
    }

    /// The same type under another name (a typedef of an anonymous struct names it).
    [[nodiscard]] layout renamed(std::string name) const;
    /// The same type with alignment n (a power of two dividing its size, or larger),
    /// its size unchanged: what `typedef int aligned_int __attribute__((aligned(16)));`
    /// makes (on a typedef, gcc's aligned may also lower the alignment).
    [[nodiscard]] layout aligned_to(std::size_t n) const;

    /// True if both describe the same memory: kinds, sizes, alignments, offsets,
    /// field names and scalar kinds match. Type names are not compared.
    [[nodiscard]] friend bool equivalent(const layout& a, const layout& b) noexcept {
        return same_shape(a, b);
    }
    /// The same description (not merely an equivalent one).
    [[nodiscard]] bool identical(const layout& other) const noexcept { return node_ == other.node_; }

private:
    friend class layout_builder;
    explicit layout(std::shared_ptr<const detail::layout_node> node) noexcept
        : node_(std::move(node)) {}
    static bool same_shape(const layout& a, const layout& b) noexcept;

    std::shared_ptr<const detail::layout_node> node_;
};

struct layout_field {
    std::string name;  // empty for an anonymous struct or union member, or an unnamed bit-field
    layout type;
    std::size_t offset = 0;
    std::uint16_t bit_offset = 0;  // bit-fields: see layout_member
    std::uint16_t bit_width = 0;   // 0: not a bit-field

    [[nodiscard]] bool is_bitfield() const noexcept { return bit_width != 0; }
};

namespace detail {

struct layout_node {
    layout_kind kind = layout_kind::void_;
    std::size_t size = 0;
    std::size_t alignment = 1;
    std::string name = "void";
    scalar_kind scalar = scalar_kind::int8;
    std::optional<layout> element;     // arrays (optional: void's node must not hold a layout)
    std::size_t count = 0;             // arrays
    std::vector<layout_field> fields;  // structs and unions
    std::size_t depth = 1;             // 1 + the deepest element or field type
    bool opaque = false;               // layout::opaque: uint8_t[size] at its own alignment
    bool variable = false;             // T[?], or a struct whose last member is one
};

inline const std::shared_ptr<const layout_node>& void_node() {
    static const auto node = std::make_shared<const layout_node>();
    return node;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_layout(const char* operation,
                                                                std::string_view type,
                                                                std::string_view reason) {
    MEMREG_THROW(bad_argument(message(operation).arg("type", type).because(reason)));
}

}  // namespace detail

inline layout::layout() : node_(detail::void_node()) {}

inline layout layout::of_scalar(scalar_kind k) {
    auto node = std::make_shared<detail::layout_node>();
    node->kind = layout_kind::scalar;
    node->size = scalar_size(k);
    node->alignment = scalar_alignment(k);
    node->name = std::string(scalar_name(k));
    node->scalar = k;
    return layout(std::move(node));
}

inline layout layout::pointer_to(std::string_view pointee) {
    auto node = std::make_shared<detail::layout_node>();
    node->kind = layout_kind::scalar;
    node->size = scalar_size(scalar_kind::pointer);
    node->alignment = scalar_alignment(scalar_kind::pointer);
    node->name = std::string(pointee).append(pointee.ends_with('*') ? "*" : " *");
    node->scalar = scalar_kind::pointer;
    return layout(std::move(node));
}

inline layout layout::opaque(std::string_view name, std::size_t size, std::size_t alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || size % alignment != 0)
        MEMREG_THROW(bad_argument(detail::message("layout::opaque")
                                      .arg("type", name)
                                      .arg("size", size)
                                      .arg("alignment", alignment)
                                      .because("the alignment must be a power of two dividing the size")));
    layout bytes = array_of(of_scalar(scalar_kind::uint8), size);
    auto node = std::make_shared<detail::layout_node>(*bytes.node_);
    node->alignment = alignment;
    node->name = std::string(name);
    node->opaque = true;
    return layout(std::move(node));
}

inline layout layout::array_of(const layout& element, std::size_t count) {
    if (element.kind() == layout_kind::void_)
        detail::throw_layout("layout::array_of", "void", "an array of void has no size");
    if (element.is_variable())
        MEMREG_THROW(bad_argument(detail::message("layout::array_of")
                                      .arg("type", element.name())
                                      .arg("count", count)
                                      .because("an array element cannot be a variable-length type ('[?]' "
                                               "is only allowed in the outermost dimension)")));
    const std::size_t n = element.size();
    if (n % element.alignment() != 0)
        MEMREG_THROW(bad_argument(detail::message("layout::array_of")
                                      .arg("type", element.name())
                                      .arg("count", count)
                                      .because("the element's alignment " + std::to_string(element.alignment()) +
                                               " is larger than its size " + std::to_string(n))));
    if (n != 0 && count > SIZE_MAX / n)
        MEMREG_THROW(bad_argument(detail::message("layout::array_of")
                                      .arg("type", element.name())
                                      .arg("count", count)
                                      .because("the array's size overflows")));
    if (element.node_->depth >= max_depth)
        MEMREG_THROW(bad_argument(detail::message("layout::array_of")
                                      .arg("type", element.name())
                                      .arg("count", count)
                                      .because("types nest deeper than " + std::to_string(max_depth) +
                                               " levels")));
    auto node = std::make_shared<detail::layout_node>();
    node->depth = element.node_->depth + 1;
    node->kind = layout_kind::array;
    node->size = n * count;
    node->alignment = element.alignment();
    // uint8_t[4][2] is an array of 4 uint8_t[2]: the new count goes before the old.
    const std::string& inner = element.name();
    const std::size_t bracket = element.is_array() ? inner.find('[') : std::string::npos;
    if (bracket == std::string::npos)
        node->name = inner + "[" + std::to_string(count) + "]";
    else
        node->name = inner.substr(0, bracket) + "[" + std::to_string(count) + "]" +
                     inner.substr(bracket);
    node->element = element;
    node->count = count;
    return layout(std::move(node));
}

inline layout layout::variable_array_of(const layout& element) {
    constexpr const char* op = "layout::variable_array_of";
    if (element.kind() == layout_kind::void_)
        detail::throw_layout(op, "void", "an array of void has no size");
    if (element.is_variable())
        detail::throw_layout(op, element.name(),
                             "an array element cannot be a variable-length type ('[?]' is only "
                             "allowed in the outermost dimension)");
    layout fixed = array_of(element, 0);  // the checks of array_of, and its name's shape
    auto node = std::make_shared<detail::layout_node>(*fixed.node_);
    node->variable = true;
    const std::string& inner = element.name();
    const std::size_t bracket = element.is_array() ? inner.find('[') : std::string::npos;
    node->name = bracket == std::string::npos
                     ? inner + "[?]"
                     : inner.substr(0, bracket) + "[?]" + inner.substr(bracket);
    return layout(std::move(node));
}

inline layout_kind layout::kind() const noexcept { return node_->kind; }
inline std::size_t layout::size() const noexcept { return node_->size; }
inline std::size_t layout::alignment() const noexcept { return node_->alignment; }
inline std::size_t layout::depth() const noexcept { return node_->depth; }
inline const std::string& layout::name() const noexcept { return node_->name; }
inline bool layout::is_opaque() const noexcept { return node_->opaque; }
inline bool layout::is_variable() const noexcept { return node_->variable; }

inline const layout& layout::variable_element() const {
    if (!node_->variable)
        detail::throw_layout("layout::variable_element", name(), "not a variable-length type");
    if (node_->kind == layout_kind::array) return *node_->element;
    return node_->fields.back().type.element();
}

inline std::size_t layout::size(std::size_t n) const {
    const layout& element = variable_element();
    const std::size_t fixed = node_->kind == layout_kind::array ? 0 : node_->size;
    const std::size_t each = element.size();
    if (each != 0 && (n > SIZE_MAX / each || n * each > SIZE_MAX - fixed))
        MEMREG_THROW(bad_argument(detail::message("layout::size")
                                      .arg("type", name())
                                      .arg("count", n)
                                      .because("the size " + std::to_string(fixed) + " + " +
                                               std::to_string(n) + " * " + std::to_string(each) +
                                               " overflows size_t (at most " + std::to_string(SIZE_MAX) +
                                               ")")));
    return fixed + n * each;
}

inline layout layout::with_count(std::size_t n) const {
    const std::size_t total = size(n);  // checks the type and the size
    if (node_->kind == layout_kind::array) return array_of(*node_->element, n);
    auto node = std::make_shared<detail::layout_node>(*node_);
    layout_field& tail = node->fields.back();
    tail.type = array_of(tail.type.element(), n);
    node->size = total;
    node->variable = false;
    return layout(std::move(node));
}

inline scalar_kind layout::scalar() const {
    if (!is_scalar()) detail::throw_layout("layout::scalar", name(), "not a scalar");
    return node_->scalar;
}
inline const layout& layout::element() const {
    if (!is_array()) detail::throw_layout("layout::element", name(), "not an array");
    return *node_->element;
}
inline std::size_t layout::count() const {
    if (!is_array()) detail::throw_layout("layout::count", name(), "not an array");
    return node_->count;
}
inline std::span<const layout_field> layout::fields() const noexcept { return node_->fields; }

namespace detail {
/// Field names are short and mostly differ in length or first letter: test those
/// before calling memcmp (struct_view resolves a path on every access).
inline bool same_name(const std::string& a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           (b.empty() || (a[0] == b[0] && a.compare(1, a.npos, b.data() + 1, b.size() - 1) == 0));
}
}  // namespace detail

inline const layout_member* layout::find(std::string_view name, layout_member& out) const noexcept {
    for (const layout_field& f : node_->fields) {
        if (!f.name.empty() && detail::same_name(f.name, name)) {
            out = {&f.type, f.offset, f.bit_offset, f.bit_width};
            return &out;
        }
        if (f.name.empty() && f.type.find(name, out)) {
            out.offset += f.offset;
            return &out;
        }
    }
    return nullptr;
}

inline layout layout::renamed(std::string name) const {
    auto node = std::make_shared<detail::layout_node>(*node_);
    node->name = std::move(name);
    return layout(std::move(node));
}

inline layout layout::aligned_to(std::size_t n) const {
    if (n == 0 || (n & (n - 1)) != 0 || (n < node_->alignment && node_->size % n != 0))
        MEMREG_THROW(bad_argument(detail::message("layout::aligned_to")
                                      .arg("type", name())
                                      .arg("alignment", n)
                                      .because("alignment is not a power of two")));
    auto node = std::make_shared<detail::layout_node>(*node_);
    node->alignment = n;
    return layout(std::move(node));
}

inline bool layout::same_shape(const layout& a, const layout& b) noexcept {
    if (a.node_ == b.node_) return true;
    const auto& x = *a.node_;
    const auto& y = *b.node_;
    if (x.kind != y.kind || x.size != y.size || x.alignment != y.alignment || x.opaque != y.opaque ||
        x.variable != y.variable)
        return false;
    switch (x.kind) {
        case layout_kind::void_: return true;
        case layout_kind::scalar: return x.scalar == y.scalar;
        case layout_kind::array: return x.count == y.count && same_shape(*x.element, *y.element);
        case layout_kind::struct_:
        case layout_kind::union_: break;
    }
    if (x.fields.size() != y.fields.size()) return false;
    for (std::size_t i = 0; i < x.fields.size(); ++i) {
        const auto& f = x.fields[i];
        const auto& g = y.fields[i];
        if (f.name != g.name || f.offset != g.offset || f.bit_offset != g.bit_offset ||
            f.bit_width != g.bit_width || !same_shape(f.type, g.type))
            return false;
    }
    return true;
}

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_path(const char* operation,
                                                              std::string_view path,
                                                              std::string_view reason) {
    MEMREG_THROW(bad_argument(message(operation).arg("path", path).because(reason)));
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_path_index(const char* operation,
                                                                    std::string_view path,
                                                                    std::size_t index,
                                                                    const layout& array) {
    MEMREG_THROW(out_of_range(message(operation)
                                  .arg("path", path)
                                  .because("index " + std::to_string(index) + " outside " +
                                           array.name())));
}

inline constexpr auto identifier_chars = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                             (c >= '0' && c <= '9') || c == '_';
    return table;
}();

constexpr bool is_identifier_char(char c) noexcept {
    return identifier_chars[static_cast<unsigned char>(c)];
}

/// The syntax of a member path, "hdr.len", "items[3].x" or "[2]": a field name
/// (after a '.' unless it comes first) or an index in brackets, step by step. It
/// knows nothing of types: layout::resolve says what each step reaches. A malformed
/// step throws bad_argument naming `operation`, the path and the column.
class path_reader {
public:
    path_reader(std::string_view path, const char* operation) noexcept
        : path_(path), operation_(operation) {}

    [[nodiscard]] bool done() const noexcept { return pos_ >= path_.size(); }
    /// Whether the next step is an index.
    [[nodiscard]] bool at_index() const noexcept { return path_[pos_] == '['; }

    /// "[digits]": the index, or SIZE_MAX if it does not fit in a size_t.
    std::size_t index() {
        std::size_t j = pos_ + 1;
        std::size_t value = 0;
        bool overflow = false;
        while (j < path_.size() && path_[j] >= '0' && path_[j] <= '9') {
            const auto digit = static_cast<std::size_t>(path_[j] - '0');
            if (value > (SIZE_MAX - digit) / 10) overflow = true;
            value = value * 10 + digit;
            ++j;
        }
        if (j == pos_ + 1 || j >= path_.size() || path_[j] != ']')
            fail("expected an index and ']' at column " + std::to_string(pos_ + 2));
        pos_ = j + 1;
        return overflow ? SIZE_MAX : value;
    }

    /// ".name", or "name" as the first step.
    std::string_view field_name() {
        if (pos_ != 0) {
            if (path_[pos_] != '.') fail("expected '.' or '[' at column " + std::to_string(pos_ + 1));
            ++pos_;
        }
        std::size_t j = pos_;
        while (j < path_.size() && is_identifier_char(path_[j])) ++j;
        if (j == pos_) fail("expected a field name at column " + std::to_string(pos_ + 1));
        const std::string_view name = path_.substr(pos_, j - pos_);
        pos_ = j;
        return name;
    }

    [[noreturn]] void fail(std::string_view reason) const { throw_path(operation_, path_, reason); }

private:
    std::string_view path_;
    const char* operation_;
    std::size_t pos_ = 0;
};

}  // namespace detail

inline layout_member layout::resolve(std::string_view path, const char* operation,
                                     bool allow_bitfield) const {
    layout_member at{this, 0};
    detail::path_reader steps(path, operation);
    while (!steps.done()) {
        if (steps.at_index()) {
            const layout& array = *at.type;
            if (!array.is_array()) steps.fail(array.name() + " is not an array");
            const std::size_t index = steps.index();
            if (index >= array.count()) detail::throw_path_index(operation, path, index, array);
            at = {&array.element(), at.offset + index * array.element().size()};
            continue;
        }
        const std::string_view name = steps.field_name();
        const layout& record = *at.type;
        if (!record.is_record()) steps.fail(record.name() + " has no fields");
        layout_member found{};
        if (!record.find(name, found)) steps.fail(record.name() + " has no field '" + std::string(name) + "'");
        at = {found.type, at.offset + found.offset, found.bit_offset, found.bit_width};
        if (at.bit_width != 0 && !allow_bitfield)
            steps.fail("'" + std::string(name) + "' is a bit-field (" + std::to_string(at.bit_width) +
                       " bits at bit " + std::to_string(at.bit_offset) + " of byte " +
                       std::to_string(at.offset) + "): read it with read_bitfield or write_bitfield");
    }
    return at;
}

}  // namespace memreg
