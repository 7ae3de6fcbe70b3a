// memreg/layout/builder.hpp — builds a struct or union layout from a field list
// with the platform C ABI's rules (System V and the other ABIs gcc and clang follow):
// each field goes at the next offset that is a multiple of its alignment, the
// record's alignment is its largest field's, and its size is rounded up to that.
// `pack(n)` caps every field's alignment at n, as `#pragma pack(n)` does, and
// `packed` fields or pack(1) give __attribute__((packed)).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../allocator.hpp"
#include "../error.hpp"
#include "type.hpp"

namespace memreg {

/// What a field's declaration says beyond its type.
struct field_options {
    std::size_t aligned = 0;  // __attribute__((aligned(n))): at least this alignment
    bool packed = false;      // __attribute__((packed)) on the field: alignment 1
};

/// The ABI rules for laying out bit-fields, as data: another ABI is another table.
/// Storage follows the classic PCC rules every System V ABI uses: a bit-field goes
/// at the next free bit unless that would make it cross a boundary of its declared
/// type's size (then it starts at the next multiple of the type's alignment); a
/// zero-width bit-field moves the next field to such a boundary. Packed bit-fields
/// and bit-fields under `#pragma pack(n)` go at the next free bit.
struct bitfield_abi {
    /// Bit-fields fill a storage unit from its least significant bit (little-endian
    /// ABIs); false: from the most significant bit (s390x, big-endian POWER). Either
    /// way a field's bit_offset is its first bit's position counted from the unit's
    /// first byte in filling order: from bit 0 (the least significant) of byte 0 up,
    /// or from bit 7 (the most significant) of byte 0 down. read_bitfield and
    /// write_bitfield number bits as this machine's ABI does (native_bitfields).
    bool lsb_first = true;
    /// Whether an unnamed bit-field's type raises the record's alignment (System V
    /// x86-64 and i386: no; AAPCS64: no; some embedded ABIs: yes).
    bool unnamed_aligns_record = false;
    /// Whether a zero-width bit-field's type raises the record's alignment (x86-64:
    /// no; AAPCS64 and 32-bit ARM: yes).
    bool zero_width_aligns_record = false;
    /// Whether a named bit-field raises the record's alignment to its type's (all
    /// PCC_BITFIELD_TYPE_MATTERS ABIs: yes).
    bool type_aligns_record = true;
};

/// System V x86-64 (also what gcc and clang do on Linux i386 with its alignments).
inline constexpr bitfield_abi sysv_x86_64_bitfields{};
/// s390x (and big-endian System V ABIs such as POWER's): the same placement, filled
/// from the most significant bit.
inline constexpr bitfield_abi big_endian_bitfields{.lsb_first = false};
/// The rules this platform's C compiler follows (verified against gcc on x86-64, i686
/// and s390x by c_compiler_test and cdecl_glibc_test).
inline constexpr bitfield_abi native_bitfields =
    std::endian::native == std::endian::big ? big_endian_bitfields : sysv_x86_64_bitfields;

class layout_builder {
public:
    /// kind is layout_kind::struct_ or layout_kind::union_; name is the C spelling
    /// ("struct foo"), empty for an anonymous one.
    explicit layout_builder(layout_kind kind, std::string name = {})
        : kind_(kind), name_(std::move(name)) {
        if (kind != layout_kind::struct_ && kind != layout_kind::union_)
            MEMREG_THROW(bad_argument(detail::message("layout_builder")
                                          .arg("name", name_)
                                          .because("only a struct or a union is built from fields")));
        if (name_.empty())
            name_ = kind == layout_kind::struct_ ? "struct <anonymous>" : "union <anonymous>";
    }

    /// Caps each field's alignment at n (a power of two), like `#pragma pack(n)`.
    layout_builder& pack(std::size_t n) {
        check_power("layout_builder::pack", n);
        pack_ = n;
        return *this;
    }
    /// Raises the record's alignment to at least n, like __attribute__((aligned(n))).
    layout_builder& align(std::size_t n) {
        check_power("layout_builder::align", n);
        align_ = std::max(align_, n);
        return *this;
    }

    /// Appends a field. An empty name is allowed only for a struct or union type (an
    /// anonymous member, whose fields are then reached by their own names). A
    /// variable-length array (layout::variable_array_of) may be a struct's last field,
    /// which makes the struct variable-length (layout::is_variable); nothing may follow it.
    layout_builder& add(std::string name, layout type, field_options options = {}) {
        return add_field(std::move(name), std::move(type), options, 0, false);
    }

