#include <memreg/shared.hpp>
#include <memreg/arena.hpp>
#include <memreg/std_adapters.hpp>
#include <memreg/to_region.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "support.hpp"

namespace bip = boost::interprocess;
using memreg::segment_allocator;
using memreg::segment_handle;
using memreg_test::as_string;

namespace {

std::string unique_name(const char* what) {
    static std::atomic<int> counter{0};
    return "memreg-test-" + std::to_string(::getpid()) + "-" + what + "-" + std::to_string(counter++);
}

bool aligned(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

/// A node of a singly linked list of strings, linked by handles, not pointers.
struct node_header {
    segment_handle next;
    std::uint32_t length;
};

/// Builds the list {words...} in the segment and stores its head under "head".
template <class Segment>
void build_list(Segment& segment, const std::vector<std::string>& words) {
    segment_allocator alloc(segment);
    segment_handle head{};
    for (auto word = words.rbegin(); word != words.rend(); ++word) {
        const memreg::region r = memreg::allocate(alloc, sizeof(node_header) + word->size(), alignof(node_header));
        const node_header header{head, static_cast<std::uint32_t>(word->size())};
        std::memcpy(r.data(), &header, sizeof header);
        std::memcpy(r.data() + sizeof header, word->data(), word->size());
        head = alloc.handle(r);
    }
    *segment.template construct<segment_handle>("head")() = head;
}

/// Reads the list back, in whichever process this is.
template <class Segment>
std::vector<std::string> read_list(Segment& segment) {
    segment_allocator alloc(segment);
    std::vector<std::string> words;
    const auto found = segment.template find<segment_handle>("head");
    if (found.first == nullptr) throw std::runtime_error("no list in the segment");
    for (segment_handle h = *found.first; h.size != 0;) {
        const memreg::region r = alloc.at(h);
        node_header header;
        std::memcpy(&header, r.data(), sizeof header);
        words.push_back(as_string(r.subregion(sizeof header, header.length)));
        h = header.next;
    }
    return words;
}

}  // namespace

TEST_CASE("segment_allocator is a memreg allocator over a managed segment", "[segment]") {
    STATIC_REQUIRE(memreg::allocator<segment_allocator<bip::managed_shared_memory::segment_manager>>);
    STATIC_REQUIRE(memreg::allocator<segment_allocator<bip::managed_mapped_file::segment_manager>>);
    STATIC_REQUIRE(std::is_trivially_copyable_v<segment_handle>);

    memreg::shared_remover remover(unique_name("alloc"));
    bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 64 * 1024);
    segment_allocator alloc(segment);
    const std::size_t free_at_start = alloc.free_memory();

    const memreg::region r = memreg::allocate(alloc, 1000);
    CHECK(r.size() == 1000);
    CHECK(alloc.segment().contains(r));
    CHECK(alloc.free_memory() < free_at_start);
    for (std::size_t alignment : {std::size_t{1}, std::size_t{64}, std::size_t{4096}}) {
        const memreg::region a = memreg::allocate(alloc, 24, alignment);
        CHECK(aligned(a.data(), alignment));
        memreg::deallocate(alloc, a, alignment);
    }
    memreg::deallocate(alloc, r);
    CHECK(alloc.free_memory() == free_at_start);

    CHECK(alloc.try_allocate(0, 8).empty());
    CHECK(alloc.try_allocate(8, 3).empty());
    CHECK(alloc.try_allocate(1 << 20, 8).empty());
    CHECK_THROWS_MATCHES(memreg::allocate(alloc, 1 << 20), memreg::allocation_failure,
                         Catch::Message("allocate(size=1048576, alignment=" +
                                        std::to_string(alignof(std::max_align_t)) +  // 8 on s390x
                                        "): the allocator could not provide the memory"));

}

