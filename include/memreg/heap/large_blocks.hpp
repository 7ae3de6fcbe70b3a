// memreg/heap/large_blocks.hpp — the heap's blocks above 512 B (or over-aligned).
//
// Each one comes straight from the upstream allocator with a header in front (48
// bytes; 32 where words have 32 bits): links to the other large blocks (so the heap
// can free them all when it dies, and validate() can walk them), the size, and a
// check word derived from the header's address and the owning heap, which
// validate() uses to find a header overwritten. The check word is the header's last,
// right in front of the caller's bytes, so an underrun of even one word clobbers it
// (any padding the 16-byte alignment needs goes before it). Whether an address is a live large block of this heap is
// looked up in a hash table in the heap's own memory (address_table.hpp), never
// read from in front of the address: a block of another allocator, or one freed
// already, is not found, and nothing outside the heap's memory is touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "../allocator.hpp"
#include "../error.hpp"
#include "address_table.hpp"

namespace memreg::detail::heap_parts {

template <std::size_t N>
struct header_padding {
    std::byte bytes[N];
};
template <>
struct header_padding<0> {};

inline constexpr std::size_t large_header_words = 6;

struct alignas(16) large_header {
    large_header* prev;
    large_header* next;
    std::size_t size;    // what the caller asked for
    std::size_t offset;     // from the start of the upstream block to the caller's bytes
    std::size_t alignment;  // the upstream block was allocated with
    // 8 bytes on 32-bit machines (six 4-byte words), none on 64-bit ones.
    [[no_unique_address]] header_padding<(16 - large_header_words * sizeof(void*) % 16) % 16> padding;
    std::uintptr_t check;
    [[nodiscard]] std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    [[nodiscard]] std::byte* base() noexcept { return data() - offset; }
};
static_assert(offsetof(large_header, check) + sizeof(std::uintptr_t) == sizeof(large_header),
              "the check word is the last one in front of the caller's bytes");

/// Bytes in front of a large block aligned to `alignment`: the header, rounded up
/// so that the caller's bytes keep the alignment.
[[nodiscard]] constexpr std::size_t large_offset(std::size_t alignment) noexcept {
    const std::size_t a = alignment < alignof(large_header) ? alignof(large_header) : alignment;
    return (sizeof(large_header) + a - 1) / a * a;
}

class large_blocks {
public:
    explicit large_blocks(const void* owner) noexcept
        : key_(reinterpret_cast<std::uintptr_t>(owner) ^
               static_cast<std::uintptr_t>(0x6d656d7265672eULL)) {}  // its low half on 32-bit

    /// Takes over an upstream block of offset + n bytes; returns the caller's part.
    std::byte* adopt(std::byte* base, std::size_t n, std::size_t offset,
                     std::size_t alignment) noexcept {
        auto* h = ::new (static_cast<void*>(base + offset - sizeof(large_header)))
            large_header{nullptr, nullptr, n, offset, alignment, {}, 0};
        link(h);
        return h->data();
    }

    /// The header of a block the caller hands back, or null when it is not a
    /// live large block of this heap (reads only the heap's own memory).
    [[nodiscard]] large_header* find(const std::byte* p) const noexcept {
        return static_cast<large_header*>(table_.find(reinterpret_cast<std::uintptr_t>(p)));
    }

    /// Removes h from the list and the table (before its memory goes back or moves).
    void unlink(large_header* h) noexcept {
        (h->prev != nullptr ? h->prev->next : head_) = h->next;
        if (h->next != nullptr) h->next->prev = h->prev;
        h->check = 0;
        table_.erase(reinterpret_cast<std::uintptr_t>(h->data()));
        --count_;
    }

    /// The table of every live large block, whose storage the heap provides from its
    /// upstream when it is full (heap::reserve_entry) and gives back.
    [[nodiscard]] address_table& table() noexcept { return table_; }
    [[nodiscard]] const address_table& table() const noexcept { return table_; }

    [[nodiscard]] large_header* head() const noexcept { return head_; }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }

    /// Inserts a header (new, or one that moved with its block) at the front,
    /// and into the table (which must not be full()).
    void link(large_header* h) noexcept {
        h->prev = nullptr;
        h->next = head_;
        if (head_ != nullptr) head_->prev = h;
        head_ = h;
        h->check = check_of(h);
        table_.insert(reinterpret_cast<std::uintptr_t>(h->data()), h);
        ++count_;
    }

    /// Walks the list; returns the bytes held upstream, throws corruption on a fault.
    std::size_t validate() const {
        std::size_t seen = 0;
        std::size_t bytes = 0;
        for (large_header* h = head_; h != nullptr; h = h->next) {
            const auto address = reinterpret_cast<std::uintptr_t>(h->data());
            if (++seen > count_)
                MEMREG_THROW(corruption(message("heap::validate").arg("address", reinterpret_cast<const void*>(address))
                                            .because("large block list longer than its count")));
            if (h->check != check_of(h) || (h->next != nullptr && h->next->prev != h) ||
                find(h->data()) != h)
                MEMREG_THROW(corruption(message("heap::validate").arg("address", reinterpret_cast<const void*>(address))
                                            .because("large block header overwritten")));
            bytes += h->offset + h->size;
        }
        if (seen != count_ || table_.count() != count_)
            MEMREG_THROW(corruption(message("heap::validate").arg("count", count_)
                                        .because("large block list shorter than its count")));
        return bytes;
    }

private:
    [[nodiscard]] std::uintptr_t check_of(const large_header* h) const noexcept {
        return reinterpret_cast<std::uintptr_t>(h) ^ key_;
    }

    std::uintptr_t key_;
    address_table table_;  // every live large block, by the caller's address
    large_header* head_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace memreg::detail::heap_parts
