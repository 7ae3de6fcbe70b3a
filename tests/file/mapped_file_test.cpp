#include <memreg/file.hpp>
#include <memreg/ops.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <compare>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <sys/stat.h>

#include "support.hpp"

using memreg::access;
using memreg::copy_on_write_file;
using memreg::read_only_file;
using memreg::read_write_file;
using memreg_test::as_string;
using memreg_test::read_file;
using memreg_test::temp_dir;
using memreg_test::write_file;

namespace {

void put(memreg::region r, std::size_t offset, const std::string& text) {
    std::memcpy(r.subregion(offset, text.size()).data(), text.data(), text.size());
}

/// n bytes of a pattern that differs at every offset within a page.
std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

}  // namespace

TEST_CASE("create makes a zero-filled file of the size asked for", "[file]") {
    temp_dir dir;
    const auto path = dir / "new.bin";
    {
        read_write_file f = read_write_file::create(path, 10000);
        CHECK(f.is_open());
        CHECK(f.mode() == access::read_write);
        CHECK(f.size() == 10000);
        CHECK(f.path() == path);
        CHECK(std::all_of(f.region().begin(), f.region().end(), [](std::byte b) { return b == std::byte{0}; }));
    }
    CHECK(std::filesystem::file_size(path) == 10000);
    CHECK(read_file(path) == std::string(10000, '\0'));
}

TEST_CASE("create refuses to overwrite unless asked", "[file]") {
    temp_dir dir;
    const auto path = dir / "existing.txt";
    write_file(path, "keep me");
    try {
        (void)read_write_file::create(path, 16);
        FAIL("create overwrote an existing file");
    } catch (const memreg::file_error& e) {
        CHECK(std::string(e.what()) == "create(path=" + path.string() + ", size=16): File exists");
        CHECK(e.code() == std::errc::file_exists);
        CHECK(e.path() == path.string());
    }
    CHECK(read_file(path) == "keep me");

    read_write_file f = read_write_file::create(path, 4, memreg::if_exists::overwrite);
    CHECK(as_string(f.const_region()) == std::string(4, '\0'));
    CHECK(read_file(path) == std::string(4, '\0'));
}

TEST_CASE("read_write stores reach the file after flush", "[file]") {
    temp_dir dir;
    const auto path = dir / "data.txt";
    write_file(path, "hello, world");
    read_write_file f = read_write_file::open(path);
    REQUIRE(f.size() == 12);
    put(f.region(), 7, "there");
    f.flush();
    CHECK(read_file(path) == "hello, there");
    put(f.region(), 0, "HELLO");
    f.flush(memreg::flush_mode::async);
    // An asynchronous flush only schedules the write-back; the page cache already
    // holds the store, so a reader sees it either way.
    CHECK(read_file(path) == "HELLO, there");
}

TEST_CASE("flush can write back part of the mapping", "[file]") {
    temp_dir dir;
    const auto path = dir / "part.bin";
    const std::string contents = pattern(3 * 4096);
    write_file(path, contents);
    read_write_file f = read_write_file::open(path);
    put(f.region(), 5000, "flushed");
    f.flush(5000, 7);
    f.flush(4096, 0, memreg::flush_mode::async);  // nothing to do
    std::string expected = contents;
    expected.replace(5000, 7, "flushed");
    CHECK(read_file(path) == expected);
    CHECK_THROWS_MATCHES(f.flush(12000, 289), memreg::out_of_range,
                         Catch::Message("flush(offset=12000, count=289): outside region of size 12288"));
    read_only_file ro = read_only_file::open(path);
    CHECK_THROWS_AS(ro.flush(1, 12288), memreg::out_of_range);  // checked even where it is a no-op
    ro.flush(0, 12288);
}

namespace {

template <class File>
concept can_clear = requires(File& f) { memreg::clear(f); };
template <class File>
concept can_fill = requires(File& f) { memreg::fill(f, std::byte{1}); };
template <class File>
concept can_copy_into = requires(File& f, std::string& s) { memreg::copy(f, s); };
template <class File>
concept can_resize = requires(File& f) { f.resize(1); };
template <class File>
concept can_create = requires { File::create("x", 1); };
template <class File>
concept can_compare = requires(File& f, std::string& s) {
    memreg::equal(f, s);
    memreg::compare(f, s);
    memreg::find(f, s);
    memreg::find(f, std::byte{0});
};

}  // namespace

