// memreg/file/file_error.hpp — the error of a failed file or shared-memory operation.
//
// Apart from error.hpp because it carries a std::error_code and a path, which
// <system_error> and <string> would make every memreg header pay for.
#pragma once

#include <string>
#include <system_error>
#include <utility>

#include "../error.hpp"

namespace memreg {

/// A failed operation on a file or shared-memory object; carries the system's code
/// and the path (or shared-memory name) it was done on.
class file_error : public error {
public:
    file_error(detail::text_source what, std::error_code code, std::string path)
        : error(std::move(what)), code_(code), path_(std::move(path)) {}
    [[nodiscard]] const std::error_code& code() const noexcept { return code_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::error_code code_;
    std::string path_;
};

}  // namespace memreg
