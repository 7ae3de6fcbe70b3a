// An address as memreg's messages print it: in hexadecimal, "0x" first.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

inline std::string address_of(const void* p) {
    char text[2 + 2 * sizeof(void*) + 1];
    std::snprintf(text, sizeof text, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(p));
    return text;
}
