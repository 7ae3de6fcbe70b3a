// memreg without exceptions. Built twice from this file: noexcept_test with
// -fno-exceptions (checks go to the error handler) and noexcept_reference with
// exceptions (the same checks throw). run_case.cmake runs both on each failing case
// and requires the same message: on stderr after "memreg: " from the default
// handler, which must then abort, and from the reference's catch in main.
//
//   noexcept_test ok         every core header, checked operations that succeed
//   noexcept_test <case>     one failing check (the names below)
//   noexcept_test custom     a handler of the program's own gets the exception
//   noexcept_test returns    a handler that returns: memreg aborts anyway
#include <memreg/core.hpp>
#include <memreg/describe.hpp>
#include <memreg/pack.hpp>
#include <memreg/span.hpp>
#include <memreg/stream.hpp>
#include <memreg/view.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#if MEMREG_EXCEPTIONS != NOEXCEPT_TEST_EXCEPTIONS
#error "MEMREG_EXCEPTIONS does not follow the compiler's exceptions setting"
#endif

#if !MEMREG_EXCEPTIONS && defined(BOOST_NO_EXCEPTIONS)
// Boost's headers (Endian, Iostreams) report their own errors through this without
// exceptions; memreg's checks never reach it.
namespace boost {
void throw_exception(const std::exception& e) {
    std::fprintf(stderr, "boost: %s\n", e.what());
    std::abort();
}
}  // namespace boost
#endif

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

struct pack_values {
    [[nodiscard]] std::int64_t integer(int k) const { return k == 1 ? 42 : 7; }
    [[nodiscard]] double number(int) const { return 1.5; }
    [[nodiscard]] std::string_view string(int) const { return "name"; }
};

struct pack_sink {
    std::int64_t got = 0;
    void integer(std::int64_t v) { got = v; }
    void number(double) {}
    void string(std::string_view) {}
};

const char* const pixel_declarations =
    "typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;\n"
    "struct image { uint32_t width, height; rgba_pixel pixels[16]; unsigned flags : 3; };";

// Checked operations that succeed change nothing without exceptions.
int run_ok() {
    std::array<unsigned char, 16> bytes{};
    const memreg::region r = memreg::to_region(bytes);
    memreg::fill(r.subregion(4, 8), std::byte{7});
    expect(bytes[3] == 0 && bytes[4] == 7 && bytes[11] == 7 && bytes[12] == 0, "subregion + fill");
    expect(r.at(4) == std::byte{7} && r.first(4).size() == 4 && r.last(2).size() == 2, "at, first, last");

    memreg::arena<> arena;
    const memreg::region page = memreg::allocate(arena, 64, 16);
    expect(page.size() == 64 && memreg::copy(page, bytes) == 16, "arena allocate");
    // A marker rewind would refuse: try_rewind says so, and arena_scope, whose
    // arena was reset inside it, has nothing to rewind (no handler either way).
    const auto before = arena.mark();
    {
        memreg::arena_scope scope(arena);
        (void)memreg::allocate(arena, 32, 16);
        arena.reset();
    }
    expect(!arena.try_rewind(before), "try_rewind of a marker taken before a reset: false");
    const auto start = arena.mark();
    const memreg::region scratch = memreg::allocate(arena, 48, 16);
    expect(arena.try_rewind(start) && memreg::allocate(arena, 48, 16).data() == scratch.data(),
           "try_rewind gives the memory back");
    memreg::heap<> heap({.initial = 64 * 1024, .maximum = 256 * 1024});
    const memreg::region block = memreg::allocate(heap, 100, 16);
    expect(block.size() == 100, "heap allocate");
    expect(heap.try_allocate(1 << 20, 16).empty(), "heap try_allocate past the maximum: empty, no handler");
    memreg::deallocate(heap, block, 16);
    heap.validate();
    std::error_code heap_error;
    memreg::heap<> refused({.initial = 8192, .maximum = 4096}, heap_error);
    expect(heap_error == std::errc::invalid_argument && refused.stats().capacity_bytes == 0,
           "heap(options, error) with an initial size above the maximum: invalid_argument, no handler");
    memreg::arena<> small_upstream(memreg::arena_options{.first_chunk = 4096, .limit = 4096});
    memreg::heap<memreg::arena<>> starved(small_upstream, {.initial = 64 * 1024}, heap_error);
    expect(heap_error == std::errc::not_enough_memory, "heap(upstream, options, error) the upstream refuses: not_enough_memory");
    memreg::heap<> made({.initial = 8192}, heap_error);
    expect(!heap_error && made.stats().capacity_bytes >= 8192, "heap(options, error) that succeeds clears the error");
    // What can fail for outside reasons reports instead: no handler is called.
    std::array<std::byte, 256> small{};
    memreg::arena<> bounded(memreg::to_region(small));
    expect(memreg::try_allocate(bounded, 1024, 16).empty(), "try_allocate past a fixed arena: empty");
    memreg::owned_region<memreg::arena<>> owned = memreg::try_make_owned(bounded, 64, 16);
    expect(owned.size() == 64, "try_make_owned that fits");
    expect(memreg::try_make_owned(bounded, 1024, 16).empty(), "try_make_owned past the arena: empty");
    memreg::fill(owned.region(), std::byte{5});
    expect(!owned.try_resize(4096) && owned.size() == 64 && owned.region()[63] == std::byte{5},
           "try_resize past the arena: false, the region as it was");
    expect(owned.try_resize(128) && owned.size() == 128 && owned.region()[63] == std::byte{5},
           "try_resize that fits keeps the contents");
    memreg::owned_region<> system = memreg::try_make_owned(100);
    expect(system.size() == 100 && system.try_resize(200) && system.size() == 200, "try_make_owned from malloc");
    memreg::pool<> pool(32);
    const memreg::region slot = memreg::allocate(pool, 32, 8);
    expect(slot.size() == 32, "pool allocate");
    memreg::deallocate(pool, slot, 8);
    pool.validate();

    // The parser's on_error bodies run and succeed: their frames must be gone after.
    memreg::cdecl::registry types;
    types.define(pixel_declarations);
    const memreg::layout image = types.type("struct image");
    std::vector<std::byte> memory(image.size());
    memreg::struct_view img(image, memreg::to_region(memory));
    img.set("width", 4);
    img.at("pixels")[3].set("red", 200);
    expect(img.get<int>("pixels[3].red") == 200 && img.get<int>("width") == 4, "cdecl + struct_view");
    expect(image.size() == 76 && types.type("rgba_pixel").size() == 4, "cdecl sizes (the bit-field's unit)");

    std::array<std::byte, 32> packed{};
    const std::size_t end = memreg::pack(memreg::to_region(packed), 0, "<i4 z d", pack_values{});
    pack_sink sink;
    expect(memreg::unpack(memreg::to_region(packed), 0, "<i4", sink) == 4 && sink.got == 42 && end == 17,
           "pack + unpack");
    memreg::store<std::uint32_t>(r, 0, 0x01020304u, std::endian::big);
    expect(memreg::load<std::uint32_t>(r, 0, std::endian::big) == 0x01020304u && bytes[0] == 1, "load + store");

    // The handler can be read and replaced; nullptr restores the default.
    const memreg::error_handler original = memreg::get_error_handler();
    const auto other = +[](const std::exception&) { std::_Exit(9); };
    expect(memreg::set_error_handler(other) == original && memreg::get_error_handler() == other,
           "set_error_handler returns the previous handler");
    expect(memreg::set_error_handler(nullptr) == other && memreg::get_error_handler() == original,
           "set_error_handler(nullptr) restores the default");

    std::printf("memreg %s: checked operations without failures, %s exceptions: %s\n",
                MEMREG_VERSION_STRING, MEMREG_EXCEPTIONS ? "with" : "without", failures == 0 ? "ok" : "WRONG");
    return failures == 0 ? 0 : 1;
}

