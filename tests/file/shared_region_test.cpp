#include <memreg/ops.hpp>
#include <memreg/shared.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>
#include <sys/wait.h>

#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include "support.hpp"

using memreg::access;
using memreg::shared_region;
using memreg::shared_remover;
using memreg_test::as_string;

namespace {

/// A shared-memory name no other test run uses.
std::string unique_name(const char* what) {
    static std::atomic<int> counter{0};
    return "memreg-test-" + std::to_string(::getpid()) + "-" + what + "-" + std::to_string(counter++);
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const memreg::file_error& e) {
        return e.what();
    }
    return "no file_error";
}

}  // namespace

TEST_CASE("a shared_region is the same bytes under every mapping of its name", "[shared]") {
    shared_remover remover(unique_name("same"));
    shared_region a = shared_region::create(remover.name(), 4096);
    CHECK(a.size() == 4096);
    CHECK(a.mode() == access::read_write);
    CHECK(std::all_of(a.region().begin(), a.region().end(), [](std::byte b) { return b == std::byte{0}; }));
    std::memcpy(a.region().data(), "shared", 6);

    shared_region b = shared_region::open(remover.name());
    CHECK(b.size() == 4096);
    CHECK(as_string(b.const_region().first(6)) == "shared");
    std::memcpy(b.region().data() + 100, "back", 4);
    CHECK(as_string(a.const_region().subregion(100, 4)) == "back");
}

namespace {

template <class Shared>
concept can_clear = requires(Shared& s) { memreg::clear(s); };
template <class Shared>
concept can_create = requires {
    Shared::create("x", 1);
    Shared::open_or_create("x", 1);
};

}  // namespace

TEST_CASE("read_only and copy_on_write mappings of a shared_region", "[shared]") {
    shared_remover remover(unique_name("modes"));
    shared_region writer = shared_region::create(remover.name(), 64);
    std::memcpy(writer.region().data(), "original", 8);

    memreg::read_only_shared_region reader = memreg::read_only_shared_region::open(remover.name());
    CHECK(reader.mode() == access::read_only);
    CHECK(as_string(reader.region().first(8)) == "original");
    STATIC_REQUIRE(std::is_same_v<decltype(reader.region()), memreg::const_region>);
    STATIC_REQUIRE_FALSE(can_clear<memreg::read_only_shared_region>);
    STATIC_REQUIRE(can_clear<memreg::copy_on_write_shared_region>);
    STATIC_REQUIRE_FALSE(can_create<memreg::read_only_shared_region>);
    STATIC_REQUIRE_FALSE(can_create<memreg::copy_on_write_shared_region>);
    STATIC_REQUIRE(can_create<shared_region>);
    CHECK(memreg::equal(reader.region().first(8), std::string_view("original")));

    memreg::copy_on_write_shared_region mine = memreg::copy_on_write_shared_region::open(remover.name());
    CHECK(mine.mode() == access::copy_on_write);
    std::memcpy(mine.region().data(), "PRIVATE!", 8);
    CHECK(as_string(mine.const_region().first(8)) == "PRIVATE!");
    CHECK(as_string(writer.const_region().first(8)) == "original");
    CHECK(as_string(reader.const_region().first(8)) == "original");
}

TEST_CASE("open_or_create creates once, then opens, and grows a smaller object", "[shared]") {
    shared_remover remover(unique_name("ooc"));
    shared_region first = shared_region::open_or_create(remover.name(), 100);
    CHECK(first.size() == 100);
    first.region()[0] = std::byte{42};
    shared_region second = shared_region::open_or_create(remover.name(), 100);
    CHECK(second.const_region()[0] == std::byte{42});
    shared_region bigger = shared_region::open_or_create(remover.name(), 10000);
    CHECK(bigger.size() == 10000);
    CHECK(bigger.const_region()[0] == std::byte{42});
    CHECK(bigger.const_region()[9999] == std::byte{0});
    CHECK(shared_region::open(remover.name()).size() == 10000);
}

TEST_CASE("an empty shared-memory object maps to an empty region", "[shared]") {
    shared_remover remover(unique_name("empty"));
    shared_region s = shared_region::create(remover.name(), 0);
    CHECK(s.is_open());
    CHECK(s.empty());
    CHECK(memreg::read_only_shared_region::open(remover.name()).const_region().empty());
}