TEST_CASE("a read_only_file has no mutable region: writing to it does not compile", "[file]") {
    STATIC_REQUIRE(std::is_same_v<decltype(std::declval<read_only_file&>().region()), memreg::const_region>);
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(std::declval<read_only_file&>())), memreg::const_region>);
    STATIC_REQUIRE(noexcept(std::declval<read_only_file&>().region()));
    STATIC_REQUIRE_FALSE(can_clear<read_only_file>);
    STATIC_REQUIRE_FALSE(can_fill<read_only_file>);
    STATIC_REQUIRE_FALSE(can_copy_into<read_only_file>);
    STATIC_REQUIRE_FALSE(can_resize<read_only_file>);
    STATIC_REQUIRE_FALSE(can_create<read_only_file>);
    STATIC_REQUIRE(can_compare<read_only_file>);

    STATIC_REQUIRE(std::is_same_v<decltype(std::declval<read_write_file&>().region()), memreg::region>);
    STATIC_REQUIRE(noexcept(std::declval<read_write_file&>().region()));
    STATIC_REQUIRE(can_clear<read_write_file> && can_fill<read_write_file> && can_copy_into<read_write_file>);
    STATIC_REQUIRE(can_resize<read_write_file> && can_create<read_write_file>);

    STATIC_REQUIRE(std::is_same_v<decltype(std::declval<copy_on_write_file&>().region()), memreg::region>);
    STATIC_REQUIRE(can_clear<copy_on_write_file> && can_fill<copy_on_write_file>);
    STATIC_REQUIRE_FALSE(can_resize<copy_on_write_file>);
    STATIC_REQUIRE_FALSE(can_create<copy_on_write_file>);
}

TEST_CASE("read-only operations over a read_only_file read it", "[file]") {
    temp_dir dir;
    const auto path = dir / "ro.txt";
    write_file(path, "read me");
    read_only_file f = read_only_file::open(path);
    CHECK(f.mode() == access::read_only);
    CHECK(as_string(f.const_region()) == "read me");
    CHECK(as_string(f.region()) == "read me");
    const std::string same = "read me";
    const std::string other = "read you";
    CHECK(memreg::equal(f, same));
    CHECK_FALSE(memreg::equal(f, other));
    CHECK(memreg::compare(f, other) == std::strong_ordering::less);
    CHECK(memreg::find(f, std::string_view("me")) == 5);
    CHECK(memreg::find(f, std::byte{'d'}) == 3);
    std::string into(7, '.');
    CHECK(memreg::copy(into, f) == 7);
    CHECK(into == "read me");
    f.flush();  // nothing to write back: a no-op, not an error
    CHECK(read_file(path) == "read me");
}

TEST_CASE("copy_on_write changes never reach the file", "[file]") {
    temp_dir dir;
    const auto path = dir / "cow.txt";
    const std::string original = pattern(3 * 4096 + 10);
    write_file(path, original);
    copy_on_write_file cow = copy_on_write_file::open(path);
    read_only_file shared = read_only_file::open(path);
    std::memset(cow.region().data(), 'X', cow.size());
    cow.flush();
    CHECK(std::all_of(cow.region().begin(), cow.region().end(), [](std::byte b) { return b == std::byte{'X'}; }));
    CHECK(as_string(shared.const_region()) == original);
    cow.close();
    CHECK(read_file(path) == original);
}

TEST_CASE("an empty file maps to an empty region in every mode", "[file]") {
    temp_dir dir;
    const auto path = dir / "empty";
    write_file(path, "");
    const auto check_empty = [](auto f) {
        CHECK(f.is_open());
        CHECK(f.empty());
        CHECK(f.region().empty());
        CHECK(f.advise(memreg::advice::sequential));
        f.flush();
    };
    check_empty(read_only_file::open(path));
    check_empty(read_write_file::open(path));
    check_empty(copy_on_write_file::open(path));
    read_write_file created = read_write_file::create(dir / "created-empty", 0);
    CHECK(created.region().empty());
    CHECK(std::filesystem::file_size(dir / "created-empty") == 0);
}

TEST_CASE("part of a file maps at any offset", "[file]") {
    temp_dir dir;
    const auto path = dir / "big.bin";
    const std::string contents = pattern(3 * 4096 + 100);
    write_file(path, contents);

    SECTION("an offset that is not a page boundary, with a length") {
        read_only_file f = read_only_file::open(path, 5000, 100);
        CHECK(f.offset() == 5000);
        CHECK(as_string(f.const_region()) == contents.substr(5000, 100));
    }
    SECTION("from an offset to the end") {
        read_only_file f = read_only_file::open(path, 4096);
        CHECK(f.size() == contents.size() - 4096);
        CHECK(as_string(f.const_region()) == contents.substr(4096));
    }
    SECTION("at the end: empty") {
        read_only_file f = read_only_file::open(path, contents.size());
        CHECK(f.empty());
    }
    SECTION("writes through a partial read_write mapping land at the offset") {
        read_write_file f = read_write_file::open(path, 8190, 6);
        put(f.region(), 0, "ABCDEF");
        f.flush();
        std::string expected = contents;
        expected.replace(8190, 6, "ABCDEF");
        CHECK(read_file(path) == expected);
    }
}

