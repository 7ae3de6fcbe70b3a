// Helpers for the file and shared-memory tests: a temporary directory that cleans
// itself up, whole-file reads and writes with plain iostreams, and forked children.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include <csignal>
#include <cstdlib>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace memreg_test {

/// A fresh directory under /tmp (mkdtemp), removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = "/tmp/memreg-file-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ignored);
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string as_string(auto region) {
    return {reinterpret_cast<const char*>(region.data()), region.size()};
}

/// fork(), with the child killed when the test process ends: a child that waits
/// forever (on a lock, a pipe) must not outlive a failed or timed-out test and keep
/// CTest waiting on the output pipe it inherited.
inline pid_t fork_child() {
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);  // the parent died before prctl
    }
    return pid;
}

/// What a child process reported: how it ended and what it wrote to its pipe.
struct child_result {
    int status = 0;
    std::string output;
    [[nodiscard]] bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

/// Runs body(fd) in a forked child; the child may write text to fd (the parent
/// gets it as output) and exits 0 when body returns, 1 when it throws (with
/// what() as output). The parent waits and returns what happened.
inline child_result in_child(const std::function<void(int)>& body) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork_child();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(pipe_fds[0]);
        int code = 0;
        try {
            body(pipe_fds[1]);
        } catch (const std::exception& e) {
            const std::string what = e.what();
            [[maybe_unused]] auto n = ::write(pipe_fds[1], what.data(), what.size());
            code = 1;
        }
        ::_exit(code);  // no atexit handlers, no Catch2 teardown in the child
    }
    ::close(pipe_fds[1]);
    child_result result;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) break;
        result.output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    ::waitpid(pid, &result.status, 0);
    return result;
}

inline void send(int fd, const std::string& text) {
    [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
}

/// Permission checks do not apply to root: a test of "permission denied" runs
/// its body in a child that has given up root (as nobody) when it had it.
inline child_result as_unprivileged(const std::function<void(int)>& body) {
    return in_child([&](int fd) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            throw std::runtime_error("cannot drop root");
        body(fd);
    });
}

/// Runs body in a child whose files may not grow past `limit` bytes (as on a full
/// disk), with SIGXFSZ ignored so the system call fails instead of killing it.
inline child_result with_file_size_limit(rlim_t limit, const std::function<void(int)>& body) {
    return in_child([&](int fd) {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit r{limit, limit};
        if (::setrlimit(RLIMIT_FSIZE, &r) != 0) throw std::runtime_error("setrlimit failed");
        body(fd);
    });
}

}  // namespace memreg_test
