# 32-bit x86 (size_t and pointers of 32 bits) with Debian's g++-i686-linux-gnu:
#   cmake --preset i686   (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i686-linux-gnu.cmake)
# The programs run natively on an x86-64 kernel (IA-32 emulation): they are linked to
# load the cross sysroot's dynamic linker and libraries, so no i386 packages are needed.
set(CMAKE_SYSTEM_PROCESSOR i686)
set(MEMREG_TRIPLE i686-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,--dynamic-linker=${MEMREG_SYSROOT}/lib/ld-linux.so.2 -Wl,-rpath,${MEMREG_SYSROOT}/lib")
