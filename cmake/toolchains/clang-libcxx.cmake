# clang 16 with LLVM's C++ library (libc++, libc++abi) instead of libstdc++:
#   cmake --preset libcxx  (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/clang-libcxx.cmake)
# Debian: libc++-16-dev libc++abi-16-dev. Debian's compiled Boost libraries are built
# against libstdc++ and cannot be linked: the libcxx preset sets MEMREG_BOOST_IOSTREAMS=OFF
# (Boost's header-only parts, Interprocess included, work).
# No C compiler is named: the C programs of c_compiler_test and cdecl_glibc_test are
# built by `cc`, as in the clang preset (cdecl refuses glibc's `typedef float _Float32;`,
# which glibc's headers declare for clang 16's C).
set(CMAKE_CXX_COMPILER clang++-16)
# _LIBCPP_ENABLE_ASSERTIONS: libc++ checks preconditions (span and vector bounds, ...).
set(CMAKE_CXX_FLAGS_INIT "-stdlib=libc++ -D_LIBCPP_ENABLE_ASSERTIONS=1")
# Debian's libc++.so brings LLVM's libunwind, whose __register_frame refuses what LuaJIT
# registers ("bad fde: FDE is really a CIE": LuaJIT's errors then escape lua_pcall).
# libgcc_s named first wins the process's unwinder symbols, as in LuaJIT's interpreter;
# libc++abi works on it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-stdlib=libc++ -Wl,--push-state,--no-as-needed -lgcc_s -Wl,--pop-state")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-stdlib=libc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-stdlib=libc++")
