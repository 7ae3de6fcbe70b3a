// clear, fill and copy write: they refuse what to_region makes a const_region
// (a const container, a string_view), and copy() is the name, replace() only a
// deprecated one. MEMREG_MISUSE selects one misuse (see CMakeLists.txt); case 0
// is what may be done, and compiles.
#include <memreg/ops.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

void use(std::string& text, const std::string& fixed, std::array<std::byte, 4>& bytes);

void use(std::string& text, const std::string& fixed, std::array<std::byte, 4>& bytes) {
    memreg::clear(text);
    memreg::fill(bytes, std::byte{1});
    (void)memreg::copy(text, fixed);
    (void)memreg::equal(fixed, std::string_view("text"));
#if MEMREG_MISUSE == 1
    memreg::clear(fixed);
#elif MEMREG_MISUSE == 2
    memreg::fill(std::string_view(text), std::byte{1});
#elif MEMREG_MISUSE == 3
    (void)memreg::copy(std::as_const(bytes), fixed);
#elif MEMREG_MISUSE == 4
    (void)memreg::replace(text, fixed);  // deprecated: an error under -Werror
#endif
}
