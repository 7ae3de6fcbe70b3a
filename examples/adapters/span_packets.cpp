// A region as typed elements: aligned words through as_span, a big-endian packet
// header through load/store, and packed big-endian samples through unaligned_span.
#include <memreg/span.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

int main() {
    // Aligned memory: a std::span<uint32_t> over the same bytes, no copy.
    std::vector<std::uint32_t> storage(8);
    const memreg::region words_region = memreg::to_region(storage);
    const std::span<std::uint32_t> words = memreg::as_span<std::uint32_t>(words_region);
    std::iota(words.begin(), words.end(), 1u);
    const unsigned sum = std::accumulate(words.begin(), words.end(), 0u);

    // A network packet: 1 byte version, then a 16-bit length and a 32-bit sequence
    // number in big-endian order at odd offsets.
    std::array<std::byte, 7 + 4 * 3> packet{};
    const memreg::region p(packet.data(), packet.size());
    memreg::store<std::uint8_t>(p, 0, 2);
    memreg::store<std::uint16_t>(p, 1, 12, std::endian::big);
    memreg::store<std::uint32_t>(p, 3, 0xC0FFEE, std::endian::big);
    const auto length = memreg::load<std::uint16_t>(p, 1, std::endian::big);
    const auto sequence = memreg::load<std::uint32_t>(p, 3, std::endian::big);

    // Its payload: three big-endian int32 samples right after, unaligned. Sort them
    // in place through the proxy range.
    const memreg::unaligned_span<std::int32_t, std::endian::big> samples(p.subregion(7));
    samples[0] = 300;
    samples[1] = -5;
    samples[2] = 42;
    std::ranges::sort(samples);

    std::printf("sum=%u length=%u sequence=%#x samples=%d,%d,%d first payload byte=%#x\n", sum,
                unsigned{length}, sequence, int{samples[0]}, int{samples[1]}, int{samples[2]},
                std::to_integer<unsigned>(packet[7]));
    const bool ok = sum == 36 && length == 12 && sequence == 0xC0FFEE && samples[0] == -5 &&
                    samples[2] == 300 && packet[7] == std::byte{0xff};
    return ok ? 0 : 1;
}
