// memreg/layout/builder.hpp — builds a struct or union layout from a field list
// with the platform C ABI's rules (System V and the other ABIs gcc and clang follow):
// each field goes at the next offset that is a multiple of its alignment, the
// record's alignment is its largest field's, and its size is rounded up to that.
// `pack(n)` caps every field's alignment at n, as `#pragma pack(n)` does, and
// `packed` fields or pack(1) give __attribute__((packed)).
#pragma once

#include <algorithm>
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

class layout_builder {
public:
    /// kind is layout_kind::struct_ or layout_kind::union_; name is the C spelling
    /// ("struct foo"), empty for an anonymous one.
    explicit layout_builder(layout_kind kind, std::string name = {})
        : kind_(kind), name_(std::move(name)) {
        if (kind != layout_kind::struct_ && kind != layout_kind::union_)
            throw bad_argument(detail::message("layout_builder")
                                   .arg("name", name_)
                                   .because("only a struct or a union is built from fields"));
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
    /// anonymous member, whose fields are then reached by their own names).
    layout_builder& add(std::string name, layout type, field_options options = {}) {
        if (type.kind() == layout_kind::void_)
            throw bad_argument(detail::message("layout_builder::add")
                                   .arg("name", name)
                                   .because("a field cannot have type void"));
        if (name.empty() && !type.is_record())
            throw bad_argument(detail::message("layout_builder::add")
                                   .arg("type", type.name())
                                   .because("only a struct or union member may be anonymous"));
        if (options.aligned != 0) check_power("layout_builder::add", options.aligned);
        check_unique(name, type);
        fields_.push_back({std::move(name), std::move(type), options});
        return *this;
    }

    [[nodiscard]] layout build() const {
        auto node = std::make_shared<detail::layout_node>();
        node->kind = kind_;
        node->name = name_;
        std::size_t end = 0;
        std::size_t record_alignment = 1;
        for (const pending& f : fields_) {
            std::size_t a = f.options.packed ? 1 : f.type.alignment();
            a = std::max(a, f.options.aligned);
            if (pack_ != 0) a = std::min(a, pack_);
            std::size_t offset = 0;
            if (kind_ == layout_kind::struct_) {
                offset = round_up(end, a);
                if (offset < end) overflow();
            }
            if (f.type.size() > SIZE_MAX - offset) overflow();
            end = std::max(end, offset + f.type.size());
            record_alignment = std::max(record_alignment, a);
            node->fields.push_back({f.name, f.type, offset});
            node->depth = std::max(node->depth, f.type.depth() + 1);
        }
        if (node->depth > layout::max_depth)
            throw bad_argument(detail::message("layout_builder::build")
                                   .arg("type", name_)
                                   .because("types nest deeper than " +
                                            std::to_string(layout::max_depth) + " levels"));
        record_alignment = std::max(record_alignment, align_);
        node->alignment = record_alignment;
        node->size = round_up(end, record_alignment);
        if (node->size < end) overflow();
        return layout(std::move(node));
    }

private:
    struct pending {
        std::string name;
        layout type;
        field_options options;
    };

    static std::size_t round_up(std::size_t n, std::size_t a) noexcept {
        return n % a == 0 ? n : n + (a - n % a);  // wraps only near SIZE_MAX; callers check
    }

    [[noreturn]] void overflow() const {
        throw bad_argument(detail::message("layout_builder::build")
                               .arg("type", name_)
                               .because("the size overflows"));
    }

    void check_power(const char* operation, std::size_t n) const {
        if (!is_valid_alignment(n))
            throw bad_alignment(detail::message(operation)
                                    .arg("type", name_)
                                    .arg("alignment", n)
                                    .because("alignment is not a power of two"));
    }

    /// A name may appear once, counting those inside anonymous members (C11 6.7.2.1).
    void check_unique(const std::string& name, const layout& type) const {
        layout_member ignored{};
        const auto clash = [&](const std::string& n) {
            for (const pending& f : fields_)
                if ((!n.empty() && f.name == n) || (f.name.empty() && f.type.find(n, ignored)))
                    throw bad_argument(detail::message("layout_builder::add")
                                           .arg("type", name_)
                                           .arg("name", n)
                                           .because("duplicate field name"));
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
    std::vector<pending> fields_;
};

}  // namespace memreg
