# Shared by the cross toolchain files (i686-linux-gnu.cmake, s390x-linux-gnu.cmake):
# Debian's cross compiler for MEMREG_TRIPLE, its sysroot /usr/<triple> (libc, libstdc++,
# and the Lua memreg builds from MEMREG_LUA_SOURCES), and the host's header-only
# packages that are the same on every machine: Boost's headers and Catch2 2.
#
# The cross compiler must not search the host's /usr/include (the host's C library
# headers would shadow the target's), so those two header trees are seen through
# <build>/memreg-host-headers, which holds nothing but links to them, and the packages
# are found there: Boost through CMake's FindBoost module (Boost's own CMake files
# describe the host's compiled libraries), Catch2 through a copy of its CMake files. Compiled Boost libraries (iostreams) are
# the host's and cannot be linked: the cross presets set MEMREG_BOOST_IOSTREAMS=OFF.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${MEMREG_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${MEMREG_TRIPLE}-g++)
set(MEMREG_SYSROOT /usr/${MEMREG_TRIPLE})

set(CMAKE_FIND_ROOT_PATH ${MEMREG_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's header trees, seen by the cross build as a second root:
# <build>/memreg-host-headers/usr/include/{boost,catch2} are links to the host's, and
# usr/lib/cmake/Catch2 a copy of Catch2's CMake files, which then point there.
# (CMAKE_BINARY_DIR is the build tree here, and a scratch tree in try_compile.)
set(memreg_host_headers ${CMAKE_BINARY_DIR}/memreg-host-headers)
if(NOT EXISTS ${memreg_host_headers}/usr/lib/cmake/Catch2/Catch2Config.cmake)
    file(MAKE_DIRECTORY ${memreg_host_headers}/usr/include ${memreg_host_headers}/usr/lib/cmake/Catch2)
    file(CREATE_LINK /usr/include/boost ${memreg_host_headers}/usr/include/boost SYMBOLIC)
    file(CREATE_LINK /usr/include/catch2 ${memreg_host_headers}/usr/include/catch2 SYMBOLIC)
    # Catch2's targets file checks that its (host-only, unused here) main library exists.
    file(CREATE_LINK /usr/lib/libCatch2WithMain.a ${memreg_host_headers}/usr/lib/libCatch2WithMain.a SYMBOLIC)
    file(GLOB memreg_catch2_cmake_files /usr/lib/cmake/Catch2/*.cmake)
    file(COPY ${memreg_catch2_cmake_files} DESTINATION ${memreg_host_headers}/usr/lib/cmake/Catch2)
endif()
list(APPEND CMAKE_FIND_ROOT_PATH ${memreg_host_headers})
set(Boost_NO_BOOST_CMAKE ON)  # FindBoost: headers only, found under the second root
