// error.hpp on its own: the message builder, the shared text exceptions carry, the
// exception classes' bases, and which classes on_error can name.
#include <memreg/error.hpp>

#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

using memreg::detail::message;
using memreg::detail::shared_text;

namespace {

enum class colour : short { red = -2, green = 7 };

std::string text(const shared_text& t) { return t.c_str(); }

}  // namespace

TEST_CASE("message names the operation and its arguments in order", "[error]") {
    CHECK(text(message("subregion").arg("offset", 12u).arg("count", std::size_t{8}).because(
              "outside region of size ", 16)) == "subregion(offset=12, count=8): outside region of size 16");
    CHECK(text(message("op").because("no arguments")) == "op(): no arguments");
    const std::string reason = "from a std::string";
    const std::string_view name = "viewed";
    CHECK(text(message(name).arg("s", reason).arg("v", name).because(reason, " and ", name)) ==
          "viewed(s=from a std::string, v=viewed): from a std::string and viewed");
}

TEST_CASE("message writes every integer exactly, signed ones with their sign", "[error]") {
    CHECK(text(message("n")
                   .arg("zero", 0)
                   .arg("neg", -5)
                   .arg("min", INT64_MIN)
                   .arg("max", UINT64_MAX)
                   .arg("char", 'c')
                   .arg("flag", true)
                   .arg("enum", colour::red)
                   .because(colour::green, ' ', false)) ==
          "n(zero=0, neg=-5, min=-9223372036854775808, max=18446744073709551615, char=c, flag=true, enum=-2): 7 false");
    CHECK(text(message("small").arg("s8", static_cast<signed char>(-128)).because(SHRT_MIN)) ==
          "small(s8=-128): -32768");
}

TEST_CASE("message writes addresses in hexadecimal", "[error]") {
    const auto* p = reinterpret_cast<const void*>(std::uintptr_t{0xdeadbeef});
    CHECK(text(message("free").arg("address", p).because("not a block")) == "free(address=0xdeadbeef): not a block");
    const int* null = nullptr;
    CHECK(text(message("free").arg("address", null).because("null")) == "free(address=0x0): null");
}

TEST_CASE("message grows past its first buffer and hands its text over once", "[error]") {
    const std::string long_reason(5000, 'x');
    message m("grow");
    for (int i = 0; i < 100; ++i) m.arg("i", i);
    const message copy = m;  // a copy is independent of what m becomes
    const shared_text first = m.because(long_reason);
    const std::string expected_start = "grow(i=0, i=1, i=2";
    CHECK(text(first).rfind(expected_start, 0) == 0);
    // "grow(" + 10 * "i=N" + 90 * "i=NN" + 99 * ", " + "): " + the reason
    CHECK(text(first).size() == 5 + 30 + 360 + 198 + 3 + 5000);
    CHECK(text(first).substr(text(first).size() - 5000) == long_reason);
    message copied = copy;
    CHECK(text(copied.because("done")).substr(0, expected_start.size()) == expected_start);
}

TEST_CASE("message cuts text past max_size and says so with ...", "[error]") {
    // A part longer than any message may be (on a 32-bit size_t a 3 GiB part once
    // made the buffer's doubling wrap to a 1-byte buffer): the text is cut, not lost.
    const std::string huge(message::max_size * 2, 'y');
    const std::string cut = text(message("big").arg("n", 1).because(huge, "never seen"));
    CHECK(cut.size() == message::max_size);
    CHECK(cut.rfind("big(n=1): yyy", 0) == 0);
    CHECK(cut.substr(cut.size() - 4) == "y...");
    // a cut builder drops later arguments; copies and moves keep the cut
    message m("args");
    m.arg("first", huge);
    message copied = m;
    message moved = std::move(m);
    const std::string copied_text = text(copied.arg("later", 2).because("x"));
    CHECK(copied_text.size() == message::max_size);
    CHECK(copied_text.find("later") == std::string::npos);
    CHECK(text(moved.because("x")) == copied_text);
    // exactly max_size characters fit without a cut
    const std::string fits(message::max_size - std::string("op(): ").size(), 'z');
    const std::string whole = text(message("op").because(fits));
    CHECK(whole.size() == message::max_size);
    CHECK(whole.substr(whole.size() - 3) == "zzz");
}

