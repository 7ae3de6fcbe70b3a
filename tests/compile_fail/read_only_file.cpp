// A file mapped read_only has no writable bytes to give: writing through it,
// resizing it or creating one does not compile. MEMREG_MISUSE selects one misuse
// (see CMakeLists.txt); case 0 is what may be done, and compiles.
#include <memreg/file.hpp>
#include <memreg/ops.hpp>

#include <cstddef>
#include <string>

void use(memreg::read_only_file& ro, memreg::copy_on_write_file& cow, memreg::read_write_file& rw);

void use(memreg::read_only_file& ro, memreg::copy_on_write_file& cow, memreg::read_write_file& rw) {
    const std::string text = "text";
    (void)memreg::equal(ro, text);
    (void)memreg::find(ro, std::byte{'t'});
    const memreg::const_region readable = ro.region();
    (void)readable;
    memreg::clear(cow);
    memreg::fill(rw, std::byte{1});
    (void)memreg::copy(rw, ro);
    rw.resize(8);
#if MEMREG_MISUSE == 1
    memreg::clear(ro);
#elif MEMREG_MISUSE == 2
    memreg::fill(ro, std::byte{1});
#elif MEMREG_MISUSE == 3
    (void)memreg::copy(ro, text);
#elif MEMREG_MISUSE == 4
    const memreg::region writable = ro.region();
    (void)writable;
#elif MEMREG_MISUSE == 5
    ro.resize(8);
#elif MEMREG_MISUSE == 6
    cow.resize(8);
#elif MEMREG_MISUSE == 7
    (void)memreg::read_only_file::create("file", 8);
#endif
}
