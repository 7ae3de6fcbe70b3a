// Every way opening, creating or growing a file can fail, with its message.
#include <memreg/file.hpp>

#include <catch2/catch.hpp>

#include <string>

#include <sys/stat.h>

#include "support.hpp"

using memreg::access;
using memreg::copy_on_write_file;
using memreg::read_only_file;
using memreg::read_write_file;
using memreg_test::read_file;
using memreg_test::temp_dir;
using memreg_test::write_file;

namespace {

template <class F>
memreg::file_error file_error_from(F&& f) {
    try {
        f();
    } catch (const memreg::file_error& e) {
        return e;
    }
    FAIL("no file_error thrown");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a missing file", "[file][error]") {
    temp_dir dir;
    const auto path = dir / "nope";
    const auto e = file_error_from([&] { (void)read_write_file::open(path); });
    CHECK(std::string(e.what()) == "open(path=" + path.string() + ", access=read_write): No such file or directory");
    CHECK(e.code() == std::errc::no_such_file_or_directory);
    CHECK(e.path() == path.string());
    STATIC_REQUIRE(std::is_base_of_v<memreg::error, memreg::file_error>);
}

TEST_CASE("create in a directory that does not exist", "[file][error]") {
    temp_dir dir;
    const auto path = dir / "no-such-dir" / "new.bin";
    const auto e = file_error_from([&] { (void)read_write_file::create(path, 4096); });
    CHECK(std::string(e.what()) == "create(path=" + path.string() + ", size=4096): No such file or directory");
    CHECK(e.code() == std::errc::no_such_file_or_directory);
}

TEST_CASE("a directory or another non-regular file", "[file][error]") {
    temp_dir dir;
    const auto e = file_error_from([&] { (void)read_only_file::open(dir.path()); });
    CHECK(std::string(e.what()) == "open(path=" + dir.path().string() + ", access=read_only): Is a directory");
    CHECK(e.code() == std::errc::is_a_directory);

    // A FIFO would block open(): it is refused before that.
    const auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto f = file_error_from([&] { (void)read_write_file::open(fifo); });
    CHECK(std::string(f.what()) == "open(path=" + fifo.string() + ", access=read_write): not a regular file");
    CHECK(f.code() == std::errc::invalid_argument);

    const auto c = file_error_from([&] { (void)read_write_file::create(dir.path(), 8); });
    CHECK(std::string(c.what()) == "create(path=" + dir.path().string() + ", size=8): File exists");
}

TEST_CASE("permission denied, and a read-only file mapped read_write", "[file][error]") {
    // The modes deny the owner too, so the test is the same for root (whose child
    // runs as nobody) and for any other user (whose child runs as the owner).
    namespace fs = std::filesystem;
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec);
    const auto secret = dir / "secret";
    const auto readonly = dir / "readonly";
    const auto locked = dir / "locked";
    write_file(secret, "secret");
    write_file(readonly, "read only");
    fs::create_directory(locked);
    fs::permissions(secret, fs::perms::none);
    fs::permissions(readonly, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read |
                                fs::perms::others_exec);

    const auto result = memreg_test::as_unprivileged([&](int fd) {
        std::string report;
        try {
            (void)read_only_file::open(secret);
        } catch (const memreg::file_error& e) {
            report += std::string(e.what()) + (e.code() == std::errc::permission_denied ? " [EACCES]\n" : "\n");
        }
        {
            read_only_file ok = read_only_file::open(readonly);  // reading it is allowed
            report += memreg_test::as_string(ok.const_region()) + "\n";
        }
        try {
            (void)read_write_file::open(readonly);
        } catch (const memreg::file_error& e) {
            report += std::string(e.what()) + (e.code() == std::errc::permission_denied ? " [EACCES]\n" : "\n");
        }
        try {
            (void)read_write_file::create(locked / "new", 1);
        } catch (const memreg::file_error& e) {
            report += std::string(e.what()) + "\n";
        }
        memreg_test::send(fd, report);
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "open(path=" + secret.string() + ", access=read_only): Permission denied [EACCES]\n"
                           "read only\n"
                           "open(path=" + readonly.string() + ", access=read_write): Permission denied [EACCES]\n"
                           "create(path=" + (locked / "new").string() + ", size=1): Permission denied\n");
    CHECK_FALSE(fs::exists(locked / "new"));
}

TEST_CASE("a file too small for the offset and length asked for", "[file][error]") {
    temp_dir dir;
    const auto path = dir / "small";
    write_file(path, std::string(16, 's'));
    const std::string name = path.string();

    auto e = file_error_from([&] { (void)read_only_file::open(path, 10, 20); });
    CHECK(std::string(e.what()) == "open(path=" + name + ", access=read_only, offset=10, length=20): outside file of size 16");
    CHECK(e.code() == std::errc::invalid_argument);

    e = file_error_from([&] { (void)copy_on_write_file::open(path, 17); });
    CHECK(std::string(e.what()) == "open(path=" + name + ", access=copy_on_write, offset=17): outside file of size 16");

    e = file_error_from([&] { (void)read_write_file::open(path, 0, 17); });
    CHECK(std::string(e.what()) == "open(path=" + name + ", access=read_write, length=17): outside file of size 16");

    // A length that would wrap past the end of the address space is still just too long.
    e = file_error_from([&] { (void)read_only_file::open(path, 8, read_only_file::to_end - 4); });
    CHECK(std::string(e.what()) == "open(path=" + name + ", access=read_only, offset=8, length=" +
                                       std::to_string(read_only_file::to_end - 4) + "): outside file of size 16");
}

TEST_CASE("disk full on create leaves no file behind", "[file][error]") {
    temp_dir dir;
    const auto path = dir / "full.bin";
    const auto result = memreg_test::with_file_size_limit(64 * 1024, [&](int fd) {
        try {
            (void)read_write_file::create(path, 1 << 20);
            memreg_test::send(fd, "created");
        } catch (const memreg::file_error& e) {
            memreg_test::send(fd, std::string(e.what()) + (e.code() == std::errc::file_too_large ? " [EFBIG]" : ""));
        }
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "create(path=" + path.string() + ", size=1048576): File too large [EFBIG]");
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("disk full on resize leaves the file and the mapping as they were", "[file][error]") {
    temp_dir dir;
    const auto path = dir / "full.bin";
    write_file(path, std::string(4096, 'k'));
    const auto result = memreg_test::with_file_size_limit(64 * 1024, [&](int fd) {
        read_write_file f = read_write_file::open(path);
        try {
            f.resize(1 << 20);
            memreg_test::send(fd, "resized");
        } catch (const memreg::file_error& e) {
            memreg_test::send(fd, std::string(e.what()) + " size=" + std::to_string(f.size()) + " " +
                                      memreg_test::as_string(f.const_region().last(3)));
        }
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "resize(path=" + path.string() + ", size=1048576): File too large size=4096 kkk");
    CHECK(read_file(path) == std::string(4096, 'k'));
}