TEST_CASE("resize grows and shrinks the file and keeps the contents", "[file]") {
    temp_dir dir;
    const auto path = dir / "grow.bin";
    const std::string start = pattern(5000);
    write_file(path, start);
    read_write_file f = read_write_file::open(path);

    f.resize(3 * 4096 + 1);
    CHECK(f.size() == 3 * 4096 + 1);
    CHECK(std::filesystem::file_size(path) == 3 * 4096 + 1);
    CHECK(as_string(f.const_region().first(5000)) == start);
    CHECK(as_string(f.const_region().subregion(5000)) == std::string(3 * 4096 + 1 - 5000, '\0'));
    put(f.region(), 3 * 4096, "Z");
    f.flush();
    CHECK(read_file(path) == start + std::string(3 * 4096 - 5000, '\0') + "Z");

    const std::byte* before = f.const_region().data();
    f.resize(f.size());  // no change: the mapping stays
    CHECK(f.const_region().data() == before);

    f.resize(100);
    CHECK(f.size() == 100);
    CHECK(read_file(path) == start.substr(0, 100));
    CHECK(as_string(f.const_region()) == start.substr(0, 100));

    f.resize(0);
    CHECK(f.empty());
    CHECK(std::filesystem::file_size(path) == 0);
    f.resize(3);
    CHECK(read_file(path) == std::string(3, '\0'));
}

TEST_CASE("resize needs an open, whole-file, read_write mapping", "[file]") {
    temp_dir dir;
    const auto path = dir / "r.bin";
    write_file(path, pattern(8192));
    const std::string name = path.string();

    // read_only and copy_on_write files have no resize (see the compile-time test).
    read_write_file part = read_write_file::open(path, 4096, 10);
    CHECK_THROWS_MATCHES(part.resize(20), memreg::bad_argument,
                         Catch::Message("resize(path=" + name +
                                        ", size=20): the mapping covers part of the file (offset=4096, "
                                        "length=10); resize needs all of it"));
    read_write_file closed;
    CHECK_THROWS_MATCHES(closed.resize(1), memreg::invalidated,
                         Catch::Message("resize(path=, size=1): the mapped_file is closed"));
    CHECK(std::filesystem::file_size(path) == 8192);
}

TEST_CASE("a mapped file is move-only and a moved-from one is closed", "[file]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<read_write_file>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<read_write_file>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<read_only_file>);
    temp_dir dir;
    write_file(dir / "m.txt", "move");
    read_write_file a = read_write_file::open(dir / "m.txt");
    read_write_file b = std::move(a);
    CHECK_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(a.empty());
    CHECK(as_string(b.const_region()) == "move");
    read_write_file c;
    c = std::move(b);
    CHECK(as_string(c.const_region()) == "move");
    c.close();
    CHECK_FALSE(c.is_open());
    CHECK(c.region().empty());
    CHECK(c.mode() == access::read_write);  // the type says so, closed or not
}

TEST_CASE("advise passes the hints to the kernel", "[file]") {
    temp_dir dir;
    write_file(dir / "a.bin", pattern(3 * 4096));
    read_only_file f = read_only_file::open(dir / "a.bin");
    // Linux has every one of them (posix_madvise).
    CHECK(f.advise(memreg::advice::sequential));
    CHECK(f.advise(memreg::advice::random));
    CHECK(f.advise(memreg::advice::willneed));
    CHECK(f.advise(memreg::advice::normal));
    CHECK(as_string(f.const_region()) == pattern(3 * 4096));
}

TEST_CASE("to_region sees a mapped file: mutable when writable, const when const", "[file]") {
    temp_dir dir;
    write_file(dir / "t.txt", "to_region");
    read_write_file f = read_write_file::open(dir / "t.txt");
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(f)), memreg::region>);
    STATIC_REQUIRE(std::is_same_v<decltype(memreg::to_region(std::as_const(f))), memreg::const_region>);
    CHECK(as_string(memreg::to_region(f)) == "to_region");
    read_only_file ro = read_only_file::open(dir / "t.txt");
    CHECK(as_string(memreg::to_region(ro)) == "to_region");  // a const_region: a read_only file is never a region
}
