// LuaJIT's rgba image example, in C++: declare the pixel in C, view a region as an
// array of them, and work on fields by name.
#include <memreg/cdecl.hpp>
#include <memreg/view.hpp>

#include <cstdio>
#include <vector>

int main() {
    memreg::cdecl::registry types;
    types.define(R"(
        typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;
        struct image { uint32_t width, height; rgba_pixel pixels[16]; };
    )");
    const memreg::layout image = types.type("struct image");
    std::printf("struct image: %zu bytes, pixels at offset %zu, pixels[3].blue at %zu\n",
                image.size(), image.offset_of("pixels"), image.offset_of("pixels[3].blue"));

    std::vector<std::byte> memory(image.size());
    const memreg::struct_view img(image, memreg::to_region(memory));
    img.set("width", 4);
    img.set("height", 4);
    const memreg::struct_view pixels = img.at("pixels");
    for (std::size_t i = 0; i < pixels.type().count(); ++i) {
        const memreg::struct_view px = pixels[i];
        px.set("red", i * 16);
        px.set("green", 255 - i * 16);
        px.set("alpha", 255);
    }
    // Average the red channel the way the LuaJIT example does, by field name.
    unsigned total = 0;
    for (std::size_t i = 0; i < pixels.type().count(); ++i) total += pixels[i].get<unsigned>("red");
    std::printf("average red: %u\n", total / 16);

    // A checked write: 300 does not fit a uint8_t field.
    bool refused = false;
    try {
        img.set("pixels[0].red", 300);
    } catch (const memreg::bad_argument& e) {
        std::printf("refused: %s\n", e.what());
        refused = true;
    }
    const bool ok = total / 16 == 120 && refused && img.get<int>("pixels[15].green") == 15 &&
                    std::to_integer<int>(memory[image.offset_of("pixels[1].red")]) == 16;
    return ok ? 0 : 1;
}
