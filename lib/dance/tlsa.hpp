// The TLSA resource record (RFC 6698 section 2) and its parameter
// registries, with the RFC 7218 mnemonics.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dance/error.hpp"
#include "dance/name.hpp"

namespace dance {

// RR type code of TLSA (RFC 6698 section 7.1).
inline constexpr std::uint16_t rr_type_tlsa = 52;

enum class Usage : std::uint8_t {
    pkix_ta = 0,
    pkix_ee = 1,
    dane_ta = 2,
    dane_ee = 3,
};

enum class Selector : std::uint8_t {
    cert = 0,
    spki = 1,
};

enum class MatchingType : std::uint8_t {
    full = 0,
    sha2_256 = 1,
    sha2_512 = 2,
};

// One TLSA RDATA. The fields stay raw octets so that records with
// unassigned or private-use parameters can be represented and then set
// aside as unusable with a reason, as RFC 6698 section 4.1 requires.
struct TlsaRecord {
    std::uint8_t usage = 3;
    std::uint8_t selector = 1;
    std::uint8_t matching_type = 1;
    std::vector<std::uint8_t> data; // certificate association data

    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

// Parameter values, as a decimal number from 0 to 255 or as the RFC 7218
// mnemonic in any case: "3", "DANE-EE", "dane-ee", "SPKI", "SHA2-256".
// Errors have the category ErrorCategory::input.
Result<std::uint8_t> parse_usage(std::string_view text);
Result<std::uint8_t> parse_selector(std::string_view text);
Result<std::uint8_t> parse_matching_type(std::string_view text);

// RFC 7218 mnemonics, including the private-use ones for 255 ("PrivCert",
// "PrivSel", "PrivMatch"). nullptr for unassigned values.
const char* usage_mnemonic(std::uint8_t usage);
const char* selector_mnemonic(std::uint8_t selector);
const char* matching_type_mnemonic(std::uint8_t matching_type);

// Parses TLSA RDATA in presentation form, "3 1 1 <hex>" (numbers or
// mnemonics, hex in either case and split by white space, parentheses and
// ";" comments allowed), or in the RFC 3597 generic form "\# <len> <hex>".
// Errors have the category ErrorCategory::input.
Result<TlsaRecord> parse_tlsa_rdata(std::string_view text);

// Why a record cannot be used (RFC 6698 section 4.1): an unassigned or
// private-use parameter, data whose length does not fit its matching type,
// or Full data that does not parse as the type its selector names.
// std::nullopt when the record is usable.
std::optional<std::string> tlsa_unusable_reason(const TlsaRecord& record);

// "3 1 1 <lowercase hex>", in one unbroken line. Empty data cannot be
// written in that form, so a record with empty data is formatted in the
// RFC 3597 generic form "\# 3 030101". parse_tlsa_rdata() reads both.
std::string format_tlsa_rdata(const TlsaRecord& record);

// Zone file lines: "<owner.> [ttl] IN TLSA 3 1 1 <hex>" and the RFC 3597
// form "<owner.> [ttl] IN TYPE52 \# <len> <hex>" for software that does
// not know TLSA.
std::string format_zone_line(const Name& owner,
                             std::optional<std::uint32_t> ttl,
                             const TlsaRecord& record);
std::string format_generic_line(const Name& owner,
                                std::optional<std::uint32_t> ttl,
                                const TlsaRecord& record);

// An nsupdate(1) command: "update add <owner.> <ttl> IN TLSA 3 1 1 <hex>".
std::string format_nsupdate(const Name& owner, std::uint32_t ttl,
                            const TlsaRecord& record);

// {"usage": 3, "selector": 1, "matching_type": 1, "mnemonics": {"usage":
// "DANE-EE", ...}, "data": "<lowercase hex>"}. A mnemonic is null for an
// unassigned value. Callers include <nlohmann/json.hpp> to use the result.
nlohmann::json tlsa_to_json(const TlsaRecord& record);

} // namespace dance