TEST_CASE("shared_text copies share one block and outlive the original", "[error]") {
    shared_text outer;
    CHECK(std::string(outer.c_str()) == "memreg: no memory left for the error message");
    {
        const shared_text t("hello", 5);
        const shared_text u = t;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the test
        CHECK(t.c_str() == u.c_str());
        outer = u;
    }
    CHECK(std::string(outer.c_str()) == "hello");
    const shared_text& same = outer;
    outer = same;  // self-assignment keeps the text
    CHECK(std::string(outer.c_str()) == "hello");
}

TEST_CASE("memreg's exceptions are std::exceptions whose copies keep the message", "[error]") {
    static_assert(std::is_base_of_v<std::exception, memreg::error>);
    static_assert(!std::is_base_of_v<std::runtime_error, memreg::error>);  // see CHANGELOG
    static_assert(std::is_base_of_v<memreg::error, memreg::out_of_range>);
    static_assert(std::is_base_of_v<memreg::error, memreg::parse_error>);
    static_assert(std::is_base_of_v<std::bad_alloc, memreg::allocation_failure>);
    static_assert(!std::is_base_of_v<memreg::error, memreg::allocation_failure>);
    static_assert(std::is_nothrow_copy_constructible_v<memreg::out_of_range>);
    static_assert(std::is_nothrow_copy_constructible_v<memreg::allocation_failure>);

    const memreg::bad_argument from_literal("a literal");
    const memreg::bad_argument from_string(std::string("a std::string"));
    const memreg::bad_argument from_message(message("op").arg("n", 3).because("built"));
    CHECK(std::string(from_literal.what()) == "a literal");
    CHECK(std::string(from_string.what()) == "a std::string");
    const memreg::bad_argument copy = from_message;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(std::string(copy.what()) == "op(n=3): built");
    CHECK(copy.what() == from_message.what());  // shared, not copied

    const memreg::parse_error parse("unexpected ';'", 3, 14);
    CHECK(parse.line() == 3);
    CHECK(parse.column() == 14);
    CHECK(std::string(parse.what()) == "unexpected ';'");

    try {
        throw memreg::allocation_failure(message("allocate").arg("size", 64).because("the heap is full"));
    } catch (const std::bad_alloc& e) {
        CHECK(std::string(e.what()) == "allocate(size=64): the heap is full");
    }
}

TEST_CASE("the throw helpers name the operation and the numbers", "[error]") {
    CHECK_THROWS_MATCHES(memreg::detail::throw_outside("subregion", 12, 8, 16), memreg::out_of_range,
                         Catch::Message("subregion(offset=12, count=8): outside region of size 16"));
    CHECK_THROWS_MATCHES(memreg::detail::throw_index("at", 16, 16), memreg::out_of_range,
                         Catch::Message("at(index=16): outside region of size 16"));
    CHECK_THROWS_MATCHES(memreg::detail::throw_count("first", 17, 16), memreg::out_of_range,
                         Catch::Message("first(count=17): longer than region of size 16"));
}

TEST_CASE("on_error names each catchable class by one bit and catches its subclasses", "[error]") {
    using memreg::detail::error_kinds;
    using memreg::detail::own_kind;
    static_assert(own_kind<std::exception> == 1u);
    static_assert(own_kind<memreg::allocation_failure> == 1u << 9);
    static_assert(own_kind<int> == 0u);
    static_assert((error_kinds<memreg::out_of_range> & own_kind<memreg::error>) != 0);
    static_assert((error_kinds<memreg::out_of_range> & own_kind<std::exception>) != 0);
    static_assert((error_kinds<memreg::out_of_range> & own_kind<memreg::bad_argument>) == 0);
    static_assert((error_kinds<memreg::allocation_failure> & own_kind<memreg::error>) == 0);

    std::string caught;
    memreg::detail::on_error<memreg::error>([] { memreg::detail::throw_index("at", 1, 0); },
                                            [&](const memreg::error& e) { caught = e.what(); });
    CHECK(caught == "at(index=1): outside region of size 0");
    CHECK_THROWS_AS(memreg::detail::on_error<memreg::bad_argument>([] { memreg::detail::throw_index("at", 1, 0); },
                                                                   [](const memreg::bad_argument&) {}),
                    memreg::out_of_range);
}

TEST_CASE("set_error_handler swaps the handler and restores the default for nullptr", "[error]") {
    const memreg::error_handler original = memreg::get_error_handler();
    const memreg::error_handler mine = [](const std::exception&) { std::abort(); };
    CHECK(memreg::set_error_handler(mine) == original);
    CHECK(memreg::get_error_handler() == mine);
    CHECK(memreg::set_error_handler(nullptr) == mine);
    CHECK(memreg::get_error_handler() == original);
}
