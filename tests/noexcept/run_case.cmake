# One failing case of noexcept_test.cpp: cmake -DPROGRAM=<noexcept_test>
# [-DREFERENCE=<noexcept_reference>] [-DEMULATOR=...] -DCASE=<name> -P run_case.cmake
#
# Passes when PROGRAM (built with -fno-exceptions) ends as the case says — aborted
# (the default handler, or a handler that returned) or with the custom handler's exit
# code — with the expected message on stderr, and, for the default handler's cases,
# when REFERENCE (the same source with exceptions) reports the very same message
# from the exception it caught. Each run is bounded (30 s).
set(address "0x[0-9a-f]+")
# case -> how PROGRAM ends; the message on stderr (a regex, matched whole-line)
set(subregion_end abort)
set(subregion_message "memreg: subregion\\(offset=12, count=8\\): outside region of size 16")
set(at_end abort)
set(at_message "memreg: at\\(index=16\\): outside region of size 16")
set(allocate_end abort)
set(allocate_message "memreg: allocate\\(size=1024, alignment=16\\): the allocator could not provide the memory")
set(alignment_end abort)
set(alignment_message "memreg: allocate\\(size=8, alignment=3\\): alignment is not a power of two")
set(double_free_end abort)
set(double_free_message "memreg: pool::deallocate\\(size=32, address=${address}\\): block freed twice \\(it is free already\\)")
set(cdecl_syntax_end abort)
set(cdecl_syntax_message "memreg: cdecl::define\\(line=1, column=18\\): expected ';' after the member, found '}'")
set(cdecl_layout_end abort)
set(cdecl_layout_message "memreg: cdecl::define\\(line=3, column=7\\): layout_builder::add_bitfield\\(name=x, type=int32_t, width=40\\): the width exceeds the type's 32 bits")
set(builder_after_cdecl_end abort)
set(builder_after_cdecl_message "memreg: layout_builder::add_bitfield\\(name=x, type=int32_t, width=40\\): the width exceeds the type's 32 bits")
set(struct_view_end abort)
set(struct_view_message "memreg: struct_view::set\\(path=pixels\\[0\\].red, type=uint8_t, value=300\\): value does not fit")
set(pack_end abort)
set(pack_message "memreg: pack\\(format_offset=4\\): invalid format option 'y'")
set(unaligned_span_end abort)
set(unaligned_span_message "memreg: unaligned_span\\(size=6, element_size=4\\): size is not a multiple of the element size")
set(custom_end 3)
set(custom_message "custom handler \\(memreg::out_of_range\\): subregion\\(offset=12, count=8\\): outside region of size 16")
set(returns_end abort)
set(returns_message "returning: subregion\\(offset=12, count=8\\): outside region of size 16")

if(NOT DEFINED ${CASE}_end)
    message(FATAL_ERROR "run_case.cmake: no case '${CASE}'")
endif()
set(expected_end "${${CASE}_end}")
set(expected "^${${CASE}_message}\n$")

execute_process(COMMAND ${EMULATOR} ${PROGRAM} ${CASE} RESULT_VARIABLE result
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
if(expected_end STREQUAL "abort")
    if(NOT result MATCHES "[Aa]bort")
        message(FATAL_ERROR "${CASE}: expected an abort, got '${result}'; stderr:\n${err}")
    endif()
elseif(NOT result STREQUAL expected_end)
    message(FATAL_ERROR "${CASE}: expected exit code ${expected_end}, got '${result}'; stderr:\n${err}")
endif()
# qemu-user reports the target's abort on stderr too: that line is the emulator's.
string(REGEX REPLACE "qemu: uncaught target signal[^\n]*\n" "" err "${err}")
if(NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${CASE}: stderr is not the expected message\n  got:      ${err}\n  expected: ${expected}")
endif()
message(STATUS "${CASE} without exceptions: ${result}, ${err}")

if(REFERENCE AND expected_end STREQUAL "abort" AND NOT CASE STREQUAL "returns")
    execute_process(COMMAND ${EMULATOR} ${REFERENCE} ${CASE} RESULT_VARIABLE ref_result
                    OUTPUT_VARIABLE ref_out ERROR_VARIABLE ref_err TIMEOUT 30)
    if(NOT ref_result STREQUAL "1" OR NOT ref_err MATCHES "${expected}")
        message(FATAL_ERROR "${CASE} with exceptions: expected exit code 1 and the same message, "
                            "got '${ref_result}' and:\n${ref_err}")
    endif()
    # The same text, not only the same pattern (the address of double_free differs).
    if(NOT CASE STREQUAL "double_free" AND NOT ref_err STREQUAL err)
        message(FATAL_ERROR "${CASE}: the messages differ\n  without exceptions: ${err}\n  with: ${ref_err}")
    endif()
    message(STATUS "${CASE} with exceptions: the same message, caught")
endif()
