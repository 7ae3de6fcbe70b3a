# Settings for memreg's own tests, examples and benchmarks (never for users).

set(CMAKE_CXX_EXTENSIONS OFF)

# memreg_warnings(target): the warning set every memreg target must be clean under.
function(memreg_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
    # g++ 12 at -O2 reports a false -Wrestrict inside std::string::insert (GCC bug
    # 105329), reached from Boost.Iostreams' gzip filter; g++ 13 no longer does.
    target_compile_options(${target} PRIVATE
        $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
endfunction()

if(MEMREG_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()

