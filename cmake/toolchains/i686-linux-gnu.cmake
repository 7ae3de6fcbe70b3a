# 32-bit x86 (size_t and pointers of 32 bits) with Debian's g++-i686-linux-gnu:
#   cmake --preset i686   (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i686-linux-gnu.cmake)
# The programs are linked to load the cross sysroot's dynamic linker and libraries, so no
# i386 packages are needed. They run natively where the x86-64 kernel has IA-32
# emulation; a kernel without it (CONFIG_IA32_EMULATION off, or ia32_emulation=0 — as
# on the CI machine) refuses them ("Exec format error"), and they run under
# qemu-i386-static (qemu-user-static) instead. Which one is decided here, by running the
# sysroot's dynamic linker (itself an i386 program).
set(CMAKE_SYSTEM_PROCESSOR i686)
set(MEMREG_TRIPLE i686-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,--dynamic-linker=${MEMREG_SYSROOT}/lib/ld-linux.so.2 -Wl,-rpath,${MEMREG_SYSROOT}/lib")
execute_process(COMMAND ${MEMREG_SYSROOT}/lib/ld-linux.so.2 --version
                RESULT_VARIABLE memreg_i386_native OUTPUT_QUIET ERROR_QUIET)
if(NOT memreg_i386_native STREQUAL "0")
    set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/qemu-i386-static -L ${MEMREG_SYSROOT})
endif()
