// memreg/file/mapped_file.hpp — a file (or part of one) mapped into memory as a region.
//
// read_only_file, read_write_file and copy_on_write_file carry the access mode in
// their type (a read_only_file has no mutable region to ask for). Built on Boost.Interprocess file_mapping + mapped_region, with the checks the
// origins lacked: writes in read_write mode reach the file, copy_on_write never
// does, an empty file maps to an empty region, and creating or growing a file
// reserves its disk blocks first so a full disk is an exception, not a SIGBUS.
//
// POSIX only (mmap, posix_fallocate, msync).
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/file_mapping.hpp>

#include "../error.hpp"
#include "../region.hpp"
#include "access.hpp"
#include "mapping.hpp"
#include "system_error.hpp"

namespace memreg {

/// flush() waits for the data to reach the disk, or only starts the write-back.
enum class flush_mode { sync, async };

/// What create() does when the file already exists.
enum class if_exists { fail, overwrite };

namespace detail {

/// A file (or part of one) mapped in a mode chosen at run time, as the Lua
/// binding's memreg.map needs it: its bytes are a const_region. C++ code uses
/// basic_mapped_file, whose type says the mode and gives writable bytes.
class file_mapping : public mapping {
public:
    /// open()'s length for "from the offset to the end of the file".
    static constexpr std::size_t to_end = std::numeric_limits<std::size_t>::max();

    /// A closed mapping: an empty region, nothing to flush.
    file_mapping() noexcept = default;

