// The DANE decision for one client: TLSA records and the outcome of their
// lookup, the certificate chain or raw public key the client presented,
// and the name it claimed (ClientName) go in; a verdict with one reason
// code, a verdict per record and warnings comes out.
//
// Rules: RFC 6698 as updated by RFC 7671, with the client-side reading of
// draft-ietf-dance-client-auth. Nothing here does I/O or reads the clock:
// the time for validity checks is an option, so tests can fix it.
#pragma once

#include "dance/name.hpp"
#include "dance/resolve.hpp"
#include "dance/tlsa.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dance {

using DerBytes = std::vector<std::uint8_t>;

// The closed list of verdict reasons. Each has a stable code, printed by
// match_reason_code() and documented in dance-verify(1).
enum class MatchReason {
    secure_match,            // a usable record in a secure answer matched
    no_match,                // usable records, none matched
    weaker_digest_only,      // only a record set aside by digest agility
                             // matched
    no_usable_records,       // every record is unusable
    name_not_in_certificate, // a DANE-TA or PKIX record matched, but the
                             // ClientName is not a dNSName of the leaf
    chain_invalid,           // a trust anchor matched, but the chain from
                             // the leaf to it does not validate
    invalid_credential,      // the presented certificate or key does not
                             // parse, or nothing was presented
    invalid_client_name,     // the ClientName is a wildcard
    insecure,                // the answer or denial is not signed
    bogus,                   // DNSSEC validation failed
    indeterminate,           // no trust anchor covers the name
    nxdomain,                // proven: the name does not exist
    nodata,                  // proven: the name has no TLSA records
    timeout,                 // no answer in time
    lookup_failed,           // SERVFAIL, REFUSED or a network error
};

// "secure-match", "no-match", ...: the codes of text and JSON output.
const char* match_reason_code(MatchReason reason);

// What happened to one TLSA record.
enum class RecordOutcome {
    matched,
    not_matched,
    superseded,    // set aside by digest agility (RFC 7671 section 9)
    unusable,      // unknown parameter, malformed data, or unsupported here
    chain_invalid, // the anchor matched, the chain to it does not validate
    name_not_in_certificate, // matched, but the leaf lacks the ClientName
};

// "matched", "not-matched", "superseded", "unusable", "chain-invalid",
// "name-not-in-certificate".
const char* record_outcome_code(RecordOutcome outcome);

struct RecordVerdict {
    TlsaRecord record;
    RecordOutcome outcome = RecordOutcome::not_matched;

    // Why the record did or did not match: which certificate matched, the
    // reason it is unusable, what the chain check found.
    std::string detail;
};

// What a DANCE server does with this verdict (draft-ietf-dance-client-auth,
// server procedure).
enum class ServerAction {
    accept,                   // the client is authenticated
    abort_or_unauthenticated, // abort with handshake_failure, or treat the
                              // client as unauthenticated if policy allows
    abort,                    // abort with handshake_failure, no choice
};

// "accept", "abort-or-unauthenticated", "abort".
const char* server_action_code(ServerAction action);

// One sentence describing the action, for text output.
const char* server_action_text(ServerAction action);

struct MatchVerdict {
    bool authenticated = false;
    MatchReason reason = MatchReason::no_usable_records;
    std::string detail;                 // one sentence expanding the reason
    std::vector<RecordVerdict> records; // in the order of the RRset
    std::vector<std::string> warnings;
    ServerAction server_action = ServerAction::abort_or_unauthenticated;
};

// What the client presented in its TLS Certificate message.
struct PresentedCredential {
    // X.509 certificates in DER, leaf first, as sent. Empty for a raw key.
    std::vector<DerBytes> chain;

    // The SubjectPublicKeyInfo DER of an RFC 7250 raw public key.
    std::optional<DerBytes> raw_public_key;
};

struct MatchOptions {
    // CA certificates (DER) trusted for the PKIX-TA and PKIX-EE usages.
    // Without a store those records are unusable, since client
    // certificates have no default trust store.
    std::optional<std::vector<DerBytes>> pkix_trust_anchors;

    // Unix time at which certificate validity is checked.
    std::int64_t now = 0;

    // RFC 7671 section 9 digest agility. Turning it off counts weaker
    // digests too; that is for diagnostics only.
    bool digest_agility = true;
};

// Decides whether `presented` authenticates as `client_name` given the
// TLSA lookup. Only an answer with DNSSEC status secure can authenticate;
// the records of any other answer are still judged, for diagnostics.
MatchVerdict match_tlsa(const TlsaLookup& lookup,
                        const PresentedCredential& presented,
                        const Name& client_name, const MatchOptions& options);

} // namespace dance
