// memreg/stream/growing_device.hpp — a seekable Boost.Iostreams device whose writes
// grow an owned_region through its allocator (the region analogue of
// std::stringstream, or of boost::iostreams::back_insert_device).
//
// Boost copies devices into its streams, and an owned_region cannot be copied, so
// copies of a growing_device share one buffer: keep a copy to reach the bytes after
// the stream is done with them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <ios>
#include <memory>
#include <string>

#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/positioning.hpp>

#include "../allocator.hpp"
#include "../error.hpp"
#include "../region.hpp"

namespace memreg {

template <allocator A = malloc_allocator>
class growing_device {
public:
    using char_type = char;
    struct category : boost::iostreams::seekable_device_tag {};

    /// A device whose buffer comes from a; `reserve` bytes are allocated up front.
    explicit growing_device(A& a, std::size_t reserve = 0)
        : state_(std::make_shared<state>(a)) {
        if (reserve != 0) grow(reserve);
    }
    explicit growing_device(std::size_t reserve = 0)
        requires detail::store_by_value<A>
        : state_(std::make_shared<state>()) {
        if (reserve != 0) grow(reserve);
    }

    /// Copies up to n bytes from the position; -1 at the end (EOF).
    std::streamsize read(char* s, std::streamsize n) {
        state& st = *state_;
        const std::size_t left = st.size - st.position;
        if (left == 0) return -1;
        const std::size_t count = std::min(left, static_cast<std::size_t>(n));
        std::memcpy(s, st.buffer.data() + st.position, count);
        st.position += count;
        return static_cast<std::streamsize>(count);
    }

    /// Writes n bytes at the position, growing the buffer (at least doubling it) as
    /// needed. Throws allocation_failure if the allocator cannot provide it.
    std::streamsize write(const char* s, std::streamsize n) {
        state& st = *state_;
        const auto count = static_cast<std::size_t>(n);
        if (count > st.buffer.size() - st.position) grow(st.position + count);
        std::memcpy(st.buffer.data() + st.position, s, count);
        st.position += count;
        st.size = std::max(st.size, st.position);
        return n;
    }

    /// Moves the position; throws out_of_range for a position before 0 or past the
    /// written size (the message names the offset, the direction and the size).
    std::streampos seek(boost::iostreams::stream_offset offset, std::ios_base::seekdir way) {
        state& st = *state_;
        long long base = 0;
        const char* from = "beg";
        if (way == std::ios_base::cur) {
            base = static_cast<long long>(st.position);
            from = "cur";
        } else if (way == std::ios_base::end) {
            base = static_cast<long long>(st.size);
            from = "end";
        }
        long long target = 0;
        if (__builtin_add_overflow(base, static_cast<long long>(offset), &target) || target < 0 ||
            static_cast<unsigned long long>(target) > st.size)
            MEMREG_THROW(out_of_range(detail::message("growing_device::seek")
                                          .arg("offset", std::to_string(offset))
                                          .arg("way", from)
                                          .because("outside the written size " + std::to_string(st.size))));
        st.position = static_cast<std::size_t>(target);
        return boost::iostreams::offset_to_position(target);
    }

    /// The bytes written so far (valid until the next write, which may move them).
    [[nodiscard]] memreg::region region() const noexcept { return state_->buffer.region().first(state_->size); }
    [[nodiscard]] std::size_t size() const noexcept { return state_->size; }
    [[nodiscard]] std::size_t capacity() const noexcept { return state_->buffer.size(); }

private:
    struct state {
        state() = default;
        explicit state(A& a) : buffer(a, memreg::region()) {}
        owned_region<A> buffer;
        std::size_t size = 0;
        std::size_t position = 0;
    };

    void grow(std::size_t needed) {
        owned_region<A>& buffer = state_->buffer;
        std::size_t n = std::max<std::size_t>(buffer.size(), 64);
        while (n < needed) n = n > SIZE_MAX / 2 ? needed : n * 2;
        buffer.resize(n);
    }

    std::shared_ptr<state> state_;
};

}  // namespace memreg
