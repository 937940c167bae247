// The TLSA resource record (RFC 6698 section 2) and its parameter
// registries, with the RFC 7218 mnemonics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dance/error.hpp"

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

} // namespace dance
