// memreg/file/shared_region.hpp — a named shared-memory object mapped as a region.
//
// Every process that opens the same name maps the same bytes: stores through
// one are seen by all. The object outlives the processes until it is removed
// (shared_region::remove or a shared_remover), as a file does.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include "../error.hpp"
#include "../region.hpp"
#include "access.hpp"
#include "system_error.hpp"

namespace memreg {

class shared_region {
public:
    /// A closed shared_region: an empty region.
    shared_region() noexcept = default;

    /// Creates the object `name` with `size` zero bytes (reserved, so a full
    /// /dev/shm is an exception now, not a SIGBUS later) and maps it read_write.
    /// Throws file_error if it exists already.
    [[nodiscard]] static shared_region create(const std::string& name, std::size_t size) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return detail::message("create").arg("name", name).arg("size", size); };
        shared_region s(name, access::read_write);
        try {
            s.object_ = bip::shared_memory_object(bip::create_only, name.c_str(), bip::read_write);
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name);
        }
        try {
            s.grow(size, operation);
        } catch (...) {
            bip::shared_memory_object::remove(name.c_str());  // leave nothing half-made
            throw;
        }
        return s;
    }

    /// Maps all of the existing object `name`. copy_on_write keeps this process's
    /// stores private. Throws file_error if there is no such object or the
    /// process may not open it so.
    [[nodiscard]] static shared_region open(const std::string& name, access mode = access::read_write) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return detail::message("open").arg("name", name).arg("access", to_string(mode)); };
        shared_region s(name, mode);
        try {
            s.object_ = bip::shared_memory_object(bip::open_only, name.c_str(),
                                                  mode == access::read_write ? bip::read_write : bip::read_only);
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name);
        }
        s.map(s.object_size(operation), operation);
        return s;
    }

    /// Opens `name`, creating it if needed, and maps its first `size` bytes
    /// read_write; an object smaller than that grows to it (zero bytes). Safe when
    /// several processes race to do it, as long as they all ask for the same size.
    [[nodiscard]] static shared_region open_or_create(const std::string& name, std::size_t size) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return detail::message("open_or_create").arg("name", name).arg("size", size); };
        shared_region s(name, access::read_write);
        try {
            s.object_ = bip::shared_memory_object(bip::open_or_create, name.c_str(), bip::read_write);
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name);
        }
        if (s.object_size(operation) < size)
            s.grow(size, operation);
        else
            s.map(size, operation);
        return s;
    }

    /// Removes the name; processes that have it mapped keep their mapping. True if
    /// there was such an object.
    static bool remove(const std::string& name) noexcept {
        return boost::interprocess::shared_memory_object::remove(name.c_str());
    }

    shared_region(shared_region&& other) noexcept
        : object_(std::move(other.object_)),
          mapping_(std::move(other.mapping_)),
          name_(std::move(other.name_)),
          mode_(other.mode_),
          size_(std::exchange(other.size_, 0)),
          open_(std::exchange(other.open_, false)) {}

    shared_region& operator=(shared_region&& other) noexcept {
        if (this != &other) {
            mapping_ = std::move(other.mapping_);
            object_ = std::move(other.object_);
            name_ = std::move(other.name_);
            mode_ = other.mode_;
            size_ = std::exchange(other.size_, 0);
            open_ = std::exchange(other.open_, false);
        }
        return *this;
    }

    /// Unmaps; the object and its contents stay until removed.
    ~shared_region() = default;

    /// The mapped bytes, writable. Throws bad_argument on a read_only mapping.
    [[nodiscard]] memreg::region region() {
        if (mode_ == access::read_only)
            throw bad_argument(detail::message("region")
                                   .arg("name", name_)
                                   .because("the shared memory is mapped read_only; use const_region()"));
        return {data(), size_};
    }
    [[nodiscard]] memreg::const_region region() const noexcept { return const_region(); }
    [[nodiscard]] memreg::const_region const_region() const noexcept {
        return {static_cast<const std::byte*>(data()), size_};
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] bool is_open() const noexcept { return open_; }
    [[nodiscard]] access mode() const noexcept { return mode_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /// Unmaps now; the shared_region becomes closed and empty.
    void close() noexcept { *this = shared_region(); }

private:
    shared_region(std::string name, access mode) : name_(std::move(name)), mode_(mode) {}

    [[nodiscard]] std::byte* data() const noexcept {
        return size_ == 0 ? nullptr : static_cast<std::byte*>(mapping_.get_address());
    }

    template <class Operation>
    [[nodiscard]] std::uint64_t object_size(const Operation& operation) const {
        boost::interprocess::offset_t size = 0;
        if (!object_.get_size(size)) detail::throw_file_error(operation(), detail::system_code(errno), name_);
        return static_cast<std::uint64_t>(size);
    }

    /// Sets the object's size to n, its pages reserved (posix_fallocate inside
    /// Boost's truncate), and maps it.
    template <class Operation>
    void grow(std::size_t n, const Operation& operation) {
        namespace bip = boost::interprocess;
        if (n > static_cast<std::uint64_t>(std::numeric_limits<bip::offset_t>::max()))
            detail::throw_file_error(operation(), detail::system_code(EFBIG), name_);
        try {
            if (n > 0) object_.truncate(static_cast<bip::offset_t>(n));  // posix_fallocate refuses 0
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name_);
        }
        map(n, operation);
    }

    template <class Operation>
    void map(std::uint64_t n, const Operation& operation) {
        namespace bip = boost::interprocess;
        open_ = true;
        if (n == 0) return;
        if (n > std::numeric_limits<std::size_t>::max())
            detail::throw_file_error(operation(), make_error_code(std::errc::value_too_large), name_);
        const bip::mode_t how = mode_ == access::read_only    ? bip::read_only
                                : mode_ == access::read_write ? bip::read_write
                                                              : bip::copy_on_write;
        try {
            mapping_ = bip::mapped_region(object_, how, 0, static_cast<std::size_t>(n));
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name_);
        }
        size_ = static_cast<std::size_t>(n);
    }

    boost::interprocess::shared_memory_object object_;
    boost::interprocess::mapped_region mapping_;
    std::string name_;
    access mode_ = access::read_only;
    std::size_t size_ = 0;
    bool open_ = false;
};

/// Removes a shared-memory name when it goes out of scope (and, to start clean,
/// when it is made): the RAII way to make sure a test or a crashed run leaves
/// nothing behind in /dev/shm.
class shared_remover {
public:
    explicit shared_remover(std::string name) : name_(std::move(name)) { shared_region::remove(name_); }
    shared_remover(const shared_remover&) = delete;
    shared_remover& operator=(const shared_remover&) = delete;
    ~shared_remover() {
        if (!name_.empty()) shared_region::remove(name_);
    }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Keeps the object after all.
    void release() noexcept { name_.clear(); }

private:
    std::string name_;
};

}  // namespace memreg
