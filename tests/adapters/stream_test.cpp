#include <memreg/arena.hpp>
#include <memreg/stream.hpp>

#include <catch2/catch.hpp>

#include <boost/core/ref.hpp>
#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/counter.hpp>
#ifndef MEMREG_TEST_NO_BOOST_IOSTREAMS_LIBRARY  // gzip needs the library
#include <boost/iostreams/filter/gzip.hpp>
#endif
#include <boost/iostreams/filtering_stream.hpp>

#include <sys/mman.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using memreg::const_region;
using memreg::region;

namespace {

region of(std::string& s) { return {reinterpret_cast<std::byte*>(s.data()), s.size()}; }
const_region of(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

#ifndef MEMREG_TEST_NO_BOOST_IOSTREAMS_LIBRARY  // what the gzip test uses
/// CTest's build folder for this test, or the system's temporary folder when the
/// program is run by hand.
std::string test_dir() {
    const char* dir = std::getenv("MEMREG_TEST_DIR");
    return dir ? dir : std::filesystem::temp_directory_path().string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const_region bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// Text that compresses but is not trivial: words drawn at random.
std::string sample_text(std::size_t n) {
    static const char* words[] = {"region ", "arena ", "pool ", "heap ", "span ", "view ", "stream\n"};
    std::mt19937 random(7);
    std::string s;
    while (s.size() < n) s += words[random() % 7];
    s.resize(n);
    return s;
}
#endif

}  // namespace

TEST_CASE("an istream reads the region and reports EOF at its end", "[stream]") {
    const std::string text = "12 34 hello";
    memreg::istream in(of(text));
    int a = 0, b = 0;
    std::string word;
    in >> a >> b >> word;
    CHECK(a == 12);
    CHECK(b == 34);
    CHECK(word == "hello");
    CHECK(in.eof());
    in.clear();
    in.seekg(3);
    char buffer[16] = {};
    in.read(buffer, sizeof buffer);
    CHECK(in.gcount() == 8);
    CHECK(std::string(buffer, 8) == "34 hello");
    CHECK(in.eof());
    // The stream reads the region itself: a change to the bytes is seen.
    std::string mutable_text = "abc";
    memreg::istream direct(const_region(of(mutable_text)));
    mutable_text[0] = 'x';
    CHECK(direct.get() == 'x');
}

TEST_CASE("an ostream writes into the region and fails visibly past its end", "[stream][error]") {
    std::string storage(12, '.');
    memreg::ostream out(of(storage).first(8));
    out << "abc" << 42;
    CHECK(out.good());
    CHECK(out.tellp() == 5);
    out << "overflowing";
    CHECK(out.bad());
    CHECK(storage == "abc42ove....");  // filled to the end, nothing written beyond
}

TEST_CASE("an iostream reads and writes through one position", "[stream]") {
    std::string storage(8, '\0');
    memreg::iostream io(of(storage));
    io.write("wxyz", 4);
    CHECK(io.tellg() == 4);
    io.seekg(1);
    char c[2] = {};
    io.read(c, 2);
    CHECK(std::string(c, 2) == "xy");
    io.seekp(0, std::ios::end);
    CHECK(io.tellp() == 8);
    CHECK(io.get() == std::char_traits<char>::eof());
}

TEST_CASE("seeking outside the region fails; memreg::seek says where", "[stream][error]") {
    const std::string text = "0123456789";
    memreg::istream in(of(text));
    in.seekg(-1);
    CHECK(in.fail());
    in.clear();
    in.seekg(11);
    CHECK(in.fail());
    in.clear();
    CHECK_THROWS_MATCHES(memreg::seek(in, -1, std::ios::beg), memreg::out_of_range,
                         Catch::Message("seek(offset=-1, way=beg): outside region of size 10"));
    CHECK_THROWS_MATCHES(memreg::seek(in, 1, std::ios::end), memreg::out_of_range,
                         Catch::Message("seek(offset=1, way=end): outside region of size 10"));
    memreg::seek(in, 4, std::ios::beg);
    CHECK_THROWS_MATCHES(memreg::seek(in, -5, std::ios::cur), memreg::out_of_range,
                         Catch::Message("seek(offset=-5, way=cur): outside region of size 10"));
    memreg::seek(in, -2, std::ios::end);
    CHECK(in.get() == '8');
    std::string storage(4, ' ');
    memreg::ostream out(of(storage));
    CHECK_THROWS_MATCHES(memreg::seek(out, 5, std::ios::beg), memreg::out_of_range,
                         Catch::Message("seek(offset=5, way=beg): outside region of size 4"));
    memreg::seek(out, 4, std::ios::beg);
    CHECK(out.tellp() == 4);
}

TEST_CASE("a growing_device grows its owned region as it is written", "[stream][growing]") {
    memreg::malloc_allocator heap;
    memreg::growing_device<> device(heap, 16);
    CHECK(device.capacity() == 64);
    memreg::growing_stream<> out(device);
    for (int i = 0; i < 1000; ++i) out << i << ' ';
    out.flush();
    std::ostringstream expected;
    for (int i = 0; i < 1000; ++i) expected << i << ' ';
    CHECK(device.size() == expected.str().size());
    CHECK(device.capacity() >= device.size());
    const memreg::const_region written = device.region();
    CHECK(std::string(reinterpret_cast<const char*>(written.data()), written.size()) == expected.str());
    out.seekg(0);
    int first = -1;
    out >> first;
    CHECK(first == 0);
}

TEST_CASE("a growing_device over a bounded arena fails visibly when the arena is full",
          "[stream][growing][error]") {
    alignas(16) std::array<std::byte, 512> buffer{};
    memreg::arena<> bounded(region(buffer.data(), buffer.size()));
    memreg::growing_device<memreg::arena<>> device(bounded);
    CHECK_THROWS_AS(device.write(std::string(1000, 'x').data(), 1000), memreg::allocation_failure);
    CHECK(device.size() == 0);  // nothing was written
    CHECK(device.write("abc", 3) == 3);
    CHECK(device.region().data() >= buffer.data());
    CHECK(device.region().data() < buffer.data() + buffer.size());  // the bytes live in the arena
    memreg::growing_stream<memreg::arena<>> out(device);
    out << std::string(1000, 'y');
    out.flush();
    CHECK(out.bad());
}

TEST_CASE("a growing_device refuses seeks outside what was written", "[stream][growing][error]") {
    memreg::growing_device<> device;
    CHECK(device.write("abcd", 4) == 4);
    CHECK_THROWS_MATCHES(device.seek(-1, std::ios::beg), memreg::out_of_range,
                         Catch::Message("growing_device::seek(offset=-1, way=beg): outside the written size 4"));
    CHECK_THROWS_MATCHES(device.seek(1, std::ios::end), memreg::out_of_range,
                         Catch::Message("growing_device::seek(offset=1, way=end): outside the written size 4"));
    CHECK(device.seek(-1, std::ios::end) == 3);
    char c = 0;
    CHECK(device.read(&c, 1) == 1);
    CHECK(c == 'd');
    CHECK(device.read(&c, 1) == -1);
    // Through a stream with exceptions on, the device's own error comes out.
    memreg::growing_stream<> s(device);
    s.exceptions(std::ios::badbit);
    CHECK_THROWS_AS(s.seekg(-1), memreg::out_of_range);
}

#ifndef MEMREG_TEST_NO_BOOST_IOSTREAMS_LIBRARY
TEST_CASE("gzip through a region stream round-trips with the system's gzip", "[stream][gzip]") {
    const std::string original = sample_text(200'000);
    const std::string dir = test_dir();

    // Compress into a fixed region through a filter chain; count what reached it.
    std::vector<std::byte> compressed(original.size());
    boost::iostreams::counter written;
    {
        boost::iostreams::filtering_ostream out;
        out.push(boost::iostreams::gzip_compressor());
        out.push(boost::ref(written));
        out.push(memreg::region_sink(region(compressed.data(), compressed.size())));
        out.write(original.data(), static_cast<std::streamsize>(original.size()));
        CHECK(out.good());
    }
    const auto size = static_cast<std::size_t>(written.characters());
    REQUIRE(size > 0);
    CHECK(size < original.size() / 3);
    write_file(dir + "/memreg_region.gz", region(compressed.data(), size));
    REQUIRE(std::system(("gzip -d -c '" + dir + "/memreg_region.gz' > '" + dir + "/memreg_region.out'").c_str()) == 0);
    CHECK(read_file(dir + "/memreg_region.out") == original);

    // The other way: a file the system's gzip made, decompressed from a region.
    write_file(dir + "/memreg_plain.txt", of(original));
    REQUIRE(std::system(("gzip -9 -n -c '" + dir + "/memreg_plain.txt' > '" + dir + "/memreg_plain.txt.gz'").c_str()) == 0);
    const std::string gz = read_file(dir + "/memreg_plain.txt.gz");
    boost::iostreams::filtering_istream in;
    in.push(boost::iostreams::gzip_decompressor());
    in.push(memreg::region_source(of(gz)));
    const std::string decompressed{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    CHECK(decompressed == original);

    // And into a growing region, which needs no size guess.
    memreg::growing_device<> grown;
    {
        boost::iostreams::filtering_ostream out;
        out.push(boost::iostreams::gzip_compressor());
        out.push(grown);
        out << original;
    }
    CHECK(grown.size() == size);
}
#endif  // MEMREG_TEST_NO_BOOST_IOSTREAMS_LIBRARY

TEST_CASE("streams over more than 2 GiB: read-only works, writable is refused (boostorg/iostreams#164)",
          "[stream][large]") {
    constexpr std::size_t size = std::size_t{3} << 30;  // 3 GiB of address space, no memory
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        WARN("could not reserve 3 GiB of address space; skipped");
        return;
    }
    const region big(static_cast<std::byte*>(p), size);
    {
        memreg::istream in{const_region(big)};
        const std::streamoff far = (std::streamoff{5} << 29) + 3;  // 2.5 GiB + 3
        in.seekg(far);
        char bytes[4] = {1, 1, 1, 1};
        in.read(bytes, 4);
        CHECK(in.gcount() == 4);
        CHECK(bytes[0] == 0);
        CHECK(in.tellg() == far + 4);
        memreg::seek(in, -1, std::ios::end);
        CHECK(in.tellg() == static_cast<std::streamoff>(size - 1));
    }
    CHECK_THROWS_MATCHES(memreg::region_device(big), memreg::out_of_range,
                         Catch::Message("region_device(size=3221225472): a writable Boost.Iostreams stream over "
                                        "more than 2147483647 bytes reports wrong positions "
                                        "(boostorg/iostreams#164); write through subregions or read with region_source"));
    CHECK_THROWS_AS(memreg::region_sink(big), memreg::out_of_range);
    CHECK_NOTHROW(memreg::region_sink(big.first(memreg::max_writable_stream_size)));
    ::munmap(p, size);
}
