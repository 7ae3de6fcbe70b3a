# Lua built from a source tree (Lua's own C files, never copied into memreg), for the
# builds that test the binding on what Debian does not package or cannot run:
#
#   MEMREG_LUA_SOURCES   the directory holding <release>/lua.h trees
#                        (default: ../shared/lua beside the source tree)
#   MEMREG_LUA_BUILD     releases to build as ordinary Lua versions, e.g. "5.5.0" gives
#                        version "5.5" (and "5.4.4" gives "5.4" in cross builds, where
#                        the machine's own Lua cannot be linked)
#   MEMREG_LUA_TORTURE   ON: also build 5.4.4 as version "5.4-torture" with
#                        HARDMEMTESTS (a full collection, finalizers included, at every
#                        point where the collector may run) and HARDSTACKTESTS (the stack
#                        reallocated at every point where it may move) and
#                        LUA_USE_APICHECK (Lua asserts every API call's arguments)
#
# A release whose tree is absent is skipped with a message; the build goes on without it.
# Each built version <v> gets a static library (memreg_lua_<tag>, tag = v without dots,
# "-" as "_", "+" as "x") and, outside sanitizer builds, an interpreter (lua/<v>/lua) that loads C
# modules. src/lua/CMakeLists.txt reads MEMREG_LUA_SOURCE_VERSIONS and, for each,
# MEMREG_LUA_<v>_INCLUDE, _LIBRARY, _INTERPRETER, _LABELS and _TEST_ENV.
#
# Included from the top directory: C is enabled there, so every directory can link these.
include_guard(GLOBAL)

set(MEMREG_LUA_SOURCES "${PROJECT_SOURCE_DIR}/../shared/lua" CACHE PATH
    "Directory holding Lua source trees (<release>/lua.h) for MEMREG_LUA_BUILD and MEMREG_LUA_TORTURE")
set(MEMREG_LUA_BUILD "" CACHE STRING "Lua releases to build from MEMREG_LUA_SOURCES (e.g. 5.5.0)")
option(MEMREG_LUA_TORTURE "Build Lua 5.4.4 from MEMREG_LUA_SOURCES with HARDMEMTESTS and HARDSTACKTESTS" OFF)

set(MEMREG_LUA_SOURCE_VERSIONS "" CACHE INTERNAL "")
# What the torture tests need (memreg-lua on the torture Lua); empty when it is not built.
add_custom_target(memreg_torture)

# memreg_lua_tag(out v): a version as a target-name part ("5.4-torture" -> "54_torture",
# "5.4-c++" -> "54_cxx").
function(memreg_lua_tag out v)
    string(REPLACE "." "" tag "${v}")
    string(REPLACE "-" "_" tag "${tag}")
    string(REPLACE "+" "x" tag "${tag}")
    set(${out} ${tag} PARENT_SCOPE)
endfunction()

# memreg_lua_from_sources(VERSION v RELEASE r [DEFINITIONS d ...] [LABELS l ...]
#                         [TEST_ENV VAR=value ...])
function(memreg_lua_from_sources)
    cmake_parse_arguments(arg "" "VERSION;RELEASE" "DEFINITIONS;LABELS;TEST_ENV" ${ARGN})
    set(dir ${MEMREG_LUA_SOURCES}/${arg_RELEASE})
    if(NOT EXISTS ${dir}/lua.h)
        message(STATUS "memreg: Lua ${arg_VERSION} skipped: no Lua ${arg_RELEASE} sources in "
                       "${dir} (set MEMREG_LUA_SOURCES to the directory holding ${arg_RELEASE}/)")
        return()
    endif()
    memreg_lua_tag(tag ${arg_VERSION})

    # The library is every l*.c but the interpreter (lua.c), the one-file build
    # (onelua.c) and the test library (ltests.c, used only with LUA_USER_H="ltests.h").
    file(GLOB sources ${dir}/l*.c)
    list(REMOVE_ITEM sources ${dir}/lua.c ${dir}/luac.c ${dir}/onelua.c ${dir}/ltests.c)
    add_library(memreg_lua_${tag} STATIC ${sources})
    target_include_directories(memreg_lua_${tag} INTERFACE ${dir})
    target_compile_definitions(memreg_lua_${tag} PRIVATE LUA_USE_LINUX ${arg_DEFINITIONS})
    target_link_libraries(memreg_lua_${tag} PUBLIC m ${CMAKE_DL_LIBS})
    set_target_properties(memreg_lua_${tag} PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
    # Lua's own code, not memreg's: its warnings are not ours to fix.
    target_compile_options(memreg_lua_${tag} PRIVATE -w)

    set(interpreter "")
    if(NOT MEMREG_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
        # The stand-alone interpreter, exporting the whole library to the C modules it loads.
        add_executable(memreg_lua_interpreter_${tag} ${dir}/lua.c)
        target_compile_definitions(memreg_lua_interpreter_${tag} PRIVATE LUA_USE_LINUX ${arg_DEFINITIONS})
        target_compile_options(memreg_lua_interpreter_${tag} PRIVATE -w)
        target_link_libraries(memreg_lua_interpreter_${tag} PRIVATE
            "$<LINK_LIBRARY:WHOLE_ARCHIVE,memreg_lua_${tag}>")
        set_target_properties(memreg_lua_interpreter_${tag} PROPERTIES
            OUTPUT_NAME lua ENABLE_EXPORTS ON
            RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lua/${arg_VERSION})
        set(interpreter $<TARGET_FILE:memreg_lua_interpreter_${tag}>)
    endif()

    set(v ${arg_VERSION})
    set(MEMREG_LUA_${v}_INCLUDE ${dir} CACHE INTERNAL "")
    set(MEMREG_LUA_${v}_LIBRARY memreg_lua_${tag} CACHE INTERNAL "")
    set(MEMREG_LUA_${v}_INTERPRETER "${interpreter}" CACHE INTERNAL "")
    set(MEMREG_LUA_${v}_LABELS "${arg_LABELS}" CACHE INTERNAL "")
    set(MEMREG_LUA_${v}_TEST_ENV "${arg_TEST_ENV}" CACHE INTERNAL "")
    set(versions ${MEMREG_LUA_SOURCE_VERSIONS} ${v})
    set(MEMREG_LUA_SOURCE_VERSIONS "${versions}" CACHE INTERNAL "")
    message(STATUS "memreg: Lua ${v} built from ${dir}")
endfunction()

if(NOT MEMREG_LUA_BUILD AND NOT MEMREG_LUA_TORTURE)
    return()
endif()
enable_language(C)

foreach(release ${MEMREG_LUA_BUILD})
    string(REGEX MATCH "^[0-9]+\\.[0-9]+" version ${release})
    memreg_lua_from_sources(VERSION ${version} RELEASE ${release})
endforeach()

if(MEMREG_LUA_TORTURE)
    # Slow by design (a full collection per allocation): tests on it carry the label
    # "torture", and scripts see MEMREG_LUA_TORTURE=1 to keep their loops short.
    memreg_lua_from_sources(VERSION 5.4-torture RELEASE 5.4.4
        DEFINITIONS HARDMEMTESTS HARDSTACKTESTS LUA_USE_APICHECK
        LABELS torture TEST_ENV MEMREG_LUA_TORTURE=1)
endif()
