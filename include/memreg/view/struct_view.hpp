// memreg/view/struct_view.hpp — a struct in a region, read and written by field name
// through its runtime layout: the C++ face of LuaJIT's cdata field access, and the
// engine under the Lua binding's r:view(type).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../error.hpp"
#include "../layout.hpp"
#include "../region.hpp"

namespace memreg {

/// Fields are reached by path ("len", "hdr.len", "items[3].x") and converted with
/// checks: a value that does not fit the field, a fraction stored into an integer,
/// a number into a bool and a name the layout lacks all throw. Access is by memcpy,
/// so the struct need not be aligned in the region (packed file formats are fine).
template <byte_type Byte>
class basic_struct_view {
public:
    /// The struct of layout `type` at r[offset]. Throws out_of_range if its
    /// type.size() bytes do not fit there.
    basic_struct_view(layout type, basic_region<Byte> r, std::size_t offset = 0)
        : type_(std::move(type)) {
        if (offset > r.size() || type_.size() > r.size() - offset)
            MEMREG_THROW(out_of_range(detail::message("struct_view")
                                          .arg("type", type_.name())
                                          .arg("offset", offset)
                                          .arg("count", type_.size())
                                          .because("outside region of size " + std::to_string(r.size()))));
        region_ = basic_region<Byte>(r.data() + offset, type_.size());
    }

    /// A mutable view converts to a read-only one.
    template <byte_type Other>
        requires(std::is_const_v<Byte> && !std::is_const_v<Other>)
    basic_struct_view(const basic_struct_view<Other>& other)  // NOLINT(google-explicit-constructor)
        : type_(other.type()), region_(other.region()) {}

    [[nodiscard]] const layout& type() const noexcept { return type_; }
    [[nodiscard]] basic_region<Byte> region() const noexcept { return region_; }
    [[nodiscard]] std::size_t offset_of(std::string_view path) const {
        return type_.resolve(path, "struct_view::offset_of").offset;
    }

    /// The scalar at path, widened to scalar_value.
    [[nodiscard]] scalar_value get(std::string_view path) const {
        const layout_member m = scalar_at(path, "struct_view::get");
        return detail::fetch_scalar(region_.data() + m.offset, m.type->scalar());
    }
    /// The scalar at path as T, which must hold it (an int32 field holding 300 read
    /// as uint8_t throws bad_argument).
    template <class T>
        requires std::is_arithmetic_v<T>
    [[nodiscard]] T get(std::string_view path) const {
        const layout_member m = scalar_at(path, "struct_view::get");
        const scalar_value v = detail::fetch_scalar(region_.data() + m.offset, m.type->scalar());
        return detail::convert_scalar<T>(v, "struct_view::get", scalar_name(scalar_kind_of<T>()),
                                         path);
    }

    /// Stores value into the scalar at path, after checking it fits the field.
    void set(std::string_view path, const scalar_value& value) const
        requires(!std::is_const_v<Byte>)
    {
        const layout_member m = scalar_at(path, "struct_view::set");
        detail::store_scalar(region_.data() + m.offset, m.type->scalar(), value,
                             "struct_view::set", path);
    }
    template <class T>
        requires(std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_pointer_v<T>)
    void set(std::string_view path, T value) const
        requires(!std::is_const_v<Byte>)
    {
        set(path, to_scalar(value));
    }

    /// The nested struct, union, array or scalar at path, as a view of its own.
    [[nodiscard]] basic_struct_view at(std::string_view path) const {
        const layout_member m = type_.resolve(path, "struct_view::at");
        return basic_struct_view(*m.type, region_, m.offset);
    }
    /// Element i of an array view; throws out_of_range past the end.
    [[nodiscard]] basic_struct_view operator[](std::size_t i) const {
        if (!type_.is_array())
            MEMREG_THROW(bad_argument(detail::message("struct_view[]")
                                          .arg("type", type_.name())
                                          .arg("index", i)
                                          .because("not an array")));
        if (i >= type_.count())
            MEMREG_THROW(out_of_range(detail::message("struct_view[]")
                                          .arg("type", type_.name())
                                          .arg("index", i)
                                          .because("index outside the array")));
        const layout& e = type_.element();
        return basic_struct_view(e, region_, i * e.size());
    }

    /// The text in a char array field, up to its first NUL (or the whole array).
    [[nodiscard]] std::string string(std::string_view path) const {
        const layout_member m = type_.resolve(path, "struct_view::string");
        if (!m.type->is_array() || !m.type->element().is_scalar() ||
            m.type->element().size() != 1)
            MEMREG_THROW(bad_argument(detail::message("struct_view::string")
                                          .arg("path", path)
                                          .because(m.type->name() + " is not a char array")));
        const char* p = reinterpret_cast<const char*>(region_.data() + m.offset);
        const std::size_t n = m.type->size();
        std::size_t length = 0;
        while (length < n && p[length] != '\0') ++length;
        return std::string(p, length);
    }

private:
    layout_member scalar_at(std::string_view path, const char* operation) const {
        const layout_member m = type_.resolve(path, operation);
        if (!m.type->is_scalar())
            MEMREG_THROW(bad_argument(detail::message(operation)
                                          .arg("path", path)
                                          .because(m.type->name() + " is not a scalar")));
        return m;
    }

    layout type_;
    basic_region<Byte> region_;
};

using struct_view = basic_struct_view<std::byte>;
using const_struct_view = basic_struct_view<const std::byte>;

}  // namespace memreg
