// A shared-memory object mapped read_only has no writable bytes to give, and
// only a read_write mapping creates one. MEMREG_MISUSE selects one misuse (see
// CMakeLists.txt); case 0 is what may be done, and compiles.
#include <memreg/ops.hpp>
#include <memreg/shared.hpp>

#include <cstddef>
#include <string>

void use(memreg::read_only_shared_region& ro, memreg::copy_on_write_shared_region& cow);

void use(memreg::read_only_shared_region& ro, memreg::copy_on_write_shared_region& cow) {
    const std::string text = "text";
    (void)memreg::equal(ro, text);
    memreg::fill(cow, std::byte{1});
    (void)memreg::shared_region::create("name", 8);
#if MEMREG_MISUSE == 1
    memreg::clear(ro);
#elif MEMREG_MISUSE == 2
    (void)memreg::copy(ro, text);
#elif MEMREG_MISUSE == 3
    (void)memreg::read_only_shared_region::create("name", 8);
#elif MEMREG_MISUSE == 4
    (void)memreg::copy_on_write_shared_region::open_or_create("name", 8);
#endif
}
