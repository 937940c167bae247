// Fuzzes Name::parse with arbitrary text and checks the invariants that
// owner names, ClientNames and TLSA lookups rely on.
#include "dance/name.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

// Messages may quote the input, but only with control bytes escaped.
void check_message(std::string_view message) {
    if (message.empty())
        std::abort();
    for (std::size_t i = 0; i < message.size(); ++i) {
        const auto byte = static_cast<unsigned char>(message[i]);
        if (byte < 0x20 || byte == 0x7f)
            std::abort();
        const bool c1 = byte == 0xc2 && i + 1 < message.size() &&
                        static_cast<unsigned char>(message[i + 1]) < 0xa0;
        if (c1)
            std::abort();
    }
}

void check_labels(const dance::Name& name) {
    for (const std::string& label : name.labels()) {
        if (label.empty() || label.size() > 63)
            std::abort();
        for (char c : label) {
            if (c >= 'A' && c <= 'Z')
                std::abort();
            if (static_cast<unsigned char>(c) >= 0x80 || c == '.')
                std::abort();
        }
    }
}

void check_name(const dance::Name& name) {
    check_labels(name);
    if (name.wire_length() > 255 || name.to_wire().size() != name.wire_length())
        std::abort();

    // The presentation form and the labels both rebuild the same name.
    auto again = dance::Name::parse(name.to_string());
    if (!again.ok() || !(*again == name))
        std::abort();
    auto rebuilt = dance::Name::from_labels(name.labels());
    if (!rebuilt.ok() || !(*rebuilt == name))
        std::abort();
    if (!name.is_subdomain_of(dance::Name()))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto name = dance::Name::parse(text);
    if (name.ok())
        check_name(*name);
    else
        check_message(name.error().message);
    return 0;
}
