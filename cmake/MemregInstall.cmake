# memreg's install rules: headers, one CMake export file per component, the
# package config, memreg.pc, LICENSE, and the Lua modules that were built.

install(DIRECTORY include/memreg DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(memreg_cmake_dir ${CMAKE_INSTALL_DATADIR}/memreg/cmake)
# One export file per component: find_package(memreg COMPONENTS core) loads only
# memreg-core-targets.cmake and finds none of the others' dependencies.
foreach(component ${memreg_components})
    get_target_property(target memreg::${component} ALIASED_TARGET)
    install(TARGETS ${target} EXPORT memreg_${component}_targets)
    install(EXPORT memreg_${component}_targets NAMESPACE memreg::
            FILE memreg-${component}-targets.cmake DESTINATION ${memreg_cmake_dir})
endforeach()
configure_package_config_file(cmake/memregConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/memregConfig.cmake
    INSTALL_DESTINATION ${memreg_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/memregConfigVersion.cmake
    COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
    ${CMAKE_CURRENT_BINARY_DIR}/memregConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/memregConfigVersion.cmake
    DESTINATION ${memreg_cmake_dir})

# pkg-config: the core flags (include path, C++20); memreg.pc.in says what the other
# headers add. The file finds the prefix from where it is (${pcfiledir}), so a tree
# installed with `cmake --install --prefix` elsewhere, or moved, still works.
set(memreg_pc_dir ${CMAKE_INSTALL_DATADIR}/pkgconfig)
file(RELATIVE_PATH memreg_pc_prefix_from_pcfiledir
     ${CMAKE_INSTALL_PREFIX}/${memreg_pc_dir} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" memreg_pc_prefix_from_pcfiledir "${memreg_pc_prefix_from_pcfiledir}")
configure_file(memreg.pc.in ${CMAKE_CURRENT_BINARY_DIR}/memreg.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/memreg.pc DESTINATION ${memreg_pc_dir})

# The Lua modules: <MEMREG_INSTALL_LUA_CMODDIR>/<5.x>/memreg.so, where a stock
# interpreter's package.cpath looks (/usr/local/lib/lua/5.4/?.so for the default
# prefix). LuaJIT loads 5.1 modules: its module goes to 5.1/ when no Lua 5.1 module
# is built, or when MEMREG_INSTALL_LUAJIT_AS_5_1 asks for it.
set(MEMREG_INSTALL_LUA_CMODDIR ${CMAKE_INSTALL_LIBDIR}/lua CACHE STRING
    "Where the Lua modules go, one folder per Lua version below it (relative to the prefix)")
option(MEMREG_INSTALL_LUAJIT_AS_5_1
       "Install the module built for LuaJIT (reports LuaJIT) in place of Lua 5.1's" OFF)
if(MEMREG_BUILD_LUA_MODULES)
    set(memreg_lua_installed)
    foreach(v ${MEMREG_LUA_VERSIONS})
        memreg_lua_tag(tag ${v})
        # Builds of a Lua variant (5.4-c++, 5.4-torture) are for tests, not for installing.
        if(NOT TARGET memreg_lua_module_${tag} OR NOT v MATCHES "^(5\\.[1-5]|jit)$")
            continue()
        endif()
        set(folder ${v})
        if(v STREQUAL "jit")
            set(folder 5.1)
            if(TARGET memreg_lua_module_51 AND NOT MEMREG_INSTALL_LUAJIT_AS_5_1)
                continue()
            endif()
        elseif(v STREQUAL "5.1" AND TARGET memreg_lua_module_jit AND MEMREG_INSTALL_LUAJIT_AS_5_1)
            continue()
        endif()
        install(TARGETS memreg_lua_module_${tag}
                LIBRARY DESTINATION ${MEMREG_INSTALL_LUA_CMODDIR}/${folder})
        list(APPEND memreg_lua_installed ${v})
    endforeach()
    message(STATUS "memreg: Lua modules to install: ${memreg_lua_installed}")
endif()
