// A C++ struct described with Boost.Describe, read and written by field name
// through its runtime layout: the same path the Lua binding takes.
#include <memreg/describe.hpp>
#include <memreg/view.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <cstdio>

namespace telemetry {
struct vec3 {
    float x, y, z;
};
BOOST_DESCRIBE_STRUCT(vec3, (), (x, y, z))

struct sample {
    std::uint32_t id;
    vec3 position;
    double time;
    bool valid;
    std::int16_t readings[4];
};
BOOST_DESCRIBE_STRUCT(sample, (), (id, position, time, valid, readings))
}  // namespace telemetry

int main() {
    const memreg::layout layout = memreg::layout_of<telemetry::sample>();
    std::printf("%s: %zu bytes\n", layout.name().c_str(), layout.size());
    for (const memreg::layout_field& f : layout.fields())
        std::printf("  %-10s %-20s offset %zu\n", f.name.c_str(), f.type.name().c_str(), f.offset);

    telemetry::sample s{};
    const memreg::struct_view v(layout, memreg::bytes_of(s));
    v.set("id", 7);
    v.set("position.y", 1.5);
    v.set("valid", true);
    v.set("readings[2]", -300);
    std::printf("id=%u y=%g valid=%d readings[2]=%d\n", s.id, double(s.position.y), int(s.valid),
                int(s.readings[2]));
    const bool ok = s.id == 7 && s.position.y == 1.5f && s.valid && s.readings[2] == -300 &&
                    v.get<double>("position.y") == 1.5;
    return ok ? 0 : 1;
}
