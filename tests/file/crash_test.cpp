// A process that flushed and then died by SIGKILL loses none of the flushed bytes.
#include <memreg/file.hpp>

#include <catch2/catch.hpp>

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
    (void)memreg::mapped_file::create(path, size);

    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        memreg::mapped_file f = memreg::mapped_file::open(path, memreg::access::read_write);
        const memreg::region r = f.region();
        // The first half: records, then a flush, then tell the parent.
        for (std::size_t i = 0; i < size / 2; ++i) r[i] = static_cast<std::byte>(i * 31 % 251);
        f.flush();
        [[maybe_unused]] auto n = ::write(ready[1], "F", 1);
        // The second half: keep storing until killed, never flushed.
        for (unsigned round = 0;; ++round)
            for (std::size_t i = size / 2; i < size; ++i) r[i] = static_cast<std::byte>(round);
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
