// memreg/file/mapped_file.hpp — a file (or part of one) mapped into memory as a region.
//
// Built on Boost.Interprocess file_mapping + mapped_region, with the checks the
// origins lacked: writes in read_write mode reach the file, copy_on_write never
// does, an empty file maps to an empty region, and creating or growing a file
// reserves its disk blocks first so a full disk is an exception, not a SIGBUS.
//
// POSIX only (mmap, posix_fallocate, msync).
#pragma once

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
#include <boost/interprocess/mapped_region.hpp>

#include "../error.hpp"
#include "../region.hpp"
#include "access.hpp"
#include "system_error.hpp"

namespace memreg {

/// Hints for the kernel's paging (madvise); advise() returns false where the
/// platform has no such hint.
enum class advice { normal, sequential, random, willneed, dontneed };

/// flush() waits for the data to reach the disk, or only starts the write-back.
enum class flush_mode { sync, async };

/// What create() does when the file already exists.
enum class if_exists { fail, overwrite };

class mapped_file {
public:
    /// open()'s length for "from the offset to the end of the file".
    static constexpr std::size_t to_end = std::numeric_limits<std::size_t>::max();

    /// A closed mapping: an empty region, nothing to flush.
    mapped_file() noexcept = default;

    /// Maps [offset, offset + length) of an existing regular file (the whole file by
    /// default). Throws file_error for a missing file, a directory or other
    /// non-regular file, permission denied (including read_write on a read-only
    /// file), and a range that is not inside the file.
    [[nodiscard]] static mapped_file open(const std::filesystem::path& path,
                                          access mode = access::read_only,
                                          std::uint64_t offset = 0,
                                          std::size_t length = to_end) {
        mapped_file f;
        f.path_ = path;
        f.mode_ = mode;
        f.offset_ = offset;
        f.open_file(length);
        return f;
    }

