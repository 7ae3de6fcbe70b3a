// The runtime-mode mapped_file of memreg 0.x, kept (deprecated) for one version:
// it still works, and misusing a read_only one is a clear error, never
// std::terminate from a noexcept operation.
#include <memreg/file.hpp>
#include <memreg/ops.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "support.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using memreg::access;
using memreg::mapped_file;
using memreg_test::as_string;
using memreg_test::read_file;
using memreg_test::temp_dir;
using memreg_test::write_file;

TEST_CASE("the deprecated mapped_file refuses a mutable region of a read_only mapping", "[file][deprecated]") {
    temp_dir dir;
    const auto path = dir / "ro.txt";
    write_file(path, "read me");
    mapped_file f = mapped_file::open(path);
    CHECK(f.mode() == access::read_only);
    const mapped_file& view = f;
    STATIC_REQUIRE(std::is_same_v<decltype(view.region()), memreg::const_region>);
    CHECK(as_string(view.region()) == "read me");
    const std::string message =
        "region(path=" + path.string() + "): the file is mapped read_only; use const_region()";
    CHECK_THROWS_MATCHES(f.region(), memreg::bad_argument, Catch::Message(message));
    // The operations are noexcept only where to_region cannot throw: here they throw.
    const std::string same = "read me";
    STATIC_REQUIRE_FALSE(noexcept(memreg::equal(f, same)));
    CHECK_THROWS_MATCHES((void)memreg::equal(f, same), memreg::bad_argument, Catch::Message(message));
    CHECK_THROWS_AS(memreg::clear(f), memreg::bad_argument);
    CHECK_THROWS_AS((void)memreg::find(f, std::byte{'r'}), memreg::bad_argument);
    CHECK(memreg::equal(view, same));
    CHECK(read_file(path) == "read me");
}

TEST_CASE("the deprecated mapped_file writes, creates and resizes as before", "[file][deprecated]") {
    temp_dir dir;
    const auto path = dir / "rw.bin";
    mapped_file f = mapped_file::create(path, 4);
    CHECK(f.mode() == access::read_write);
    memreg::fill(f, std::byte{'x'});
    f.resize(6);
    f.flush();
    CHECK(read_file(path) == std::string("xxxx\0\0", 6));
    const std::string name = path.string();
    mapped_file ro = mapped_file::open(path, access::read_only);
    CHECK_THROWS_MATCHES(ro.resize(10), memreg::bad_argument,
                         Catch::Message("resize(path=" + name +
                                        ", size=10): the file is mapped read_only; resize needs read_write"));
    mapped_file cow = mapped_file::open(path, access::copy_on_write);
    CHECK_THROWS_MATCHES(cow.resize(10), memreg::bad_argument,
                         Catch::Message("resize(path=" + name +
                                        ", size=10): the file is mapped copy_on_write; resize needs read_write"));
    memreg::clear(cow);
    CHECK(read_file(path) == std::string("xxxx\0\0", 6));
}
