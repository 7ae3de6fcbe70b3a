// file_stats: maps each file named on the command line and reports its size,
// lines, words and CRC-32, like `wc` and `cksum` in one pass over the mapping.
//
//   file_stats [--check] FILE...
//
// --check also computes the figures by reading the file with std::ifstream and
// exits non-zero if the two disagree (the example test runs it that way).
#include <memreg/file.hpp>

#include <boost/crc.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace {

struct stats {
    std::size_t bytes = 0;
    std::size_t lines = 0;
    std::size_t words = 0;
    std::uint32_t crc = 0;
    friend bool operator==(const stats&, const stats&) = default;
};

bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

stats measure(memreg::const_region bytes) {
    stats s;
    s.bytes = bytes.size();
    bool in_word = false;
    for (const std::byte b : bytes) {
        const auto c = static_cast<unsigned char>(b);
        s.lines += c == '\n';
        const bool space = is_space(c);
        s.words += !space && !in_word;
        in_word = !space;
    }
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data(), bytes.size());
    s.crc = crc.checksum();
    return s;
}

/// The same figures from a plain stream read: the cross-check for --check.
stats measure_by_stream(const char* path) {
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return measure({reinterpret_cast<const std::byte*>(text.data()), text.size()});
}

}  // namespace

int main(int argc, char** argv) {
    bool check = false;
    int failures = 0;
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--check") {
            check = true;
            continue;
        }
        ++files;
        try {
            memreg::read_only_file file = memreg::read_only_file::open(argv[i]);
            file.advise(memreg::advice::sequential);  // one front-to-back pass
            const stats s = measure(file.const_region());
            std::printf("%10zu bytes %8zu lines %8zu words  crc32 %08x  %s\n", s.bytes, s.lines, s.words,
                        static_cast<unsigned>(s.crc), argv[i]);
            if (check && !(s == measure_by_stream(argv[i]))) {
                std::fprintf(stderr, "file_stats: %s: the mapping and std::ifstream disagree\n", argv[i]);
                ++failures;
            }
        } catch (const memreg::file_error& e) {
            // e.g. "open(path=/nope, access=read_only): No such file or directory"
            std::fprintf(stderr, "file_stats: %s\n", e.what());
            ++failures;
        }
    }
    if (files == 0) {
        std::fprintf(stderr, "usage: file_stats [--check] FILE...\n");
        return 2;
    }
    return failures == 0 ? 0 : 1;
}