    /// Creates a file of `size` zero bytes, its blocks reserved on disk, and maps it
    /// read_write. An existing file is an error unless `existing` is overwrite (its
    /// contents are then discarded). If the disk is full (or RLIMIT_FSIZE is
    /// reached) it throws file_error and leaves no new file behind.
    [[nodiscard]] static mapped_file create(const std::filesystem::path& path, std::size_t size,
                                            if_exists existing = if_exists::fail) {
        const std::string name = path.string();
        const auto operation = [&] { return detail::message("create").arg("path", name).arg("size", size); };
        const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (existing == if_exists::fail ? O_EXCL : O_TRUNC);
        const int fd = ::open(name.c_str(), flags, 0666);
        if (fd < 0) detail::throw_file_error(operation(), detail::system_code(errno), name);
        int failure = 0;
        if (size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
            failure = EFBIG;
        else if (size > 0)
            failure = detail::reserve(fd, 0, static_cast<off_t>(size));
        if (failure != 0) {
            // Leave no half-made file: remove a new one, empty an overwritten one.
            if (existing == if_exists::fail) {
                ::unlink(name.c_str());
            } else {
                [[maybe_unused]] const int ignored = ::ftruncate(fd, 0);
            }
        }
        ::close(fd);
        if (failure != 0) detail::throw_file_error(operation(), detail::system_code(failure), name);
        return open(path, access::read_write);
    }

    mapped_file(mapped_file&& other) noexcept
        : file_(std::move(other.file_)),
          mapping_(std::move(other.mapping_)),
          path_(std::move(other.path_)),
          mode_(other.mode_),
          offset_(std::exchange(other.offset_, 0)),
          size_(std::exchange(other.size_, 0)),
          whole_(std::exchange(other.whole_, false)),
          open_(std::exchange(other.open_, false)) {}

    mapped_file& operator=(mapped_file&& other) noexcept {
        if (this != &other) {
            mapping_ = std::move(other.mapping_);  // unmaps ours first
            file_ = std::move(other.file_);
            path_ = std::move(other.path_);
            mode_ = other.mode_;
            offset_ = std::exchange(other.offset_, 0);
            size_ = std::exchange(other.size_, 0);
            whole_ = std::exchange(other.whole_, false);
            open_ = std::exchange(other.open_, false);
        }
        return *this;
    }

    /// Unmaps. Stores already made through a read_write mapping stay in the file
    /// (the page cache holds them) even without flush().
    ~mapped_file() = default;

    /// The mapped bytes, writable. Throws bad_argument on a read_only mapping,
    /// whose bytes are only a const_region().
    [[nodiscard]] memreg::region region() {
        if (mode_ == access::read_only) throw_read_only("region");
        return {data(), size_};
    }
    [[nodiscard]] memreg::const_region region() const noexcept { return const_region(); }
    [[nodiscard]] memreg::const_region const_region() const noexcept {
        return {static_cast<const std::byte*>(data()), size_};
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// False for a default-constructed, moved-from or closed mapping.
    [[nodiscard]] bool is_open() const noexcept { return open_; }
    [[nodiscard]] access mode() const noexcept { return mode_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// Where in the file the region starts.
    [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

    /// Writes the read_write mapping's changes to the disk: waits for them (sync) or
    /// only schedules them (async). A no-op for read_only and copy_on_write, whose
    /// mappings have nothing to write back. Throws file_error if the system fails.
    void flush(flush_mode how = flush_mode::sync) {
        if (mode_ != access::read_write || size_ == 0) return;
        write_back(0, size_, how);
    }

    /// Like flush(), for the count bytes at offset in the region only (the pages
    /// that hold them). Throws out_of_range if they are not inside the region.
    void flush(std::size_t offset, std::size_t count, flush_mode how = flush_mode::sync) {
        if (offset > size_ || count > size_ - offset) detail::throw_outside("flush", offset, count, size_);
        if (mode_ != access::read_write || count == 0) return;
        write_back(offset, count, how);
    }

    /// Makes the file n bytes long and maps all of it; contents are kept up to the
    /// smaller size and new bytes are zero. The mapping may move: regions taken
    /// before are invalid afterwards. Needs a read_write mapping of the whole file.
    /// Growing reserves the disk blocks first; if that fails (disk full) it throws
    /// file_error and the file and mapping are as they were.
    void resize(std::size_t n) {
        const std::string name = path_.string();
        const auto operation = [&] { return detail::message("resize").arg("path", name).arg("size", n); };
        if (!open_) throw invalidated(operation().because("the mapped_file is closed"));
        if (mode_ != access::read_write)
            throw bad_argument(operation().because("the file is mapped " + std::string(to_string(mode_)) +
                                                   "; resize needs read_write"));
        if (!whole_)
            throw bad_argument(operation().because("the mapping covers part of the file (offset=" +
                                                   std::to_string(offset_) + ", length=" +
                                                   std::to_string(size_) + "); resize needs all of it"));
        if (n > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
            detail::throw_file_error(operation(), detail::system_code(EFBIG), name);
        if (n == size_) return;
        const int fd = file_.get_mapping_handle().handle;
        const std::size_t old_size = size_;
        const int failure = n > old_size ? detail::reserve(fd, static_cast<off_t>(old_size),
                                                           static_cast<off_t>(n - old_size))
                                         : truncate(fd, n);
        if (failure != 0) {
            // A filesystem may keep part of a failed reservation: give it back.
            if (n > old_size) [[maybe_unused]] const int ignored = truncate(fd, old_size);
            detail::throw_file_error(operation(), detail::system_code(failure), name);
        }
        mapping_ = boost::interprocess::mapped_region();
        size_ = 0;
        map(n, operation);
    }

    /// Tells the kernel how the mapping will be read. Returns false where the
    /// platform lacks the hint (it is only ever a hint).
    bool advise(advice hint) noexcept {
        using bip = boost::interprocess::mapped_region;
        if (size_ == 0) return true;
        switch (hint) {
            case advice::normal: return mapping_.advise(bip::advice_normal);
            case advice::sequential: return mapping_.advise(bip::advice_sequential);
            case advice::random: return mapping_.advise(bip::advice_random);
            case advice::willneed: return mapping_.advise(bip::advice_willneed);
            case advice::dontneed: return mapping_.advise(bip::advice_dontneed);
        }
        return false;
    }

    /// Unmaps now and closes the file; the mapped_file becomes closed and empty.
    void close() noexcept { *this = mapped_file(); }

private:
    [[nodiscard]] std::byte* data() const noexcept {
        return size_ == 0 ? nullptr : static_cast<std::byte*>(mapping_.get_address());
    }

    /// msync of the pages that hold [offset, offset + count). By hand, not through
    /// mapped_region::flush: Boost 1.81 passes msync an address that is not page
    /// aligned (EINVAL) when the offset is not a page boundary.
    void write_back(std::size_t offset, std::size_t count, flush_mode how) {
        const auto first = reinterpret_cast<std::uintptr_t>(data() + offset);
        const std::uintptr_t page = boost::interprocess::mapped_region::get_page_size();
        const std::uintptr_t start = first & ~(page - 1);  // inside the mapping: it starts on a page
        if (::msync(reinterpret_cast<void*>(start), first + count - start,
                    how == flush_mode::async ? MS_ASYNC : MS_SYNC) != 0) {
            const int number = errno;
            detail::throw_file_error(detail::message("flush")
                                         .arg("path", path_.string())
                                         .arg("mode", how == flush_mode::sync ? "sync" : "async"),
                                     detail::system_code(number), path_.string());
        }
    }

    static int truncate(int fd, std::size_t n) noexcept {
        return ::ftruncate(fd, static_cast<off_t>(n)) == 0 ? 0 : errno;
    }

    [[noreturn, gnu::cold, gnu::noinline]] void throw_read_only(const char* operation) const {
        throw bad_argument(detail::message(operation)
                               .arg("path", path_.string())
                               .because("the file is mapped read_only; use const_region()"));
    }

    void open_file(std::size_t length) {
        namespace bip = boost::interprocess;
        const std::string name = path_.string();
        const auto operation = [&] {
            detail::message m("open");
            m.arg("path", name).arg("access", to_string(mode_));
            if (offset_ != 0) m.arg("offset", offset_);
            if (length != to_end) m.arg("length", length);
            return m;
        };
        // Refuse directories and special files before opening: open() on a FIFO blocks.
        struct ::stat info{};
        if (::stat(name.c_str(), &info) != 0)
            detail::throw_file_error(operation(), detail::system_code(errno), name);
        check_regular(info, operation, name);
        try {
            file_ = bip::file_mapping(name.c_str(), mode_ == access::read_write ? bip::read_write : bip::read_only);
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), name);
        }
        // The size that counts is the one of the file we opened.
        if (::fstat(file_.get_mapping_handle().handle, &info) != 0)
            detail::throw_file_error(operation(), detail::system_code(errno), name);
        check_regular(info, operation, name);
        const auto file_size = static_cast<std::uint64_t>(info.st_size);
        if (offset_ > file_size || (length != to_end && length > file_size - offset_))
            detail::throw_file_error(operation(), make_error_code(std::errc::invalid_argument), name,
                                     "outside file of size " + std::to_string(file_size));
        if (length == to_end) {
            if (file_size - offset_ > std::numeric_limits<std::size_t>::max())
                detail::throw_file_error(operation(), make_error_code(std::errc::value_too_large), name,
                                         "file of size " + std::to_string(file_size) + " does not fit in memory");
            length = static_cast<std::size_t>(file_size - offset_);
        }
        whole_ = offset_ == 0 && length == file_size;
        open_ = true;
        map(length, operation);
    }

    template <class Operation>
    static void check_regular(const struct ::stat& info, const Operation& operation, const std::string& name) {
        if (S_ISDIR(info.st_mode))
            detail::throw_file_error(operation(), make_error_code(std::errc::is_a_directory), name);
        if (!S_ISREG(info.st_mode))
            detail::throw_file_error(operation(), make_error_code(std::errc::invalid_argument), name,
                                     "not a regular file");
    }

    /// Maps `length` bytes at offset_; an empty range needs (and gets) no mapping.
    template <class Operation>
    void map(std::size_t length, const Operation& operation) {
        namespace bip = boost::interprocess;
        if (length == 0) return;
        const bip::mode_t how = mode_ == access::read_only    ? bip::read_only
                                : mode_ == access::read_write ? bip::read_write
                                                              : bip::copy_on_write;
        try {
            mapping_ = bip::mapped_region(file_, how, static_cast<bip::offset_t>(offset_), length);
        } catch (const bip::interprocess_exception& e) {
            detail::throw_file_error(operation(), detail::code_of(e), path_.string());
        }
        size_ = length;
    }

    boost::interprocess::file_mapping file_;
    boost::interprocess::mapped_region mapping_;
    std::filesystem::path path_;
    access mode_ = access::read_only;
    std::uint64_t offset_ = 0;
    std::size_t size_ = 0;
    bool whole_ = false;
    bool open_ = false;
};

}  // namespace memreg
