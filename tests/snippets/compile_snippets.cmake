# Compiles every ```cpp block of one Markdown file with a user's strict warnings
# (-Werror), so a snippet that stops compiling, discards a [[nodiscard]] result or
# uses something deprecated fails this test, naming the file and line.
#
#   cmake -DMARKDOWN=README.md -DCXX=g++ "-DFLAGS=-std=c++20 -Wall ..." -DWORK_DIR=dir
#         -P compile_snippets.cmake
#
# A block is compiled as a user would paste it: its #include lines at the top of a
# translation unit, the rest as the body of a function. An HTML comment on the line
# before the fence changes that, so that no block is left out silently:
#   <!-- snippet: fragment: why -->   not compiled (the reason is printed)
#   <!-- snippet: file -->            compiled as written: a whole translation unit
#   <!-- snippet: context: code -->   `code` (declarations the text around the block
#                                     gives in words) goes before the block's body
# Unused variables are allowed (a snippet declares them to show what they hold);
# every other warning is an error. The file fails if it has no ```cpp block at all.
cmake_minimum_required(VERSION 3.21)

foreach(var MARKDOWN CXX FLAGS WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "compile_snippets.cmake: -D${var}=... is required")
    endif()
endforeach()
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
list(APPEND flags -Wno-unused-variable -Wno-unused-but-set-variable)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(READ "${MARKDOWN}" text)
get_filename_component(md_name "${MARKDOWN}" NAME)

set(compiled 0)
set(fragments 0)
set(failed "")
set(rest "${text}")
set(consumed 0)  # characters of `text` before `rest`
while(TRUE)
    string(FIND "${rest}" "```cpp\n" open)
    if(open EQUAL -1)
        break()
    endif()
    # A fence starts a line.
    if(open GREATER 0)
        math(EXPR before "${open} - 1")
        string(SUBSTRING "${rest}" ${before} 1 previous_char)
        if(NOT previous_char STREQUAL "\n")
            math(EXPR skip "${open} + 6")
            string(SUBSTRING "${rest}" ${skip} -1 rest)
            math(EXPR consumed "${consumed} + ${skip}")
            continue()
        endif()
    endif()
    string(SUBSTRING "${rest}" 0 ${open} preceding)
    math(EXPR body_start "${open} + 7")
    string(SUBSTRING "${rest}" ${body_start} -1 after)
    string(FIND "${after}" "\n```" close)
    if(close EQUAL -1)
        message(FATAL_ERROR "${md_name}: a ```cpp block is never closed")
    endif()
    math(EXPR block_length "${close} + 1")
    string(SUBSTRING "${after}" 0 ${block_length} block)

    # The block's first line, counted from 1 in the whole file.
    math(EXPR absolute "${consumed} + ${body_start}")
    string(SUBSTRING "${text}" 0 ${absolute} head)
    string(REGEX MATCHALL "\n" newlines "${head}")
    list(LENGTH newlines line)
    math(EXPR line "${line} + 1")
    set(where "${md_name}:${line}")

    # The marker, if any: the last thing before the fence.
    set(mode body)
    set(context "")
    if(preceding MATCHES "<!-- snippet: ([a-z]+)(:[^\n]*)? -->[ \t]*\n$")
        set(mode "${CMAKE_MATCH_1}")
        string(REGEX REPLACE "^: *" "" detail "${CMAKE_MATCH_2}")
        if(mode STREQUAL "context")
            set(context "${detail}\n")
        elseif(mode STREQUAL "fragment")
            if(detail STREQUAL "")
                message(FATAL_ERROR "${where}: <!-- snippet: fragment: why --> needs its reason")
            endif()
        elseif(NOT mode STREQUAL "file")
            message(FATAL_ERROR "${where}: unknown marker <!-- snippet: ${mode} -->")
        endif()
    endif()

    if(mode STREQUAL "fragment")
        message(STATUS "${where}: fragment, not compiled (${detail})")
        math(EXPR fragments "${fragments} + 1")
    else()
        string(REPLACE "." "_" stem "${md_name}_${line}")
        set(source "${WORK_DIR}/${stem}.cpp")
        if(mode STREQUAL "file")
            set(code "#line ${line} \"${md_name}\"\n${block}")
        else()
            # #include lines first, the rest in a function; #line keeps the
            # Markdown file's line numbers in the compiler's messages.
            string(REGEX MATCHALL "(^|\n)#include[^\n]*" includes "${block}")
            string(REPLACE "\n#include" "#include" includes "${includes}")
            string(REPLACE ";" "\n" includes "${includes}")
            string(REGEX REPLACE "(^|\n)#include[^\n]*" "\\1" body "${block}")
            set(code "${includes}\n\nvoid memreg_snippet();\nvoid memreg_snippet() {\n${context}#line ${line} \"${md_name}\"\n${body}}\n")
        endif()
        file(WRITE "${source}" "${code}")
        execute_process(COMMAND ${CXX} ${flags} -c "${source}" -o "${WORK_DIR}/${stem}.o"
                        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
        if(result EQUAL 0)
            message(STATUS "${where}: compiled")
            math(EXPR compiled "${compiled} + 1")
        else()
            message("${where}: FAILED (${source}):\n${output}")
            list(APPEND failed "${where}")
        endif()
    endif()

    math(EXPR advance "${body_start} + ${close} + 4")
    string(SUBSTRING "${rest}" ${advance} -1 rest)
    math(EXPR consumed "${consumed} + ${advance}")
endwhile()

list(LENGTH failed failures)
message(STATUS "${md_name}: ${compiled} C++ blocks compiled, ${fragments} fragments, ${failures} failed")
if(failures GREATER 0)
    message(FATAL_ERROR "${md_name}: these blocks do not compile cleanly: ${failed}")
endif()
if(compiled EQUAL 0 AND fragments EQUAL 0)
    message(FATAL_ERROR "${md_name}: no C++ block found")
endif()
