// Fuzzes parse_tlsa_rdata with arbitrary text. Every record it accepts
// must be checkable, and must parse back unchanged from each text form
// that dance writes.
#include "dance/tlsa.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

void check_round_trip(const dance::TlsaRecord& record,
                      const std::string& text) {
    auto again = dance::parse_tlsa_rdata(text);
    if (!again.ok() || !(*again == record))
        std::abort();
}

void check_record(const dance::TlsaRecord& record) {
    const auto reason = dance::tlsa_unusable_reason(record);
    if (reason && reason->empty())
        std::abort();

    check_round_trip(record, dance::format_tlsa_rdata(record));

    const std::string generic =
        dance::format_generic_line(dance::Name(), 60, record);
    const std::size_t rdata_start = generic.find("\\#");
    if (rdata_start == std::string::npos)
        std::abort();
    check_round_trip(record, generic.substr(rdata_start));

    const nlohmann::json json = dance::tlsa_to_json(record);
    if (json.at("usage") != record.usage)
        std::abort();
}

void check_message(std::string_view message) {
    if (message.empty())
        std::abort();
    for (char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto record = dance::parse_tlsa_rdata(text);
    if (record.ok())
        check_record(*record);
    else
        check_message(record.error().message);
    return 0;
}
