// memreg/layout.hpp — runtime C type layouts: what a struct looks like in memory.
//
// A `layout` is void, a scalar (scalar_kind), a fixed array, a struct or a union,
// with the size, alignment and field offsets the platform C ABI gives it. Layouts
// come from layout_builder (a field list), from cdecl.hpp (C declarations) or from
// describe.hpp (structs described with Boost.Describe); struct_view in view.hpp
// reads and writes fields by name through one. No Boost here.
#pragma once

#include "layout/scalar.hpp"
#include "layout/type.hpp"
#include "layout/builder.hpp"
#include "layout/bitfield.hpp"
