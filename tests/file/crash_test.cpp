// A process that flushed and then died by SIGKILL loses none of the flushed bytes.
#include <memreg/file.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <string>

#include <csignal>
#include <unistd.h>
#include <sys/wait.h>

#include "support.hpp"

TEST_CASE("every flushed byte survives a child killed by SIGKILL", "[file][process]") {
    memreg_test::temp_dir dir;
    const auto path = dir / "journal.bin";
    constexpr std::size_t size = 1 << 20;
    (void)memreg::read_write_file::create(path, size);

    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = memreg_test::fork_child();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        memreg::read_write_file f = memreg::read_write_file::open(path);
        const memreg::region r = f.region();
        // The first half: records, then a flush, then tell the parent.
        for (std::size_t i = 0; i < size / 2; ++i) r[i] = static_cast<std::byte>(i * 31 % 251);
        f.flush();
        [[maybe_unused]] auto n = ::write(ready[1], "F", 1);
        // The second half: keep storing until killed, never flushed (for 10 s at
        // most; fork_child's child dies with the parent, should the parent fail first).
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (unsigned round = 0; std::chrono::steady_clock::now() < give_up; ++round)
            for (std::size_t i = size / 2; i < size; ++i) r[i] = static_cast<std::byte>(round);
        ::_exit(3);
    }
    ::close(ready[1]);
    char signal_byte = 0;
    REQUIRE(::read(ready[0], &signal_byte, 1) == 1);
    ::close(ready[0]);
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    const std::string contents = memreg_test::read_file(path);
    REQUIRE(contents.size() == size);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < size / 2; ++i)
        if (static_cast<unsigned char>(contents[i]) != i * 31 % 251) ++wrong;
    CHECK(wrong == 0);
}

// The documented caveat: when another process truncates a mapped file, touching
// the pages past the new end raises SIGBUS. This checks that the docs are right.
// AddressSanitizer catches SIGBUS itself: then the child reports it and fails.
#if defined(__SANITIZE_ADDRESS__)
#define MEMREG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMREG_TEST_ASAN 1
#endif
#endif

TEST_CASE("a file truncated under a mapping raises SIGBUS on access", "[file][process]") {
    memreg_test::temp_dir dir;
    const auto path = dir / "shrinks.bin";
    (void)memreg::read_write_file::create(path, 4 * 4096);
    int report[2];
    REQUIRE(::pipe(report) == 0);
    const pid_t child = memreg_test::fork_child();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(report[0]);
        ::dup2(report[1], 2);  // the sanitizer's report, if any, goes to the parent
        memreg::read_only_file f = memreg::read_only_file::open(path);
        std::filesystem::resize_file(path, 4096);  // as another process might
        const volatile std::byte* last = f.const_region().data() + 3 * 4096;
        [[maybe_unused]] const std::byte b = *last;  // SIGBUS here
        ::_exit(0);
    }
    ::close(report[1]);
    std::string output;
    char buffer[256];
    for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) output.append(buffer, static_cast<std::size_t>(n));
    ::close(report[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
#ifdef MEMREG_TEST_ASAN
    CHECK_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_THAT(output, Catch::Contains("BUS"));
#else
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGBUS);
#endif
}