TEST_CASE("segment_allocator resizes in place where the segment has room", "[segment]") {
    using shared_alloc = segment_allocator<bip::managed_shared_memory::segment_manager>;
    STATIC_REQUIRE(memreg::resizable_allocator<shared_alloc>);
    memreg::shared_remover remover(unique_name("realloc"));
    bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 64 * 1024);
    shared_alloc alloc(segment);
    const std::size_t free_at_start = alloc.free_memory();

    // The newest block has free space after it: it grows where it is.
    memreg::region a = memreg::allocate(alloc, 100);
    std::memcpy(a.data(), "abcd", 4);
    std::byte* const where = a.data();
    a = memreg::reallocate(alloc, a, 5000);
    CHECK(a.data() == where);
    CHECK(a.size() == 5000);
    CHECK(as_string(a.first(4)) == "abcd");

    // Shrinking stays in place and gives the tail back to the segment.
    const std::size_t free_before_shrink = alloc.free_memory();
    a = memreg::reallocate(alloc, a, 64);
    CHECK(a.data() == where);
    CHECK(a.size() == 64);
    CHECK(alloc.free_memory() > free_before_shrink);
    CHECK(as_string(a.first(4)) == "abcd");

    // A block with a neighbour after it grows by moving; the neighbour is untouched.
    memreg::region b = memreg::allocate(alloc, 16);
    std::memcpy(b.data(), "neighbour here!!", 16);
    a = memreg::reallocate(alloc, a, 20000);
    CHECK(a.size() == 20000);
    CHECK(as_string(a.first(4)) == "abcd");
    CHECK(as_string(b) == "neighbour here!!");

    // Too big: an empty region, and the block is still there.
    CHECK(alloc.try_reallocate(a, 1 << 20, 16).empty());
    CHECK(as_string(a.first(4)) == "abcd");
    CHECK(alloc.try_reallocate(a, 100, 3).empty());

    // An over-aligned block keeps its alignment.
    memreg::region c = memreg::allocate(alloc, 32, 256);
    c = memreg::reallocate(alloc, c, 3000, 256);
    CHECK(aligned(c.data(), 256));

    memreg::deallocate(alloc, c, 256);
    memreg::deallocate(alloc, b);
    CHECK(memreg::reallocate(alloc, a, 0).empty());  // frees it
    CHECK(alloc.free_memory() == free_at_start);
}

TEST_CASE("segment handles name blocks and refuse what is outside the segment", "[segment]") {
    memreg::shared_remover remover(unique_name("handles"));
    bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 16 * 1024);
    segment_allocator alloc(segment);
    const memreg::region r = memreg::allocate(alloc, 100);
    const segment_handle h = alloc.handle(r);
    CHECK(h.size == 100);
    CHECK(alloc.at(h).data() == r.data());
    CHECK(alloc.at(h).size() == 100);

    const std::size_t size = alloc.segment().size();
    char outside[8] = {};
    CHECK_THROWS_MATCHES(alloc.handle(memreg::to_region(outside)), memreg::out_of_range,
                         Catch::Message("segment_allocator::handle(size=8): the region is not inside the segment "
                                        "of size " + std::to_string(size)));
    CHECK_THROWS_MATCHES(alloc.at(segment_handle{size - 10, 11}), memreg::out_of_range,
                         Catch::Message("segment_allocator::at(offset=" + std::to_string(size - 10) +
                                        ", size=11): outside the segment of size " + std::to_string(size)));
    memreg::deallocate(alloc, r);
}

TEST_CASE("a list built in shared memory by one process is read by another", "[segment][process]") {
    memreg::shared_remover remover(unique_name("list"));
    const std::vector<std::string> words{"memory", "regions", "shared", "between", "processes"};

    // The child makes the segment and the list, then exits; the parent has never
    // mapped the segment before and may see it at another address.
    const auto built = memreg_test::in_child([&](int) {
        bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 64 * 1024);
        build_list(segment, words);
    });
    REQUIRE(built.exited_ok());
    bip::managed_shared_memory segment(bip::open_only, remover.name().c_str());
    CHECK(read_list(segment) == words);

    // And the other way round: the parent extends it, a fresh child reads it.
    segment_allocator alloc(segment);
    const memreg::region extra = memreg::allocate(alloc, sizeof(node_header) + 4, alignof(node_header));
    const node_header header{*segment.find<segment_handle>("head").first, 4};
    std::memcpy(extra.data(), &header, sizeof header);
    std::memcpy(extra.data() + sizeof header, "data", 4);
    *segment.find<segment_handle>("head").first = alloc.handle(extra);
    const auto read = memreg_test::in_child([&](int fd) {
        bip::managed_shared_memory mine(bip::open_only, remover.name().c_str());
        std::string joined;
        for (const auto& w : read_list(mine)) joined += w + " ";
        memreg_test::send(fd, joined);
    });
    REQUIRE(read.exited_ok());
    CHECK(read.output == "data memory regions shared between processes ");
}

