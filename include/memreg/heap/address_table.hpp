// memreg/heap/address_table.hpp — how the heap finds what an address belongs to.
//
// An open-addressing hash table (linear probing, backward-shift deletion) from a
// key derived from an address to a pointer: the heap's small-block chunks by
// their 64 KiB window (address >> 16), its large blocks by their address. It
// lives in the heap's own memory — 16 slots inside the object, then storage the
// heap takes from its upstream — so a lookup never reads memory the heap does
// not own, whatever address it is asked about. At most half full, so a lookup
// is one or two probes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memreg::detail::heap_parts {

class address_table {
public:
    struct slot {
        std::uintptr_t key;  // 0: empty
        void* value;
    };

    address_table() noexcept = default;
    address_table(const address_table&) = delete;  // slots_ may point into the object
    address_table& operator=(const address_table&) = delete;

    /// The value stored under key (never 0), or null.
    [[nodiscard]] void* find(std::uintptr_t key) const noexcept {
        for (std::size_t i = index(key);; i = (i + 1) & mask_) {
            const slot& s = slots_[i];
            if (s.key == key) return s.value;
            if (s.key == 0) return nullptr;
        }
    }

    /// Whether `entries` more inserts need rehash() first.
    [[nodiscard]] bool full(std::size_t entries = 1) const noexcept {
        return (count_ + entries) * 2 > mask_ + 1;
    }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }
    /// Bytes of storage taken from the upstream (0 while the slots are inline).
    [[nodiscard]] std::size_t storage_bytes() const noexcept {
        return slots_ == inline_ ? 0 : (mask_ + 1) * sizeof(slot);
    }
    [[nodiscard]] std::size_t next_storage_bytes() const noexcept {
        return (mask_ + 1) * 2 * sizeof(slot);
    }
    /// The storage to give back upstream (null when inline).
    [[nodiscard]] slot* storage() const noexcept { return slots_ == inline_ ? nullptr : slots_; }

    /// Moves every entry to `storage` (next_storage_bytes() bytes, zeroed here)
    /// and returns the old storage for the caller to give back (null: inline).
    slot* rehash(slot* storage) noexcept {
        slot* const old = slots_;
        const std::size_t old_size = mask_ + 1;
        slots_ = storage;
        mask_ = old_size * 2 - 1;
        --shift_;
        for (std::size_t i = 0; i <= mask_; ++i) slots_[i] = {0, nullptr};
        count_ = 0;
        for (std::size_t i = 0; i < old_size; ++i)
            if (old[i].key != 0) insert(old[i].key, old[i].value);
        return old == inline_ ? nullptr : old;
    }

    /// Stores value under key (not there yet; the table not full()).
    void insert(std::uintptr_t key, void* value) noexcept {
        std::size_t i = index(key);
        while (slots_[i].key != 0) i = (i + 1) & mask_;
        slots_[i] = {key, value};
        ++count_;
    }

    /// Removes key; false when it is not there.
    bool erase(std::uintptr_t key) noexcept {
        std::size_t i = index(key);
        while (slots_[i].key != key) {
            if (slots_[i].key == 0) return false;
            i = (i + 1) & mask_;
        }
        // Backward shift: move up every later entry of the run that may fill the hole.
        for (std::size_t j = i;;) {
            j = (j + 1) & mask_;
            if (slots_[j].key == 0) break;
            const std::size_t home = index(slots_[j].key);
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays) continue;
            slots_[i] = slots_[j];
            i = j;
        }
        slots_[i] = {0, nullptr};
        --count_;
        return true;
    }

    /// Calls f(key, value) for every entry.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i <= mask_; ++i)
            if (slots_[i].key != 0) f(slots_[i].key, slots_[i].value);
    }

private:
    static constexpr std::size_t inline_slots = 16;

    [[nodiscard]] std::size_t index(std::uintptr_t key) const noexcept {
        return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >>
                                        shift_);
    }

    slot inline_[inline_slots] = {};
    slot* slots_ = inline_;
    std::size_t mask_ = inline_slots - 1;
    unsigned shift_ = 64 - 4;  // log2 of the slot count, from the top
    std::size_t count_ = 0;
};

}  // namespace memreg::detail::heap_parts