    /// Appends a bit-field of `width` bits of an integer, char, bool or enum type
    /// (`unsigned flags : 3`). An empty name is an unnamed bit-field (padding only);
    /// width 0 (unnamed only) ends the current storage unit.
    layout_builder& add_bitfield(std::string name, layout type, std::size_t width,
                                 field_options options = {}) {
        if (!type.is_scalar() || type.scalar() == scalar_kind::pointer ||
            type.scalar() == scalar_kind::float32 || type.scalar() == scalar_kind::float64)
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add_bitfield")
                                          .arg("name", name)
                                          .arg("type", type.name())
                                          .because("a bit-field must have an integer, char, bool or enum type")));
        const std::size_t bits = type.size() * 8;
        if (width > (type.scalar() == scalar_kind::boolean ? 1 : bits))
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add_bitfield")
                                          .arg("name", name)
                                          .arg("type", type.name())
                                          .arg("width", width)
                                          .because("the width exceeds the type's " +
                                                   std::to_string(type.scalar() == scalar_kind::boolean
                                                                      ? 1
                                                                      : bits) +
                                                   " bits")));
        if (width == 0 && !name.empty())
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add_bitfield")
                                          .arg("name", name)
                                          .because("a zero-width bit-field cannot have a name")));
        return add_field(std::move(name), std::move(type), options, width, true);
    }

    /// The bit-field rules build() follows (native_bitfields unless set).
    layout_builder& bitfield_rules(const bitfield_abi& abi) noexcept {
        abi_ = abi;
        return *this;
    }

private:
    layout_builder& add_field(std::string name, layout type, field_options options,
                              std::size_t width, bool bitfield) {
        if (type.kind() == layout_kind::void_)
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                          .arg("name", name)
                                          .because("a field cannot have type void")));
        if (name.empty() && !type.is_record() && !bitfield)
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                          .arg("type", type.name())
                                          .because("only a struct or union member may be anonymous")));
        if (options.aligned != 0) check_power("layout_builder::add", options.aligned);
        if (!fields_.empty() && fields_.back().type.is_variable())
            MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                          .arg("type", name_)
                                          .arg("name", name)
                                          .because("the variable-length array '" + fields_.back().name +
                                                   "' must be the last member")));
        if (type.is_variable()) {
            if (type.is_record())
                MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                              .arg("type", name_)
                                              .arg("name", name)
                                              .because(type.name() +
                                                       " is a variable-length struct: it cannot be a member")));
            if (kind_ != layout_kind::struct_)
                MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                              .arg("type", name_)
                                              .arg("name", name)
                                              .because("a variable-length array can only be a struct's last member")));
        }
        if (!(bitfield && name.empty())) check_unique(name, type);
        fields_.push_back({std::move(name), std::move(type), options, width, bitfield});
        return *this;
    }

public:
    /// Packs the whole record, as __attribute__((packed)) on it does: every field's
    /// alignment is 1 and bit-fields go at the next free bit.
    layout_builder& packed() noexcept {
        packed_ = true;
        return *this;
    }

    [[nodiscard]] layout build() const {
        auto node = std::make_shared<detail::layout_node>();
        node->kind = kind_;
        node->name = name_;
        // Positions are counted in bits; sizes stay far below SIZE_MAX / 8 (checked).
        constexpr std::size_t limit = SIZE_MAX / 8;
        std::size_t end = 0;  // bits
        std::size_t record_alignment = 1;
        for (const pending& f : fields_) {
            const bool packed = f.options.packed || packed_;
            std::size_t a = packed ? 1 : f.type.alignment();
            a = std::max(a, f.options.aligned);
            if (pack_ != 0) a = std::min(a, pack_);
            if (f.bitfield) {
                place_bitfield(*node, f, a, packed, end, record_alignment);
                continue;
            }
            std::size_t offset = 0;
            if (kind_ == layout_kind::struct_) {
                offset = round_up((end + 7) / 8, a);
                if (offset < end / 8 || offset > limit) overflow();
            }
            if (f.type.size() > limit - offset) overflow();
            end = std::max(end, (offset + f.type.size()) * 8);
            record_alignment = std::max(record_alignment, a);
            node->fields.push_back({f.name, f.type, offset, 0, 0});
            node->variable = node->variable || f.type.is_variable();
            node->depth = std::max(node->depth, f.type.depth() + 1);
        }
        if (node->depth > layout::max_depth)
            MEMREG_THROW(bad_argument(detail::message("layout_builder::build")
                                          .arg("type", name_)
                                          .because("types nest deeper than " +
                                                   std::to_string(layout::max_depth) + " levels")));
        record_alignment = std::max(record_alignment, align_);
        node->alignment = record_alignment;
        const std::size_t bytes = (end + 7) / 8;
        node->size = round_up(bytes, record_alignment);
        if (node->size < bytes) overflow();
        return layout(std::move(node));
    }