TEST_CASE("a segment_allocator over a managed_mapped_file keeps its blocks in the file", "[segment]") {
    memreg_test::temp_dir dir;
    const std::string path = (dir / "segment.bin").string();
    const std::vector<std::string> words{"kept", "in", "a", "file"};
    {
        bip::managed_mapped_file file(bip::create_only, path.c_str(), 32 * 1024);
        build_list(file, words);
    }
    CHECK(std::filesystem::file_size(path) == 32 * 1024);
    const auto read = memreg_test::in_child([&](int fd) {
        bip::managed_mapped_file file(bip::open_read_only, path.c_str());
        std::string joined;
        for (const auto& w : read_list(file)) joined += w + " ";
        memreg_test::send(fd, joined);
    });
    REQUIRE(read.exited_ok());
    CHECK(read.output == "kept in a file ");
}

TEST_CASE("a memreg arena takes its chunks from a shared-memory segment", "[segment]") {
    memreg::shared_remover remover(unique_name("arena"));
    bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 256 * 1024);
    segment_allocator upstream(segment);
    const std::size_t free_at_start = upstream.free_memory();
    {
        memreg::arena<segment_allocator<bip::managed_shared_memory::segment_manager>> arena(
            upstream, memreg::arena_options{.first_chunk = 4096, .limit = 64 * 1024});
        std::vector<memreg::region> blocks;
        for (int i = 0; i < 100; ++i) blocks.push_back(memreg::allocate(arena, 100));
        for (const memreg::region& r : blocks) CHECK(upstream.segment().contains(r));
        CHECK(upstream.free_memory() < free_at_start);
        // The arena's limit holds inside the segment too.
        CHECK(arena.try_allocate(128 * 1024, 8).empty());
        arena.reset(memreg::reset_mode::release);
        CHECK(upstream.free_memory() == free_at_start);
        CHECK_FALSE(memreg::allocate(arena, 16).empty());
    }
    CHECK(upstream.free_memory() == free_at_start);  // the arena gave its chunks back when it died
}

TEST_CASE("a memreg arena over the bytes of a shared_region", "[segment]") {
    memreg::shared_remover remover(unique_name("fixed-arena"));
    memreg::shared_region shared = memreg::shared_region::create(remover.name(), 1024);
    memreg::arena<> arena(shared.region());
    const memreg::region a = memreg::allocate(arena, 1000, 1);
    CHECK(shared.region().contains(a));
    std::memcpy(a.data(), "via the arena", 13);
    CHECK(as_string(memreg::shared_region::open(remover.name()).const_region().first(13)) == "via the arena");
    CHECK(arena.try_allocate(100, 1).empty());  // a fixed arena never grows past its region
}

TEST_CASE("a std::vector on a segment_allocator, built by a child, read by its parent", "[segment][process]") {
    // std containers store raw pointers, so this holds where every process maps
    // the segment at the same address: here the child inherits the mapping by
    // fork. Unrelated processes link blocks by segment_handle instead (above).
    using shared_alloc = segment_allocator<bip::managed_shared_memory::segment_manager>;
    using shared_vector = std::vector<int, memreg::std_allocator<int, shared_alloc>>;
    memreg::shared_remover remover(unique_name("vector"));
    bip::managed_shared_memory segment(bip::create_only, remover.name().c_str(), 256 * 1024);
    shared_alloc alloc(segment);
    const std::size_t free_at_start = alloc.free_memory();

    const auto built = memreg_test::in_child([&](int) {
        auto* numbers = segment.construct<shared_vector>("numbers")(memreg::std_allocator<int, shared_alloc>(alloc));
        for (int i = 0; i < 10000; ++i) numbers->push_back(i * i);
    });
    REQUIRE(built.exited_ok());
    shared_vector* numbers = segment.find<shared_vector>("numbers").first;
    REQUIRE(numbers != nullptr);
    REQUIRE(numbers->size() == 10000);
    CHECK((*numbers)[9999] == 9999 * 9999);
    CHECK(alloc.segment().contains(memreg::to_region(*numbers)));
    segment.destroy<shared_vector>("numbers");
    CHECK(alloc.free_memory() == free_at_start);
}