// One failing check each; returning from here means the check did not report.
void run_failing(std::string_view name) {
    std::array<unsigned char, 16> bytes{};
    const memreg::region r = memreg::to_region(bytes);
    if (name == "subregion") {
        (void)r.subregion(12, 8);
    } else if (name == "at") {
        (void)r.at(16);
    } else if (name == "allocate") {
        std::array<std::byte, 256> buffer{};
        memreg::arena<> arena(memreg::to_region(buffer));
        (void)memreg::allocate(arena, 1024, 16);
    } else if (name == "alignment") {
        memreg::arena<> arena;
        (void)memreg::allocate(arena, 8, 3);
    } else if (name == "double_free") {
        memreg::pool<> pool(32);
        const memreg::region slot = memreg::allocate(pool, 32, 8);
        memreg::deallocate(pool, slot, 8);
        memreg::deallocate(pool, slot, 8);
        pool.validate();
    } else if (name == "cdecl_syntax") {
        memreg::cdecl::registry types;
        types.define("struct s { int x };");
    } else if (name == "cdecl_layout") {
        // layout_builder raises bad_argument inside the parser's on_error: the
        // handler must get the parser's parse_error, with the line and column.
        memreg::cdecl::registry types;
        types.define("struct ok { int a : 3; };\nstruct wide {\n  int x : 40;\n};");
    } else if (name == "builder_after_cdecl") {
        // After on_error bodies that succeeded, a bad_argument of layout_builder's
        // own is reported as itself (no parse_error frame is left behind).
        memreg::cdecl::registry types;
        types.define(pixel_declarations);
        memreg::layout_builder builder(memreg::layout_kind::struct_, "struct t");
        builder.add_bitfield("x", memreg::layout::of_scalar(memreg::scalar_kind::int32), 40);
    } else if (name == "struct_view") {
        memreg::cdecl::registry types;
        types.define(pixel_declarations);
        std::vector<std::byte> memory(types.type("struct image").size());
        memreg::struct_view img(types.type("struct image"), memreg::to_region(memory));
        img.set("pixels[0].red", 300);
    } else if (name == "pack") {
        std::array<std::byte, 32> packed{};
        (void)memreg::pack(memreg::to_region(packed), 0, "<i4 y", pack_values{});
    } else if (name == "unaligned_span") {
        (void)memreg::unaligned_span<std::uint32_t>(r.first(6));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view name = argc > 1 ? argv[1] : "ok";
    if (name == "ok") return run_ok();
#if MEMREG_EXCEPTIONS
    try {
        run_failing(name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "memreg: %s\n", e.what());  // what the default handler prints
        return 1;
    }
#else
    if (name == "custom") {
        memreg::set_error_handler([](const std::exception& e) {
            const bool typed = dynamic_cast<const memreg::out_of_range*>(&e) != nullptr;
            std::fprintf(stderr, "custom handler (%s): %s\n", typed ? "memreg::out_of_range" : "another class",
                         e.what());
            std::_Exit(3);
        });
        run_failing("subregion");
    } else if (name == "returns") {
        memreg::set_error_handler([](const std::exception& e) { std::fprintf(stderr, "returning: %s\n", e.what()); });
        run_failing("subregion");
    } else {
        run_failing(name);
    }
#endif
    std::fprintf(stderr, "case '%.*s': no check failed\n", static_cast<int>(name.size()), name.data());
    return 2;
}
