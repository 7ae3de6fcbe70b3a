# cmake -D BUILD_DIR=<dir> -D TARGET=<target> -D CONFIG=<config> -D REASON=<regex>
#       -P expect_compile_failure.cmake
# Builds TARGET and succeeds only if the build fails with output matching REASON:
# a misuse that compiles, or fails for another reason, is a failed test.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} --config ${CONFIG}
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled: the misuse it holds is not refused")
endif()
if(NOT output MATCHES "${REASON}")
    message(FATAL_ERROR "${TARGET} failed to compile, but not with \"${REASON}\":\n${output}")
endif()
message(STATUS "${TARGET} is refused: \"${CMAKE_MATCH_0}\"")
