// memreg/view.hpp — typed views of a region.
//
// view<T>(r, offset) and view_array<T>(r, offset, n) give C++ objects after size and
// alignment checks; struct_view reads and writes a struct by field name through a
// runtime layout (layout.hpp), which comes from a field list, from C declarations
// (cdecl.hpp) or from a Boost.Describe'd struct (describe.hpp). No Boost here.
#pragma once

#include "layout.hpp"
#include "view/typed.hpp"
#include "view/struct_view.hpp"
