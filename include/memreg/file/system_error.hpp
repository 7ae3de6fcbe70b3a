// memreg/file/system_error.hpp — turning failed system calls into file_error.
//
// Every message has the operation, the path (or shared-memory name) and the
// system's reason: "open(path=/tmp/x, access=read_write): Permission denied".
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>

#include <fcntl.h>
#include <sys/types.h>

#include <boost/interprocess/exceptions.hpp>

#include "../error.hpp"
#include "file_error.hpp"

namespace memreg::detail {

[[nodiscard]] inline std::error_code system_code(int number) noexcept {
    return {number, std::system_category()};
}

/// Throws file_error with `operation`'s message and the reason the code gives.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_file_error(message operation,
                                                                    std::error_code code,
                                                                    const std::string& path) {
    MEMREG_THROW(file_error(operation.because(code.message()), code, path));
}

/// Throws file_error with a reason of memreg's own (a size check, not a system call).
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_file_error(message operation,
                                                                    std::error_code code,
                                                                    const std::string& path,
                                                                    std::string_view reason) {
    MEMREG_THROW(file_error(operation.because(reason), code, path));
}

/// The std::error_code forms of the file operations: runs f() and returns its
/// result, or, when f throws file_error (a failed system call, a missing file, a
/// range outside the file, a full disk), stores its code in `error` and returns a
/// default result (a closed mapping). `error` is cleared on success. Misuse
/// (bad_argument, invalidated) and std::bad_alloc still throw.
template <class F>
auto report_file_error(std::error_code& error, F&& f) -> decltype(f()) {
    error.clear();
    try {
        return f();
    } catch (const file_error& e) {
        error = e.code();
    }
    if constexpr (!std::is_void_v<decltype(f())>) return {};
}

/// The error_code behind a Boost.Interprocess exception: the errno it saw if it
/// saw one, else the nearest standard condition to Boost's own error kind.
[[nodiscard]] inline std::error_code code_of(
    const boost::interprocess::interprocess_exception& e) noexcept {
    namespace bip = boost::interprocess;
    if (e.get_native_error() != 0) return system_code(e.get_native_error());
    switch (e.get_error_code()) {
        case bip::not_found_error:
        case bip::not_such_file_or_directory: return make_error_code(std::errc::no_such_file_or_directory);
        case bip::already_exists_error: return make_error_code(std::errc::file_exists);
        case bip::security_error: return make_error_code(std::errc::permission_denied);
        case bip::is_directory_error: return make_error_code(std::errc::is_a_directory);
        case bip::out_of_space_error: return make_error_code(std::errc::no_space_on_device);
        case bip::out_of_memory_error: return make_error_code(std::errc::not_enough_memory);
        case bip::read_only_error: return make_error_code(std::errc::read_only_file_system);
        default: return make_error_code(std::errc::invalid_argument);
    }
}

/// Reserves [offset, offset + length) on disk so that a later store into the
/// mapping cannot die of SIGBUS when the disk is full: posix_fallocate reports
/// ENOSPC (or EFBIG past RLIMIT_FSIZE) now, as an error code. 0 on success.
[[nodiscard]] inline int reserve(int fd, off_t offset, off_t length) noexcept {
    int result = EINTR;
    while (result == EINTR) result = ::posix_fallocate(fd, offset, length);
    return result;
}

}  // namespace memreg::detail