TEST_CASE("remove and shared_remover take the name away", "[shared]") {
    const std::string name = unique_name("remove");
    {
        shared_remover remover(name);
        (void)shared_region::create(name, 10);
        CHECK_NOTHROW(shared_region::open(name));
    }
    CHECK(error_of([&] { (void)shared_region::open(name); }) ==
          "open(name=" + name + ", access=read_write): No such file or directory");
    (void)shared_region::create(name, 10);
    CHECK(shared_region::remove(name));
    CHECK_FALSE(shared_region::remove(name));

    shared_remover kept(name);
    (void)shared_region::create(name, 10);
    kept.release();
    CHECK(shared_region::remove(name));
}

TEST_CASE("shared_region errors name the object and the reason", "[shared][error]") {
    shared_remover remover(unique_name("errors"));
    (void)shared_region::create(remover.name(), 16);
    try {
        (void)shared_region::create(remover.name(), 16);
        FAIL("created twice");
    } catch (const memreg::file_error& e) {
        CHECK(std::string(e.what()) == "create(name=" + remover.name() + ", size=16): File exists");
        CHECK(e.code() == std::errc::file_exists);
        CHECK(e.path() == remover.name());
    }
    CHECK(error_of([] { (void)memreg::read_only_shared_region::open("memreg-no-such-object"); }) ==
          "open(name=memreg-no-such-object, access=read_only): No such file or directory");
    CHECK(error_of([] { (void)shared_region::create("bad/name", 1); }) ==
          "create(name=bad/name, size=1): Invalid argument");

    // Objects are created rw-r--r--: another user may read but not write them.
    // Made read-only for the owner too (Linux keeps them in /dev/shm), the check
    // is the same whether the child runs as nobody (under root) or as the owner.
    std::filesystem::permissions("/dev/shm/" + remover.name(),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                     std::filesystem::perms::others_read);
    const auto result = memreg_test::as_unprivileged([&](int fd) {
        std::string report = std::to_string(memreg::read_only_shared_region::open(remover.name()).size());
        report += "; " + error_of([&] { (void)shared_region::open(remover.name()); });
        memreg_test::send(fd, report);
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "16; open(name=" + remover.name() + ", access=read_write): Permission denied");
}

namespace {

struct shared_counter {
    boost::interprocess::interprocess_mutex mutex;
    std::uint64_t value = 0;
};

}  // namespace

TEST_CASE("4 processes increment a shared counter 10 000 times each under a mutex", "[shared][process]") {
    shared_remover remover(unique_name("counter"));
    shared_region parent = shared_region::create(remover.name(), sizeof(shared_counter));
    auto* counter = new (parent.region().data()) shared_counter;

    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
        const pid_t pid = memreg_test::fork_child();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int code = 0;
            try {
                // Each child maps the object itself, by name.
                shared_region mine = shared_region::open(remover.name());
                auto* c = reinterpret_cast<shared_counter*>(mine.region().data());
                for (int n = 0; n < 10000; ++n) {
                    boost::interprocess::scoped_lock<boost::interprocess::interprocess_mutex> lock(c->mutex);
                    // A read, a pause and a write: without the lock, increments get lost.
                    const std::uint64_t seen = c->value;
                    if (n % 1000 == 0) ::sched_yield();
                    c->value = seen + 1;
                }
            } catch (...) {
                code = 1;
            }
            ::_exit(code);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    CHECK(counter->value == 40000);
    counter->~shared_counter();
}

TEST_CASE("processes racing to open_or_create all map the same object", "[shared][process]") {
    shared_remover remover(unique_name("race"));
    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
        const pid_t pid = memreg_test::fork_child();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int code = 0;
            try {
                shared_region s = shared_region::open_or_create(remover.name(), 4096);
                s.region()[static_cast<std::size_t>(i) * 1000] = static_cast<std::byte>('A' + i);
            } catch (...) {
                code = 1;
            }
            ::_exit(code);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    const memreg::read_only_shared_region s = memreg::read_only_shared_region::open(remover.name());
    REQUIRE(s.size() == 4096);
    const memreg::const_region r = s.region();
    CHECK(std::string{char(r[0]), char(r[1000]), char(r[2000]), char(r[3000])} == "ABCD");
}

TEST_CASE("shared_region is move-only and close unmaps", "[shared]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<shared_region>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<shared_region>);
    shared_remover remover(unique_name("move"));
    shared_region a = shared_region::create(remover.name(), 10);
    const std::byte* where = a.const_region().data();
    shared_region b = std::move(a);
    CHECK_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(a.empty());
    CHECK(b.const_region().data() == where);  // moving keeps the mapping
    CHECK(b.name() == remover.name());
    b.close();
    CHECK_FALSE(b.is_open());
    CHECK(b.const_region().empty());
}

TEST_CASE("a shared_region that cannot get its memory is an error, and leaves no object", "[shared][error]") {
    // RLIMIT_FSIZE limits shared-memory objects as it limits files: the same
    // failure as a full /dev/shm, at create() instead of a SIGBUS on first use.
    const std::string name = unique_name("full");
    shared_remover remover(name);
    const auto result = memreg_test::with_file_size_limit(64 * 1024, [&](int fd) {
        try {
            (void)shared_region::create(name, 1 << 20);
            memreg_test::send(fd, "created");
        } catch (const memreg::file_error& e) {
            memreg_test::send(fd, std::string(e.what()) + (e.code() == std::errc::file_too_large ? " [EFBIG]" : ""));
        }
    });
    REQUIRE(result.exited_ok());
    CHECK(result.output == "create(name=" + name + ", size=1048576): File too large [EFBIG]");
    CHECK_FALSE(shared_region::remove(name));  // create() removed what it had made
}

TEST_CASE("create, open and open_or_create with error: failures reported, nothing thrown or left",
          "[shared][error_code]") {
    const std::string name = unique_name("error-code");
    shared_remover remover(name);
    std::error_code error = make_error_code(std::errc::interrupted);  // cleared on success

    shared_region missing = shared_region::open(name, error);
    CHECK(error == std::errc::no_such_file_or_directory);
    CHECK_FALSE(missing.is_open());
    CHECK(missing.empty());
    const memreg::read_only_shared_region missing_ro = memreg::read_only_shared_region::open(name, error);
    CHECK(error == std::errc::no_such_file_or_directory);
    CHECK_FALSE(missing_ro.is_open());

    // Larger than any object can be: refused after the name was made, which goes again.
    const shared_region huge = shared_region::create(name, SIZE_MAX, error);
    CHECK(error == std::errc::file_too_large);
    CHECK_FALSE(huge.is_open());
    CHECK_FALSE(shared_region::remove(name));
    const shared_region bad = shared_region::create("bad/name", 16, error);
    CHECK(error == std::errc::invalid_argument);
    CHECK_FALSE(bad.is_open());

    shared_region made = shared_region::create(name, 16, error);
    CHECK_FALSE(error);
    REQUIRE(made.size() == 16);
    memreg::fill(made.region(), std::byte{'x'});
    const shared_region again = shared_region::create(name, 16, error);
    CHECK(error == std::errc::file_exists);
    CHECK_FALSE(again.is_open());
    CHECK(as_string(made.region()) == std::string(16, 'x'));  // the object is untouched

    error = make_error_code(std::errc::interrupted);
    const memreg::read_only_shared_region opened = memreg::read_only_shared_region::open(name, error);
    CHECK_FALSE(error);
    CHECK(as_string(opened.region()) == std::string(16, 'x'));

    const shared_region grown = shared_region::open_or_create(name, SIZE_MAX, error);
    CHECK(error == std::errc::file_too_large);
    CHECK_FALSE(grown.is_open());
    const shared_region bad_name = shared_region::open_or_create("bad/name", 16, error);
    CHECK(error == std::errc::invalid_argument);
    CHECK_FALSE(bad_name.is_open());
    const shared_region same = shared_region::open_or_create(name, 8, error);
    CHECK_FALSE(error);
    CHECK(as_string(same.region()) == std::string(8, 'x'));
}

TEST_CASE("to_region sees a mapped shared_region", "[shared]") {
    shared_remover remover(unique_name("to-region"));
    shared_region s = shared_region::create(remover.name(), 32);
    const memreg::region r = memreg::to_region(s);
    CHECK(r.size() == 32);
    const memreg::const_region c = memreg::to_region(std::as_const(s));
    CHECK(c.data() == r.data());
}
