// memreg/file/shared_region.hpp — a named shared-memory object mapped as a region.
//
// Every process that opens the same name maps the same bytes: stores through
// one are seen by all. The object outlives the processes until it is removed
// (shared_region::remove or a shared_remover), as a file does. The access mode
// is in the type: shared_region, read_only_shared_region, copy_on_write_shared_region.
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include "../error.hpp"
#include "../region.hpp"
#include "access.hpp"
#include "mapping.hpp"
#include "system_error.hpp"

namespace memreg {

namespace detail {

/// A named shared-memory object mapped in a mode chosen at run time; its bytes
/// are a const_region. basic_shared_region puts the mode in the type.
class shared_mapping : public mapping {
public:
    /// Removes the name; processes that have it mapped keep their mapping. True if
    /// there was such an object.
    static bool remove(const std::string& name) noexcept {
        return boost::interprocess::shared_memory_object::remove(name.c_str());
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /// Unmaps now; the mapping becomes closed and empty. The object stays.
    void close() noexcept {
        close_mapping();
        object_ = boost::interprocess::shared_memory_object();
        name_.clear();
    }

protected:
    /// Creates the object `name` with `size` zero bytes (reserved, so a full
    /// /dev/shm is an exception now, not a SIGBUS later) and maps it read_write.
    void create_object(const std::string& name, std::size_t size) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return message("create").arg("name", name).arg("size", size); };
        name_ = name;
        try {
            object_ = bip::shared_memory_object(bip::create_only, name.c_str(), bip::read_write);
        } catch (const bip::interprocess_exception& e) {
            throw_file_error(operation(), code_of(e), name);
        }
        try {
            grow(size, operation);
        } catch (...) {
            remove(name);  // leave nothing half-made
            throw;
        }
    }

    /// Maps all of the existing object `name` in mode().
    void open_object(const std::string& name) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return message("open").arg("name", name).arg("access", to_string(mode())); };
        name_ = name;
        try {
            object_ = bip::shared_memory_object(bip::open_only, name.c_str(),
                                                mode() == access::read_write ? bip::read_write : bip::read_only);
        } catch (const bip::interprocess_exception& e) {
            throw_file_error(operation(), code_of(e), name);
        }
        map_object(object_size(operation), operation);
    }

    /// Opens `name`, creating it if needed, and maps its first `size` bytes
    /// read_write; an object smaller than that grows to it (zero bytes).
    void open_or_create_object(const std::string& name, std::size_t size) {
        namespace bip = boost::interprocess;
        const auto operation = [&] { return message("open_or_create").arg("name", name).arg("size", size); };
        name_ = name;
        try {
            object_ = bip::shared_memory_object(bip::open_or_create, name.c_str(), bip::read_write);
        } catch (const bip::interprocess_exception& e) {
            throw_file_error(operation(), code_of(e), name);
        }
        if (object_size(operation) < size)
            grow(size, operation);
        else
            map_object(size, operation);
    }

private:
    template <class Operation>
    [[nodiscard]] std::uint64_t object_size(const Operation& operation) const {
        boost::interprocess::offset_t size = 0;
        if (!object_.get_size(size)) throw_file_error(operation(), system_code(errno), name_);
        return static_cast<std::uint64_t>(size);
    }

    /// Sets the object's size to n, its pages reserved (posix_fallocate inside
    /// Boost's truncate), and maps it.
    template <class Operation>
    void grow(std::size_t n, const Operation& operation) {
        namespace bip = boost::interprocess;
        if (n > static_cast<std::uint64_t>(std::numeric_limits<bip::offset_t>::max()))
            throw_file_error(operation(), system_code(EFBIG), name_);
        try {
            if (n > 0) object_.truncate(static_cast<bip::offset_t>(n));  // posix_fallocate refuses 0
        } catch (const bip::interprocess_exception& e) {
            throw_file_error(operation(), code_of(e), name_);
        }
        map_object(n, operation);
    }

    template <class Operation>
    void map_object(std::uint64_t n, const Operation& operation) {
        if (n > std::numeric_limits<std::size_t>::max())
            throw_file_error(operation(), make_error_code(std::errc::value_too_large), name_);
        map(object_, 0, static_cast<std::size_t>(n), operation, name_);
    }

    boost::interprocess::shared_memory_object object_;
    std::string name_;
};

}  // namespace detail

/// A named shared-memory object mapped as a region, its access mode in the type:
/// shared_region (read_write) is seen by every process that maps the name;
/// read_only_shared_region's region() is a const_region; copy_on_write's stores
/// stay private to this process. Move-only; unmaps when destroyed, and the object
/// and its contents stay until removed.
template <access Mode>
class basic_shared_region : public detail::with_access<Mode, detail::shared_mapping> {
public:
    /// A closed mapping: an empty region.
    basic_shared_region() noexcept = default;

    /// Creates the object `name` with `size` zero bytes (reserved, so a full
    /// /dev/shm is an exception now, not a SIGBUS later) and maps it. Throws
    /// file_error if it exists already.
    [[nodiscard]] static basic_shared_region create(const std::string& name, std::size_t size)
        requires(Mode == access::read_write)
    {
        basic_shared_region s;
        s.create_object(name, size);
        return s;
    }

    /// create() that reports a failure (the name exists, a full /dev/shm, a size
    /// too large, ...) in `error` instead of throwing; the result is then closed and
    /// no new object is left. `error` is cleared on success.
    [[nodiscard]] static basic_shared_region create(const std::string& name, std::size_t size,
                                                    std::error_code& error)
        requires(Mode == access::read_write)
    {
        return detail::report_file_error(error, [&] { return create(name, size); });
    }

    /// Maps all of the existing object `name`. Throws file_error if there is no
    /// such object or the process may not open it so.
    [[nodiscard]] static basic_shared_region open(const std::string& name) {
        basic_shared_region s;
        s.open_object(name);
        return s;
    }

    /// open() that reports a failure (no such object, permission denied, ...) in
    /// `error` instead of throwing; the result is then closed. `error` is cleared on
    /// success.
    [[nodiscard]] static basic_shared_region open(const std::string& name, std::error_code& error) {
        return detail::report_file_error(error, [&] { return open(name); });
    }

    /// Opens `name`, creating it if needed, and maps its first `size` bytes; an
    /// object smaller than that grows to it (zero bytes). Safe when several
    /// processes race to do it, as long as they all ask for the same size.
    [[nodiscard]] static basic_shared_region open_or_create(const std::string& name, std::size_t size)
        requires(Mode == access::read_write)
    {
        basic_shared_region s;
        s.open_or_create_object(name, size);
        return s;
    }

    /// open_or_create() that reports a failure (a size too large, a full /dev/shm,
    /// permission denied, ...) in `error` instead of throwing; the result is then
    /// closed. `error` is cleared on success.
    [[nodiscard]] static basic_shared_region open_or_create(const std::string& name, std::size_t size,
                                                            std::error_code& error)
        requires(Mode == access::read_write)
    {
        return detail::report_file_error(error, [&] { return open_or_create(name, size); });
    }
};

using shared_region = basic_shared_region<access::read_write>;
using read_only_shared_region = basic_shared_region<access::read_only>;
using copy_on_write_shared_region = basic_shared_region<access::copy_on_write>;

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
