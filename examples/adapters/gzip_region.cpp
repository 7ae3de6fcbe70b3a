// gzip round trip through region streams: compress into a growing region with
// Boost.Iostreams' gzip filter, then decompress from that region, with no copy of
// the compressed bytes into a stream buffer.
#include <memreg/stream.hpp>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include <cstdio>
#include <iterator>
#include <string>

int main() {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "memreg regions stream through Boost.Iostreams filters\n";

    memreg::growing_device<> compressed;  // copies share the same owned region
    {
        boost::iostreams::filtering_ostream out;
        out.push(boost::iostreams::gzip_compressor());
        out.push(compressed);
        out << text;
    }  // closing the chain writes gzip's trailer

    boost::iostreams::filtering_istream in;
    in.push(boost::iostreams::gzip_decompressor());
    in.push(memreg::region_source(compressed.region()));
    const std::string round_trip{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

    std::printf("%zu bytes -> %zu bytes of gzip -> %zu bytes, %s\n", text.size(), compressed.size(),
                round_trip.size(), round_trip == text ? "identical" : "DIFFERENT");
    return round_trip == text && compressed.size() < text.size() / 10 ? 0 : 1;
}