    /// Maps [offset, offset + length) of an existing regular file (the whole file by
    /// default). Throws file_error for a missing file, a directory or other
    /// non-regular file, permission denied (including read_write on a read-only
    /// file), and a range that is not inside the file.
    [[nodiscard]] static file_mapping open(const std::filesystem::path& path, access mode,
                                           std::uint64_t offset = 0, std::size_t length = to_end) {
        file_mapping f;
        f.open_file(path, mode, offset, length);
        return f;
    }

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// Where in the file the region starts.
    [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

    /// Writes the read_write mapping's changes to the disk: waits for them (sync) or
    /// only schedules them (async). A no-op for read_only and copy_on_write, whose
    /// mappings have nothing to write back. Throws file_error if the system fails.
    void flush(flush_mode how = flush_mode::sync) {
        if (mode() != access::read_write || empty()) return;
        write_back(0, size(), how);
    }

    /// flush() that reports a failure of the system in `error` instead of throwing.
    void flush(std::error_code& error, flush_mode how = flush_mode::sync) {
        report_file_error(error, [&] { flush(how); });
    }

    /// Like flush(), for the count bytes at offset in the region only (the pages
    /// that hold them). Throws out_of_range if they are not inside the region.
    void flush(std::size_t offset, std::size_t count, flush_mode how = flush_mode::sync) {
        if (offset > size() || count > size() - offset) throw_outside("flush", offset, count, size());
        if (mode() != access::read_write || count == 0) return;
        write_back(offset, count, how);
    }

    /// Unmaps now and closes the file; the mapping becomes closed and empty.
    void close() noexcept {
        close_mapping();
        file_ = boost::interprocess::file_mapping();
        path_.clear();
        offset_ = 0;
        whole_ = false;
    }

protected:
    void open_file(const std::filesystem::path& path, access mode, std::uint64_t offset, std::size_t length);

    /// Creates a file of `size` zero bytes, its blocks reserved on disk. An
    /// existing file is an error unless `existing` is overwrite (its contents are
    /// then discarded). If the disk is full (or RLIMIT_FSIZE is reached) it throws
    /// file_error and leaves no new file behind.
    static void create_file(const std::filesystem::path& path, std::size_t size, if_exists existing);

    /// Makes the file n bytes long and maps all of it; contents are kept up to the
    /// smaller size and new bytes are zero. The mapping may move: regions taken
    /// before are invalid afterwards. Needs a read_write mapping of the whole file.
    /// Growing reserves the disk blocks first; if that fails (disk full) it throws
    /// file_error and the file and mapping are as they were.
    void resize(std::size_t n);

private:
    void write_back(std::size_t offset, std::size_t count, flush_mode how);

    static int truncate(int fd, std::size_t n) noexcept {
        return ::ftruncate(fd, static_cast<off_t>(n)) == 0 ? 0 : errno;
    }

    template <class Operation>
    static void check_regular(const struct ::stat& info, const Operation& operation, const std::string& name) {
        if (S_ISDIR(info.st_mode))
            throw_file_error(operation(), make_error_code(std::errc::is_a_directory), name);
        if (!S_ISREG(info.st_mode))
            throw_file_error(operation(), make_error_code(std::errc::invalid_argument), name, "not a regular file");
    }

    boost::interprocess::file_mapping file_;
    std::filesystem::path path_;
    std::uint64_t offset_ = 0;
    bool whole_ = false;
};

inline void file_mapping::open_file(const std::filesystem::path& path, access mode, std::uint64_t offset,
                                    std::size_t length) {
    namespace bip = boost::interprocess;
    path_ = path;
    offset_ = offset;
    set_mode(mode);
    const std::string name = path_.string();
    const auto operation = [&] {
        message m("open");
        m.arg("path", name).arg("access", to_string(mode));
        if (offset != 0) m.arg("offset", offset);
        if (length != to_end) m.arg("length", length);
        return m;
    };
    // Refuse directories and special files before opening: open() on a FIFO blocks.
    struct ::stat info{};
    if (::stat(name.c_str(), &info) != 0) throw_file_error(operation(), system_code(errno), name);
    check_regular(info, operation, name);
    try {
        file_ = bip::file_mapping(name.c_str(), mode == access::read_write ? bip::read_write : bip::read_only);
    } catch (const bip::interprocess_exception& e) {
        throw_file_error(operation(), code_of(e), name);
    }
    // The size that counts is the one of the file we opened.
    if (::fstat(file_.get_mapping_handle().handle, &info) != 0)
        throw_file_error(operation(), system_code(errno), name);
    check_regular(info, operation, name);
    const auto file_size = static_cast<std::uint64_t>(info.st_size);
    if (offset > file_size || (length != to_end && length > file_size - offset))
        throw_file_error(operation(), make_error_code(std::errc::invalid_argument), name,
                         "outside file of size " + std::to_string(file_size));
    if (length == to_end) {
        if (file_size - offset > std::numeric_limits<std::size_t>::max())
            throw_file_error(operation(), make_error_code(std::errc::value_too_large), name,
                             "file of size " + std::to_string(file_size) + " does not fit in memory");
        length = static_cast<std::size_t>(file_size - offset);
    }
    whole_ = offset == 0 && length == file_size;
    map(file_, offset, length, operation, name);
}

inline void file_mapping::create_file(const std::filesystem::path& path, std::size_t size, if_exists existing) {
    const std::string name = path.string();
    const auto operation = [&] { return message("create").arg("path", name).arg("size", size); };
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (existing == if_exists::fail ? O_EXCL : O_TRUNC);
    const int fd = ::open(name.c_str(), flags, 0666);
    if (fd < 0) throw_file_error(operation(), system_code(errno), name);
    int failure = 0;
    if (size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
        failure = EFBIG;
    else if (size > 0)
        failure = reserve(fd, 0, static_cast<off_t>(size));
    if (failure != 0) {
        // Leave no half-made file: remove a new one, empty an overwritten one.
        if (existing == if_exists::fail) {
            ::unlink(name.c_str());
        } else {
            [[maybe_unused]] const int ignored = ::ftruncate(fd, 0);
        }
    }
    ::close(fd);
    if (failure != 0) throw_file_error(operation(), system_code(failure), name);
}

inline void file_mapping::resize(std::size_t n) {
    const std::string name = path_.string();
    const auto operation = [&] { return message("resize").arg("path", name).arg("size", n); };
    if (!is_open()) MEMREG_THROW(invalidated(operation().because("the mapped_file is closed")));
    if (mode() != access::read_write)
        MEMREG_THROW(bad_argument(operation().because("the file is mapped " + std::string(to_string(mode())) +
                                                      "; resize needs read_write")));
    if (!whole_)
        MEMREG_THROW(bad_argument(operation().because("the mapping covers part of the file (offset=" +
                                                      std::to_string(offset_) + ", length=" + std::to_string(size()) +
                                                      "); resize needs all of it")));
    if (n > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
        throw_file_error(operation(), system_code(EFBIG), name);
    if (n == size()) return;
    const int fd = file_.get_mapping_handle().handle;
    const std::size_t old_size = size();
    const int failure = n > old_size
                            ? reserve(fd, static_cast<off_t>(old_size), static_cast<off_t>(n - old_size))
                            : truncate(fd, n);
    if (failure != 0) {
        // A filesystem may keep part of a failed reservation: give it back.
        if (n > old_size) [[maybe_unused]] const int ignored = truncate(fd, old_size);
        throw_file_error(operation(), system_code(failure), name);
    }
    unmap();
    map(file_, 0, n, operation, name);
}

/// msync of the pages that hold [offset, offset + count). By hand, not through
/// mapped_region::flush: Boost 1.81 passes msync an address that is not page
/// aligned (EINVAL) when the offset is not a page boundary.
inline void file_mapping::write_back(std::size_t offset, std::size_t count, flush_mode how) {
    const auto first = reinterpret_cast<std::uintptr_t>(data() + offset);
    const std::uintptr_t page = boost::interprocess::mapped_region::get_page_size();
    const std::uintptr_t start = first & ~(page - 1);  // inside the mapping: it starts on a page
    if (::msync(reinterpret_cast<void*>(start), first + count - start,
                how == flush_mode::async ? MS_ASYNC : MS_SYNC) != 0) {
        const int number = errno;
        throw_file_error(
            message("flush").arg("path", path_.string()).arg("mode", how == flush_mode::sync ? "sync" : "async"),
            system_code(number), path_.string());
    }
}

}  // namespace detail

/// A file (or part of one) mapped into memory, its access mode in the type:
/// read_only_file's region() is a const_region, so writing to it does not
/// compile; read_write_file's stores reach the file; copy_on_write_file's stay
/// private to the mapping. Move-only; unmaps when destroyed (stores already made
/// through a read_write mapping stay in the file even without flush()).
template <access Mode>
class basic_mapped_file : public detail::with_access<Mode, detail::file_mapping> {
public:
    basic_mapped_file() noexcept = default;

    /// Maps [offset, offset + length) of an existing regular file (the whole file
    /// by default); the errors are file_mapping::open's.
    [[nodiscard]] static basic_mapped_file open(const std::filesystem::path& path, std::uint64_t offset = 0,
                                                std::size_t length = detail::file_mapping::to_end) {
        basic_mapped_file f;
        f.open_file(path, Mode, offset, length);
        return f;
    }

    /// open() that reports a failure in `error` (the file_error's code: a missing
    /// file, permission denied, a range outside the file, ...) instead of throwing;
    /// the result is then closed. `error` is cleared on success.
    [[nodiscard]] static basic_mapped_file open(const std::filesystem::path& path, std::error_code& error,
                                                std::uint64_t offset = 0,
                                                std::size_t length = detail::file_mapping::to_end) {
        return detail::report_file_error(error, [&] { return open(path, offset, length); });
    }

    /// Creates a file of `size` zero bytes, its blocks reserved on disk, and maps
    /// it. An existing file is an error unless `existing` is overwrite; a full disk
    /// throws file_error and leaves no new file behind.
    [[nodiscard]] static basic_mapped_file create(const std::filesystem::path& path, std::size_t size,
                                                  if_exists existing = if_exists::fail)
        requires(Mode == access::read_write)
    {
        detail::file_mapping::create_file(path, size, existing);
        return open(path);
    }

    /// create() that reports a failure (the file exists, a full disk, ...) in
    /// `error` instead of throwing; the result is then closed and no new file is left.
    [[nodiscard]] static basic_mapped_file create(const std::filesystem::path& path, std::size_t size,
                                                  std::error_code& error, if_exists existing = if_exists::fail)
        requires(Mode == access::read_write)
    {
        return detail::report_file_error(error, [&] { return create(path, size, existing); });
    }

    /// Makes the file n bytes long and maps all of it (see file_mapping::resize).
    void resize(std::size_t n)
        requires(Mode == access::read_write)
    {
        detail::file_mapping::resize(n);
    }

    /// resize() that reports a failure of the system (a full disk) in `error`
    /// instead of throwing; the file and mapping are then as they were. Misuse (a
    /// closed file, a mapping of part of the file) still throws.
    void resize(std::size_t n, std::error_code& error)
        requires(Mode == access::read_write)
    {
        detail::report_file_error(error, [&] { detail::file_mapping::resize(n); });
    }
};

using read_only_file = basic_mapped_file<access::read_only>;
using read_write_file = basic_mapped_file<access::read_write>;
using copy_on_write_file = basic_mapped_file<access::copy_on_write>;

/// The mapping of memreg 0.x, its mode chosen at run time: region() throws
/// bad_argument on a read_only mapping. Use the typed files above.
class [[deprecated("use read_only_file, read_write_file or copy_on_write_file")]] mapped_file
    : public detail::file_mapping {
public:
    mapped_file() noexcept = default;

    [[nodiscard]] static mapped_file open(const std::filesystem::path& path, access mode = access::read_only,
                                          std::uint64_t offset = 0, std::size_t length = to_end) {
        mapped_file f;
        f.open_file(path, mode, offset, length);
        return f;
    }
    [[nodiscard]] static mapped_file create(const std::filesystem::path& path, std::size_t size,
                                            if_exists existing = if_exists::fail) {
        create_file(path, size, existing);
        return open(path, access::read_write);
    }

    /// The mapped bytes, writable. Throws bad_argument on a read_only mapping.
    [[nodiscard]] memreg::region region() {
        if (mode() == access::read_only)
            MEMREG_THROW(bad_argument(detail::message("region")
                                          .arg("path", path().string())
                                          .because("the file is mapped read_only; use const_region()")));
        return {data(), size()};
    }
    [[nodiscard]] memreg::const_region region() const noexcept { return const_region(); }

    using detail::file_mapping::resize;
};

}  // namespace memreg
