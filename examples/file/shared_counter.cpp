// shared_counter: worker processes count into one shared-memory object.
//
//   shared_counter [WORKERS [INCREMENTS]]      (defaults: 4 workers, 10000 each)
//
// The parent creates the object and the mutex in it; each worker, forked after,
// opens the object by name (its own mapping) and increments under the mutex. The
// parent checks the total and exits non-zero if any increment was lost. The
// shared_remover makes sure the name is gone afterwards, even on an exception.
#include <memreg/shared.hpp>

#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

struct counter {
    boost::interprocess::interprocess_mutex mutex;
    std::uint64_t value = 0;
};

int work(const std::string& name, long increments) {
    try {
        memreg::shared_region shared = memreg::shared_region::open(name);
        auto* c = reinterpret_cast<counter*>(shared.region().data());
        for (long i = 0; i < increments; ++i) {
            boost::interprocess::scoped_lock<boost::interprocess::interprocess_mutex> lock(c->mutex);
            ++c->value;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", static_cast<int>(::getpid()), e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const long workers = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 4;
    const long increments = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 10000;
    if (workers < 1 || increments < 0) {
        std::fprintf(stderr, "usage: shared_counter [WORKERS [INCREMENTS]]\n");
        return 2;
    }
    memreg::shared_remover remover("memreg-example-counter-" + std::to_string(::getpid()));
    memreg::shared_region shared = memreg::shared_region::create(remover.name(), sizeof(counter));
    auto* c = new (shared.region().data()) counter;

    std::vector<pid_t> children;
    for (long w = 0; w < workers; ++w) {
        const pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("fork");
            return 1;
        }
        if (pid == 0) ::_exit(work(remover.name(), increments));
        children.push_back(pid);
    }
    int failed = 0;
    for (const pid_t pid : children) {
        int status = 0;
        if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
    const std::uint64_t expected = static_cast<std::uint64_t>(workers) * static_cast<std::uint64_t>(increments);
    std::printf("%ld workers x %ld increments in /dev/shm/%s: %llu (expected %llu)\n", workers, increments,
                remover.name().c_str(), static_cast<unsigned long long>(c->value),
                static_cast<unsigned long long>(expected));
    const bool ok = failed == 0 && c->value == expected;
    c->~counter();
    return ok ? 0 : 1;
}
