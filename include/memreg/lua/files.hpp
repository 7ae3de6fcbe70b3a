// memreg/lua/files.hpp — mapped files as regions: memreg.map, memreg.createfile, r:flush.
//
//   memreg.map(path [, mode])   mode "r" (read_only, the default), "w" (read_write:
//                               writes reach the file) or "c" (copy_on_write: they
//                               never do); the long names read_only, read_write and
//                               copy_on_write work too. A read-only mapping is a
//                               read-only region: writing to it raises an error.
//   memreg.createfile(path, size)  a new file of size zero bytes, mapped read_write
//                               (an existing file is an error). memreg.create is its
//                               deprecated name (0.1.0).
//   r:flush()                   writes a read_write mapping back to the file now
//                               (a no-op for memory that is not a file).
// The file stays mapped while the region or any sub-region of it lives; r:free()
// unmaps it at once. A mapped file cannot be resized from Lua.
//
// Truncation: touching a mapped page past the end of its file raises SIGBUS. Every
// binding call checks the file's size (one fstat) when it checks the region, so a
// file that became shorter than its mapping (io.open(path, "wb") in the same
// program, before or during a call) makes the region invalid, sticky, instead of
// killing the process. Not covered: another process or thread truncating the file
// while a call is reading it, and raw pointers a host or LuaJIT's FFI took.
// Paths with an embedded NUL are refused (the system would see only the part
// before it).
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>

#include "../file.hpp"
#include "resolve.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

/// A descriptor of the mapped file kept to watch its size (the mapping's own is
/// Boost's); closed with the block.
class watch_fd {
public:
    explicit watch_fd(int fd) noexcept : fd_(fd) {}
    watch_fd(watch_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    watch_fd& operator=(watch_fd&&) = delete;
    ~watch_fd() { close(); }
    void close() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }
    /// The file's size now; -1 if it cannot be had.
    [[nodiscard]] off_t file_size() const noexcept {
        struct stat st {};
        return fd_ >= 0 && ::fstat(fd_, &st) == 0 ? st.st_size : -1;
    }

private:
    int fd_;
};

/// Opens path for watching its size, before it is mapped.
inline int open_watch(const std::string& path, const char* fname) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        memreg::detail::throw_file_error(memreg::detail::message(fname).arg("path", path),
                                         memreg::detail::system_code(errno), path);
    return fd;
}

class file_block final : public block {
public:
    file_block(memreg::detail::file_mapping file, watch_fd watch) noexcept
        : file_(std::move(file)), watch_(std::move(watch)) {
        // A read_only mapping is const: the region's read-only flag enforces it.
        const const_region bytes = file_.const_region();
        bytes_ = region(const_cast<std::byte*>(bytes.data()), bytes.size());
    }
    ~file_block() override { file_block::release(); }

    void release() noexcept override {
        if (released()) return;
        file_.close();
        watch_.close();
        invalidate();
    }
    /// False once the file is shorter than the mapping (and from then on): its
    /// pages past the end would raise SIGBUS.
    [[nodiscard]] bool alive() const noexcept override {
        if (released() || truncated_) return false;
        if (bytes_.empty()) return true;
        const off_t size = watch_.file_size();
        truncated_ = size < 0 || static_cast<std::uint64_t>(size) < bytes_.size();
        return !truncated_;
    }
    [[nodiscard]] bool watchable() const noexcept override { return false; }
    [[nodiscard]] const char* not_resizable() const noexcept override {
        return "a mapped file cannot be resized from Lua";
    }
    [[nodiscard]] const char* kind() const noexcept override { return "file"; }
    void flush(std::size_t, std::size_t) override {
        if (file_.mode() == access::read_write) file_.flush();
    }

private:
    memreg::detail::file_mapping file_;  // its mode is chosen at run time, by the script
    watch_fd watch_;
    mutable bool truncated_ = false;
};

/// Argument arg as a path: a string without NUL bytes.
inline std::string check_path(lua_State* L, int arg, const char* fname) {
    std::size_t n = 0;
    const char* text = check_string(L, arg, fname, n);
    const void* nul = std::memchr(text, 0, n);
    if (nul != nullptr)
        throw_argument(arg, fname,
                       "path contains a NUL byte at " +
                           std::to_string(static_cast<const char*>(nul) - text) +
                           " (the system would see only the part before it)");
    return std::string(text, n);
}

/// Pushes a region over the file that open() maps (file_mapping::open or read_write_file::create).
template <class Open>
void push_file(lua_State* L, const std::string& path, bool read_only, const char* fname,
               Open open) {
    // The userdata first: a Lua memory error cannot then leak the mapping.
    region_userdata& ud = push_empty_userdata(L, fname, region_role::owner, read_only);
    memreg::detail::file_mapping file = open();
    watch_fd watch(open_watch(path, fname));
    attach(ud, new file_block(std::move(file), std::move(watch)));
}

inline access check_access(lua_State* L, int arg, const char* fname) {
    if (lua_isnoneornil(L, arg)) return access::read_only;
    std::size_t n = 0;
    const char* text = check_string(L, arg, fname, n);
    const std::string mode(text, n);
    if (mode == "r" || mode == "read_only") return access::read_only;
    if (mode == "w" || mode == "rw" || mode == "read_write") return access::read_write;
    if (mode == "c" || mode == "copy_on_write") return access::copy_on_write;
    throw_argument(arg, fname,
                   "mode must be 'r' (read_only), 'w' (read_write) or 'c' (copy_on_write), got '" +
                       mode + "'");
}

/// memreg.map(path [, mode])
inline int file_map(lua_State* L) {
    constexpr const char* fname = "map";
    const std::string path = check_path(L, 1, fname);
    const access mode = check_access(L, 2, fname);
    push_file(L, path, mode == access::read_only, fname,
              [&] { return memreg::detail::file_mapping::open(path, mode); });
    return 1;
}

/// memreg.createfile(path, size)
inline int file_create(lua_State* L) {
    constexpr const char* fname = "createfile";
    const std::string path = check_path(L, 1, fname);
    const std::size_t size = check_offset(L, 2, fname, "size");
    push_file(L, path, false, fname, [&] { return memreg::read_write_file::create(path, size); });
    return 1;
}

/// r:flush()
inline int file_flush(lua_State* L) {
    const region_arg r(L, 1, "flush");
    const region_userdata& ud = r.userdata();
    region_access::memory(ud)->flush(ud.offset(), ud.size());
    lua_settop(L, 1);
    return 1;
}

inline void register_files(lua_State* L, int module, int methods) {
    static const luaL_Reg module_functions[] = {
        {"map", protect<file_map>},
        {"createfile", protect<file_create>},
        {nullptr, nullptr},
    };
    static constexpr alias deprecated[] = {{"create", "createfile"}};  // 0.1.0's name
    static const luaL_Reg method_functions[] = {
        {"flush", protect<file_flush>},
        {nullptr, nullptr},
    };
    set_functions(L, module, module_functions);
    set_aliases(L, module, deprecated);
    set_functions(L, methods, method_functions);
}

}  // namespace memreg::lua::detail
