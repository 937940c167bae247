// Text and JSON forms of TLSA records.
#include "dance/hex.hpp"
#include "dance/tlsa.hpp"

#include <nlohmann/json.hpp>

namespace dance {

namespace {

// All three parameters and the data, as one RFC 3597 hex string.
std::string whole_rdata_hex(const TlsaRecord& record) {
    std::vector<std::uint8_t> rdata{record.usage, record.selector,
                                    record.matching_type};
    rdata.insert(rdata.end(), record.data.begin(), record.data.end());
    return to_hex(rdata);
}

std::string generic_rdata(const TlsaRecord& record) {
    return "\\# " + std::to_string(3 + record.data.size()) + " " +
           whole_rdata_hex(record);
}

std::string owner_and_ttl(const Name& owner, std::optional<std::uint32_t> ttl) {
    std::string text = owner.to_string();
    if (ttl)
        text += " " + std::to_string(*ttl);
    return text;
}

nlohmann::json mnemonic_or_null(const char* mnemonic) {
    if (mnemonic == nullptr)
        return nullptr;
    return mnemonic;
}

} // namespace

std::string format_tlsa_rdata(const TlsaRecord& record) {
    if (record.data.empty())
        return generic_rdata(record);
    return std::to_string(record.usage) + " " +
           std::to_string(record.selector) + " " +
           std::to_string(record.matching_type) + " " + to_hex(record.data);
}

std::string format_zone_line(const Name& owner,
                             std::optional<std::uint32_t> ttl,
                             const TlsaRecord& record) {
    return owner_and_ttl(owner, ttl) + " IN TLSA " + format_tlsa_rdata(record);
}

std::string format_generic_line(const Name& owner,
                                std::optional<std::uint32_t> ttl,
                                const TlsaRecord& record) {
    return owner_and_ttl(owner, ttl) + " IN TYPE" +
           std::to_string(rr_type_tlsa) + " " + generic_rdata(record);
}

std::string format_nsupdate(const Name& owner, std::uint32_t ttl,
                            const TlsaRecord& record) {
    return "update add " + format_zone_line(owner, ttl, record);
}

nlohmann::json tlsa_to_json(const TlsaRecord& record) {
    return {
        {"usage", record.usage},
        {"selector", record.selector},
        {"matching_type", record.matching_type},
        {"mnemonics",
         {
             {"usage", mnemonic_or_null(usage_mnemonic(record.usage))},
             {"selector", mnemonic_or_null(selector_mnemonic(record.selector))},
             {"matching_type",
              mnemonic_or_null(matching_type_mnemonic(record.matching_type))},
         }},
        {"data", to_hex(record.data)},
    };
}

} // namespace dance
