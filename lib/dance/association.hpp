// TLSA certificate association data (RFC 6698 section 2.1) computed from
// a loaded credential, for every usage, selector and matching type.
#pragma once

#include "dance/credential.hpp"
#include "dance/error.hpp"
#include "dance/name.hpp"
#include "dance/tlsa.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dance {

struct AssociationRequest {
    std::uint8_t usage = 3;
    std::uint8_t selector = 1;
    std::uint8_t matching_type = 1;

    // For PKIX-TA(0) and DANE-TA(2): the position in the bundle of the CA
    // certificate to hash, counted from 0 for the leaf. Empty means the
    // last certificate of the bundle.
    std::optional<std::size_t> ca_index;

    // Hash a certificate for usage 0 or 2 even when it is not a CA.
    bool force = false;
};

// A computed record and what it was computed from.
struct Association {
    TlsaRecord record;

    // Position of the hashed certificate in the bundle; empty for a bare
    // public or private key.
    std::optional<std::size_t> certificate_index;
    std::string subject; // of the hashed certificate; empty for a bare key

    // SHA-256 of the hashed certificate's DER, or of the SPKI DER for a
    // bare key, so a reader can tell which element was used.
    std::vector<std::uint8_t> sha256;
};

// Applies a matching type to selected octets: 0 copies them, 1 and 2 are
// SHA-256 and SHA-512. Errors (category usage) on other matching types.
Result<std::vector<std::uint8_t>>
association_data(std::span<const std::uint8_t> selected,
                 std::uint8_t matching_type);

// Computes the record for one credential. Usages 1 and 3 use the leaf,
// usages 0 and 2 a CA of the bundle. A bare key gives SPKI data only.
// Errors name the request that cannot be met and the fix. Their category
// is usage for parameters out of range, and input when the credential
// cannot provide what was requested.
Result<Association> compute_association(const Credential& credential,
                                        const AssociationRequest& request);

// Findings about a computed record that the operator should see; none of
// them stops the record from being published. `owner` is the TLSA owner
// name, which DANCE clients send verbatim as their ClientName; `now` is
// Unix time, for the validity checks.
std::vector<std::string> association_warnings(const Credential& credential,
                                              const Association& association,
                                              const std::optional<Name>& owner,
                                              std::int64_t now);

} // namespace dance
