// A real binary format read through a struct view: this test program's own ELF
// header, declared in C as <elf.h> declares it, checked against `readelf -h`.
#include <memreg/cdecl.hpp>
#include <memreg/view.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr const char* elf_declarations = R"(
    typedef uint16_t Elf64_Half;
    typedef uint32_t Elf64_Word;
    typedef uint64_t Elf64_Addr;
    typedef uint64_t Elf64_Off;
    #define_is_not_here
)";

constexpr const char* elf_header = R"(
    typedef struct {
        unsigned char e_ident[16];  /* magic, class, data, version, OS ABI */
        Elf64_Half e_type;
        Elf64_Half e_machine;
        Elf64_Word e_version;
        Elf64_Addr e_entry;
        Elf64_Off  e_phoff;
        Elf64_Off  e_shoff;
        Elf64_Word e_flags;
        Elf64_Half e_ehsize;
        Elf64_Half e_phentsize;
        Elf64_Half e_phnum;
        Elf64_Half e_shentsize;
        Elf64_Half e_shnum;
        Elf64_Half e_shstrndx;
    } Elf64_Ehdr;
)";

/// "Key: value" lines of `readelf -h path`.
std::map<std::string, std::string> readelf(const std::string& path) {
    std::map<std::string, std::string> out;
    FILE* pipe = ::popen(("readelf -h '" + path + "'").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char line[512];
    while (std::fgets(line, sizeof line, pipe)) {
        std::string s(line);
        const auto colon = s.find(':');
        if (colon == std::string::npos) continue;
        const auto first = s.find_first_not_of(' ');
        const auto value = s.find_first_not_of(' ', colon + 1);
        const auto end = s.find_last_not_of(" \n");
        out[s.substr(first, colon - first)] = value == std::string::npos ? "" : s.substr(value, end - value + 1);
    }
    CHECK(::pclose(pipe) == 0);
    return out;
}

std::uint64_t number(const std::string& s) { return std::stoull(s, nullptr, 0); }

}  // namespace

TEST_CASE("an ELF header read through a struct view matches readelf -h", "[view][elf]") {
    // This program's own file (readelf, run from here, would see itself as /proc/self/exe).
    const std::string path = std::filesystem::read_symlink("/proc/self/exe").string();
    std::ifstream file(path, std::ios::binary);
    std::vector<char> bytes(64);
    file.read(bytes.data(), 64);
    REQUIRE(file.gcount() == 64);

    // A 32-bit program (the i686 preset) is an ELFCLASS32 file: <elf.h>'s Elf32_Ehdr has
    // the same fields, with 32-bit addresses and offsets.
    const bool elf32 = sizeof(void*) == 4;
    std::string declarations = elf_declarations;
    std::string header = elf_header;
    if (elf32) {
        for (std::string* text : {&declarations, &header})
            for (auto at = text->find("Elf64"); at != std::string::npos; at = text->find("Elf64", at))
                text->replace(at, 5, "Elf32");
        for (auto at = declarations.find("uint64_t"); at != std::string::npos; at = declarations.find("uint64_t", at))
            declarations.replace(at, 8, "uint32_t");
    }
    memreg::cdecl::registry types;
    CHECK_THROWS_AS(types.define(declarations), memreg::parse_error);  // no #define
    types.define(declarations.substr(0, declarations.find('#')));
    types.define(header);
    const memreg::layout ehdr = types.type(elf32 ? "Elf32_Ehdr" : "Elf64_Ehdr");
    REQUIRE(ehdr.size() == (elf32 ? 52u : 64u));

    const memreg::const_struct_view h(ehdr, memreg::to_region(bytes));
    CHECK(h.get<int>("e_ident[0]") == 0x7f);
    CHECK(h.string("e_ident").substr(1, 3) == "ELF");
    CHECK(h.get<int>("e_ident[4]") == (elf32 ? 1 : 2));  // ELFCLASS32, ELFCLASS64
    // EI_DATA: ELFDATA2LSB (1) or ELFDATA2MSB (2), the machine's byte order.
    CHECK(h.get<int>("e_ident[5]") == (std::endian::native == std::endian::little ? 1 : 2));
    const auto address = [&](const char* field) -> std::uint64_t {
        return elf32 ? h.get<std::uint32_t>(field) : h.get<std::uint64_t>(field);
    };

    const auto expected = readelf(path);
    REQUIRE(expected.count("Entry point address"));
    CHECK(address("e_entry") == number(expected.at("Entry point address")));
    CHECK(address("e_phoff") == number(expected.at("Start of program headers")));
    CHECK(address("e_shoff") == number(expected.at("Start of section headers")));
    CHECK(h.get<unsigned>("e_flags") == number(expected.at("Flags")));
    CHECK(h.get<unsigned>("e_ehsize") == number(expected.at("Size of this header")));
    CHECK(h.get<unsigned>("e_phentsize") == number(expected.at("Size of program headers")));
    CHECK(h.get<unsigned>("e_phnum") == number(expected.at("Number of program headers")));
    CHECK(h.get<unsigned>("e_shentsize") == number(expected.at("Size of section headers")));
    CHECK(h.get<unsigned>("e_shnum") == number(expected.at("Number of section headers")));
    CHECK(h.get<unsigned>("e_shstrndx") == number(expected.at("Section header string table index")));
    CHECK(h.get<unsigned>("e_version") == number(expected.at("Version")));
    const std::string type = expected.at("Type");
    const unsigned e_type = h.get<unsigned>("e_type");
    CHECK(((e_type == 2 && type.rfind("EXEC", 0) == 0) || (e_type == 3 && type.rfind("DYN", 0) == 0)));
    const std::string machine = expected.at("Machine");
    if (machine == "Advanced Micro Devices X86-64") CHECK(h.get<unsigned>("e_machine") == 62);
    if (machine == "Intel 80386") CHECK(h.get<unsigned>("e_machine") == 3);
    if (machine == "IBM S/390") CHECK(h.get<unsigned>("e_machine") == 22);
}
