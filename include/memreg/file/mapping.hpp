// memreg/file/mapping.hpp — what a mapped file and a mapped shared-memory object
// share: one Boost.Interprocess mapped_region, its size and access mode, moves,
// and the access mode in the type (with_access) so that a read-only mapping has
// no mutable region to ask for.
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/interprocess/mapped_region.hpp>

#include "../error.hpp"
#include "../region.hpp"
#include "access.hpp"
#include "system_error.hpp"

namespace memreg {

/// Hints for the kernel's paging (madvise); advise() returns false where the
/// platform has no such hint.
enum class advice { normal, sequential, random, willneed, dontneed };

namespace detail {

/// The mapped bytes of a file or shared-memory object, in a mode known at run
/// time: readable as a const_region. Writable bytes are given only by
/// with_access<Mode>, where the mode is part of the type.
class mapping {
public:
    mapping(const mapping&) = delete;
    mapping& operator=(const mapping&) = delete;

    mapping(mapping&& other) noexcept
        : region_(std::move(other.region_)),
          mode_(other.mode_),
          size_(std::exchange(other.size_, 0)),
          open_(std::exchange(other.open_, false)) {}

    mapping& operator=(mapping&& other) noexcept {
        if (this != &other) {
            region_ = std::move(other.region_);  // unmaps ours first
            mode_ = other.mode_;
            size_ = std::exchange(other.size_, 0);
            open_ = std::exchange(other.open_, false);
        }
        return *this;
    }

    [[nodiscard]] memreg::const_region const_region() const noexcept { return {data(), size_}; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// False for a default-constructed, moved-from or closed mapping.
    [[nodiscard]] bool is_open() const noexcept { return open_; }
    [[nodiscard]] access mode() const noexcept { return mode_; }

    /// Tells the kernel how the mapping will be read. Returns false where the
    /// platform lacks the hint (it is only ever a hint).
    bool advise(advice hint) noexcept {
        using bip = boost::interprocess::mapped_region;
        if (size_ == 0) return true;
        switch (hint) {
            case advice::normal: return region_.advise(bip::advice_normal);
            case advice::sequential: return region_.advise(bip::advice_sequential);
            case advice::random: return region_.advise(bip::advice_random);
            case advice::willneed: return region_.advise(bip::advice_willneed);
            case advice::dontneed: return region_.advise(bip::advice_dontneed);
        }
        return false;
    }

protected:
    mapping() noexcept = default;
    ~mapping() = default;

    void set_mode(access mode) noexcept { mode_ = mode; }

    [[nodiscard]] std::byte* data() const noexcept {
        return size_ == 0 ? nullptr : static_cast<std::byte*>(region_.get_address());
    }

    /// Maps `length` bytes of source (a file_mapping or shared_memory_object) at
    /// offset; an empty range needs (and gets) no mapping. Throws file_error with
    /// operation()'s message and `name` if the system refuses.
    template <class Source, class Operation>
    void map(const Source& source, std::uint64_t offset, std::size_t length, const Operation& operation,
             const std::string& name) {
        namespace bip = boost::interprocess;
        open_ = true;
        if (length == 0) return;
        const bip::mode_t how = mode_ == access::read_only    ? bip::read_only
                                : mode_ == access::read_write ? bip::read_write
                                                              : bip::copy_on_write;
        try {
            region_ = bip::mapped_region(source, how, static_cast<bip::offset_t>(offset), length);
        } catch (const bip::interprocess_exception& e) {
            throw_file_error(operation(), code_of(e), name);
        }
        size_ = length;
    }

    /// Unmaps; the mapping stays open (resize maps again).
    void unmap() noexcept {
        region_ = boost::interprocess::mapped_region();
        size_ = 0;
    }

    /// Unmaps and closes; the mode stays what the type says.
    void close_mapping() noexcept {
        unmap();
        open_ = false;
    }

private:
    boost::interprocess::mapped_region region_;
    access mode_ = access::read_only;
    std::size_t size_ = 0;
    bool open_ = false;
};

/// A Mapping whose access mode is part of its type: region() is a const_region
/// for read_only (so ops that write do not compile on it) and a region for the
/// writable modes. No region() here can throw.
template <access Mode, class Mapping>
class with_access : public Mapping {
public:
    /// What region() gives on a non-const mapping.
    using region_type = std::conditional_t<Mode == access::read_only, memreg::const_region, memreg::region>;

    [[nodiscard]] region_type region() noexcept { return {this->data(), this->size()}; }
    [[nodiscard]] memreg::const_region region() const noexcept { return this->const_region(); }
    [[nodiscard]] static constexpr access mode() noexcept { return Mode; }

protected:
    with_access() noexcept { this->set_mode(Mode); }
};

}  // namespace detail
}  // namespace memreg
