// The std::error_code forms of the mapped-file operations (issue 13): a failure of the
// system is reported in the error_code, nothing is thrown, and the result is closed
// (or, for resize, the file and mapping are as they were); success clears the code.
#include <memreg/file.hpp>
#include <memreg/ops.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <system_error>

#include "support.hpp"

using memreg::copy_on_write_file;
using memreg::read_only_file;
using memreg::read_write_file;
using memreg_test::read_file;
using memreg_test::temp_dir;
using memreg_test::write_file;

TEST_CASE("open(path, error): a missing file, a directory, a range outside the file", "[file][error_code]") {
    temp_dir dir;
    std::error_code error = make_error_code(std::errc::interrupted);  // cleared on success

    const read_only_file missing = read_only_file::open(dir / "nope", error);
    CHECK(error == std::errc::no_such_file_or_directory);
    CHECK_FALSE(missing.is_open());
    CHECK(missing.empty());

    const read_write_file directory = read_write_file::open(dir.path(), error);
    CHECK(error == std::errc::is_a_directory);
    CHECK_FALSE(directory.is_open());

    write_file(dir / "small", std::string(16, 's'));
    const copy_on_write_file outside = copy_on_write_file::open(dir / "small", error, 10, 20);
    CHECK(error == std::errc::invalid_argument);
    CHECK_FALSE(outside.is_open());

    const read_only_file part = read_only_file::open(dir / "small", error, 4, 8);
    CHECK_FALSE(error);
    REQUIRE(part.is_open());
    CHECK(memreg_test::as_string(part.const_region()) == std::string(8, 's'));
}

TEST_CASE("create(path, size, error): an existing file, then a new one", "[file][error_code]") {
    temp_dir dir;
    write_file(dir / "there", "kept");
    std::error_code error;
    const read_write_file exists = read_write_file::create(dir / "there", 8, error);
    CHECK(error == std::errc::file_exists);
    CHECK_FALSE(exists.is_open());
    CHECK(read_file(dir / "there") == "kept");

    read_write_file made = read_write_file::create(dir / "new", 8, error);
    CHECK_FALSE(error);
    REQUIRE(made.size() == 8);
    memreg::fill(made.region(), std::byte{'n'});
    made.flush(error);
    CHECK_FALSE(error);
    CHECK(read_file(dir / "new") == std::string(8, 'n'));

    const read_write_file overwritten = read_write_file::create(dir / "there", 2, error, memreg::if_exists::overwrite);
    CHECK_FALSE(error);
    CHECK(overwritten.size() == 2);
}

TEST_CASE("create and resize with error on a full disk", "[file][error_code]") {
    temp_dir dir;
    write_file(dir / "full.bin", std::string(4096, 'k'));
    const auto result = memreg_test::with_file_size_limit(64 * 1024, [&](int fd) {
        std::error_code error;
        const read_write_file none = read_write_file::create(dir / "big.bin", 1 << 20, error);
        std::string report = error == std::errc::file_too_large && !none.is_open() ? "create EFBIG" : "create wrong";
        read_write_file f = read_write_file::open(dir / "full.bin");
        f.resize(1 << 20, error);
        report += error == std::errc::file_too_large ? ", resize EFBIG" : ", resize wrong";
        report += " size=" + std::to_string(f.size()) + " " + memreg_test::as_string(f.const_region().last(3));
        f.resize(8192, error);
        report += error ? ", grow within the limit failed" : ", grown to " + std::to_string(f.size());
        memreg_test::send(fd, report);
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "create EFBIG, resize EFBIG size=4096 kkk, grown to 8192");
    CHECK_FALSE(std::filesystem::exists(dir / "big.bin"));
}

TEST_CASE("resize(n, error) still throws for misuse", "[file][error_code]") {
    temp_dir dir;
    write_file(dir / "part", std::string(64, 'p'));
    read_write_file part = read_write_file::open(dir / "part", 0, 16);
    std::error_code error;
    CHECK_THROWS_AS(part.resize(32, error), memreg::bad_argument);
}
