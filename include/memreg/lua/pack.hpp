// memreg/lua/pack.hpp — deprecated: string.pack's format language is the C++
// component memreg/pack.hpp now (memreg::pack, memreg::unpack, memreg::packsize,
// memreg::pack_error). These forwarders go in the next version.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "../pack.hpp"

namespace memreg::lua {

using pack_error [[deprecated("use memreg::pack_error from memreg/pack.hpp")]] = memreg::pack_error;

template <class Source>
[[deprecated("use memreg::pack from memreg/pack.hpp")]] std::size_t pack(
    region r, std::size_t offset, std::string_view format, Source&& source) {
    return memreg::pack(r, offset, format, std::forward<Source>(source));
}

template <class Sink>
[[deprecated("use memreg::unpack from memreg/pack.hpp")]] std::size_t unpack(
    const_region r, std::size_t offset, std::string_view format, Sink&& sink) {
    return memreg::unpack(r, offset, format, std::forward<Sink>(sink));
}

[[deprecated("use memreg::packsize from memreg/pack.hpp")]] inline std::size_t packsize(
    std::string_view format) {
    return memreg::packsize(format);
}

}  // namespace memreg::lua
