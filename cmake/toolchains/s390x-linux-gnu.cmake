# IBM Z (s390x: big-endian, 64-bit) with Debian's g++-s390x-linux-gnu, the programs run
# by qemu-user (qemu-user-static) with the cross sysroot as their root:
#   cmake --preset s390x  (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(MEMREG_TRIPLE s390x-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/qemu-s390x-static -L ${MEMREG_SYSROOT})