private:
    struct pending {
        std::string name;
        layout type;
        field_options options;
        std::size_t width = 0;
        bool bitfield = false;
    };

    // One bit-field at bit `end` (a struct) or bit 0 (a union), with alignment a.
    void place_bitfield(detail::layout_node& node, const pending& f, std::size_t a, bool packed,
                        std::size_t& end, std::size_t& record_alignment) const {
        const std::size_t unit_bits = f.type.size() * 8;
        const std::size_t align_bits = a * 8;
        std::size_t bit = kind_ == layout_kind::struct_ ? end : 0;
        if (f.width == 0) {
            // Ends the unit: the next field starts at a multiple of the type's alignment
            // (even in a packed record or under #pragma pack, as gcc does).
            const std::size_t type_bits = f.type.alignment() * 8;
            if (kind_ == layout_kind::struct_) end = round_up(bit, type_bits);
            if (abi_.zero_width_aligns_record)
                record_alignment = std::max(record_alignment, type_bits / 8);
            return;
        }
        if (f.options.aligned != 0) bit = round_up(bit, align_bits);
        else if (!packed && pack_ == 0 && bit / unit_bits != (bit + f.width - 1) / unit_bits)
            bit = round_up(bit, align_bits);  // it would straddle a unit of its type
        // (packed fields, and any #pragma pack, place bit-fields at the next free bit)
        if (bit > SIZE_MAX / 8 - unit_bits) overflow();
        // Report it in the unit of its type that holds its first bit, if it fits there
        // (LuaJIT's offsetof does the same); a packed one crossing units from its byte.
        std::size_t unit = bit / unit_bits * unit_bits;
        if (bit + f.width > unit + unit_bits) unit = bit / 8 * 8;
        // The position in filling order (bitfield_abi::lsb_first), the same number either way.
        const std::size_t shift = bit - unit;
        end = std::max(end, bit + f.width);
        if (!f.name.empty() ? abi_.type_aligns_record : abi_.unnamed_aligns_record)
            record_alignment = std::max(record_alignment, a);
        else if (f.options.aligned != 0)
            record_alignment = std::max(record_alignment, a);
        node.fields.push_back({f.name, f.type, unit / 8, static_cast<std::uint16_t>(shift),
                               static_cast<std::uint16_t>(f.width)});
        node.depth = std::max(node.depth, f.type.depth() + 1);
    }

    static std::size_t round_up(std::size_t n, std::size_t a) noexcept {
        return n % a == 0 ? n : n + (a - n % a);  // wraps only near SIZE_MAX; callers check
    }

    [[noreturn]] void overflow() const {
        MEMREG_THROW(bad_argument(detail::message("layout_builder::build")
                                      .arg("type", name_)
                                      .because("the size overflows")));
    }

    void check_power(const char* operation, std::size_t n) const {
        if (!is_valid_alignment(n))
            MEMREG_THROW(bad_alignment(detail::message(operation)
                                           .arg("type", name_)
                                           .arg("alignment", n)
                                           .because("alignment is not a power of two")));
    }

    /// A name may appear once, counting those inside anonymous members (C11 6.7.2.1).
    void check_unique(const std::string& name, const layout& type) const {
        layout_member ignored{};
        const auto clash = [&](const std::string& n) {
            for (const pending& f : fields_)
                if ((!n.empty() && f.name == n) || (f.name.empty() && f.type.find(n, ignored)))
                    MEMREG_THROW(bad_argument(detail::message("layout_builder::add")
                                                  .arg("type", name_)
                                                  .arg("name", n)
                                                  .because("duplicate field name")));
        };
        if (!name.empty()) return clash(name);
        for (const layout_field& inner : type.fields()) {
            if (!inner.name.empty()) clash(inner.name);
        }
    }

    layout_kind kind_;
    std::string name_;
    std::size_t pack_ = 0;
    std::size_t align_ = 1;
    bool packed_ = false;
    bitfield_abi abi_ = native_bitfields;
    std::vector<pending> fields_;
};

}  // namespace memreg
