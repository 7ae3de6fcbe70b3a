// memreg/lua/files.hpp — mapped files as regions: memreg.map, memreg.create, r:flush.
//
//   memreg.map(path [, mode])   mode "r" (read_only, the default), "w" (read_write:
//                               writes reach the file) or "c" (copy_on_write: they
//                               never do); the long names read_only, read_write and
//                               copy_on_write work too. A read-only mapping is a
//                               read-only region: writing to it raises an error.
//   memreg.create(path, size)   a new file of size zero bytes, mapped read_write
//                               (an existing file is an error).
//   r:flush()                   writes a read_write mapping back to the file now
//                               (a no-op for memory that is not a file).
// The file stays mapped while the region or any sub-region of it lives; r:free()
// unmaps it at once. A mapped file cannot be resized from Lua.
#pragma once

#include <string>
#include <utility>

#include "../file.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

class file_block final : public block {
public:
    explicit file_block(mapped_file file) noexcept : file_(std::move(file)) {
        // A read_only mapping is const: the region's read-only flag enforces it.
        const const_region bytes = file_.const_region();
        bytes_ = region(const_cast<std::byte*>(bytes.data()), bytes.size());
    }
    ~file_block() override { file_block::release(); }

    void release() noexcept override {
        if (released()) return;
        file_.close();
        invalidate();
    }
    [[nodiscard]] const char* not_resizable() const noexcept override {
        return "a mapped file cannot be resized from Lua";
    }
    [[nodiscard]] const char* kind() const noexcept override { return "file"; }
    void flush(std::size_t, std::size_t) override {
        if (file_.mode() == access::read_write) file_.flush();
    }

private:
    mapped_file file_;
};

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
    std::size_t n = 0;
    const char* path = check_string(L, 1, fname, n);
    const access mode = check_access(L, 2, fname);
    // Push the userdata first: a Lua memory error cannot then leak the mapping.
    region_userdata& ud = push_empty_userdata(L);
    mapped_file file = mapped_file::open(std::string(path, n), mode);
    attach(ud, new file_block(std::move(file)), true, mode == access::read_only);
    return 1;
}

/// memreg.create(path, size)
inline int file_create(lua_State* L) {
    constexpr const char* fname = "create";
    std::size_t n = 0;
    const char* path = check_string(L, 1, fname, n);
    const std::size_t size = check_offset(L, 2, fname, "size");
    region_userdata& ud = push_empty_userdata(L);
    mapped_file file = mapped_file::create(std::string(path, n), size);
    attach(ud, new file_block(std::move(file)), true, false);
    return 1;
}

/// r:flush()
inline int file_flush(lua_State* L) {
    region_userdata& ud = check_userdata(L, 1, "flush");
    ud.memory->flush(ud.offset, ud.size);
    lua_settop(L, 1);
    return 1;
}

inline void register_files(lua_State* L, int module, int methods) {
    static const luaL_Reg module_functions[] = {
        {"map", protect<file_map>},
        {"create", protect<file_create>},
        {nullptr, nullptr},
    };
    static const luaL_Reg method_functions[] = {
        {"flush", protect<file_flush>},
        {nullptr, nullptr},
    };
    set_functions(L, module, module_functions);
    set_functions(L, methods, method_functions);
}

}  // namespace memreg::lua::detail
