#include "dance/match.hpp"

#include "dance/match_internal.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace dance {

namespace {

using match_detail::Certificate;
using match_detail::Evaluator;
using match_detail::import_spki;
using match_detail::parse_certificate;
using match_detail::usage_label;
using match_detail::validity_problem;

// "(DANE-EE, SPKI)": the pair that digest agility compares within.
std::string record_key(const TlsaRecord& record) {
    const char* selector = selector_mnemonic(record.selector);
    return "(" + usage_label(record.usage) + ", " +
           (selector ? selector : std::to_string(record.selector)) + ")";
}

// Why a record cannot be used here, or std::nullopt: the RFC 6698
// section 4.1 checks of tlsa_unusable_reason(), plus the PKIX usages
// without a CA store (RFC 7671 section 4.1 lets a verifier without one
// treat them as unusable).
std::optional<std::string> unusable_reason(const TlsaRecord& record,
                                           bool has_pkix_store) {
    if (auto reason = tlsa_unusable_reason(record))
        return reason;

    bool pkix = record.usage == static_cast<std::uint8_t>(Usage::pkix_ta) ||
                record.usage == static_cast<std::uint8_t>(Usage::pkix_ee);
    if (pkix && !has_pkix_store)
        return usage_label(record.usage) +
               " needs a CA store for client certificates, and none is "
               "configured";
    return std::nullopt;
}

bool is_digest(std::uint8_t matching_type) {
    return matching_type == static_cast<std::uint8_t>(MatchingType::sha2_256) ||
           matching_type == static_cast<std::uint8_t>(MatchingType::sha2_512);
}

// RFC 7671 section 9: for each (usage, selector) pair only the strongest
// digest published counts. SHA2-512 ranks above SHA2-256, which matches
// their code points; Full records always count.
std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint8_t>
strongest_digests(const std::vector<TlsaRecord>& records,
                  const std::vector<bool>& usable) {
    std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint8_t> strongest;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const TlsaRecord& record = records[i];
        if (!usable[i] || !is_digest(record.matching_type))
            continue;
        auto& best = strongest[{record.usage, record.selector}];
        best = std::max(best, record.matching_type);
    }
    return strongest;
}

const char* matching_type_label(std::uint8_t matching_type) {
    return matching_type == 2 ? "SHA2-512" : "SHA2-256";
}

struct ParsedCredential {
    std::vector<Certificate> chain;
    std::optional<DerBytes> raw_spki;
};

// Parses what the client presented, or returns why it cannot be used.
Result<ParsedCredential> parse_presented(const PresentedCredential& presented) {
    ParsedCredential parsed;
    if (presented.raw_public_key) {
        if (!import_spki(*presented.raw_public_key))
            return make_error(ErrorCategory::verification,
                              "the raw public key does not parse as a DER "
                              "SubjectPublicKeyInfo");
        parsed.raw_spki = presented.raw_public_key;
        return parsed;
    }

    if (presented.chain.empty())
        return make_error(ErrorCategory::verification,
                          "the client presented no certificate or key");
    for (std::size_t i = 0; i < presented.chain.size(); ++i) {
        auto certificate = parse_certificate(presented.chain[i]);
        if (!certificate)
            return make_error(ErrorCategory::verification,
                              "certificate " + std::to_string(i + 1) +
                                  " of the presented chain does not parse "
                                  "as X.509 DER");
        parsed.chain.push_back(std::move(*certificate));
    }
    return parsed;
}

// The verdict reason when the lookup itself rules out authentication, or
// std::nullopt for a secure answer. RFC 6698 section 4.1: only a secure
// TLSA RRset may be used.
std::optional<MatchReason> lookup_reason(const TlsaLookup& lookup) {
    switch (lookup.status) {
    case LookupStatus::timeout:
        return MatchReason::timeout;
    case LookupStatus::failed:
        return MatchReason::lookup_failed;
    default:
        break;
    }

    switch (lookup.dnssec) {
    case DnssecStatus::bogus:
        return MatchReason::bogus;
    case DnssecStatus::insecure:
        return MatchReason::insecure;
    case DnssecStatus::indeterminate:
        return MatchReason::indeterminate;
    case DnssecStatus::secure:
        break;
    }

    if (lookup.status == LookupStatus::nxdomain)
        return MatchReason::nxdomain;
    if (lookup.status == LookupStatus::nodata)
        return MatchReason::nodata;
    return std::nullopt;
}

std::string default_detail(MatchReason reason) {
    switch (reason) {
    case MatchReason::secure_match:
        return "a record in the secure TLSA RRset matches";
    case MatchReason::no_match:
        return "no usable TLSA record matches the presented credential";
    case MatchReason::weaker_digest_only:
        return "only a record with a weaker digest matches, and digest "
               "agility sets it aside because a stronger digest is "
               "published for the same usage and selector";
    case MatchReason::no_usable_records:
        return "the TLSA RRset has no usable record";
    case MatchReason::name_not_in_certificate:
        return "a trust anchor record matches, but the ClientName is not "
               "a dNSName of the leaf certificate";
    case MatchReason::chain_invalid:
        return "a trust anchor record matches, but the chain to it does "
               "not validate";
    case MatchReason::invalid_credential:
        return "the presented credential cannot be used";
    case MatchReason::invalid_client_name:
        return "the ClientName is a wildcard, which names no single client";
    case MatchReason::insecure:
        return "the TLSA answer is not DNSSEC-signed (insecure)";
    case MatchReason::bogus:
        return "DNSSEC validation of the TLSA answer failed (bogus)";
    case MatchReason::indeterminate:
        return "no trust anchor covers the TLSA name (indeterminate)";
    case MatchReason::nxdomain:
        return "the name provably does not exist (NXDOMAIN)";
    case MatchReason::nodata:
        return "the name provably has no TLSA records (NODATA)";
    case MatchReason::timeout:
        return "the TLSA lookup timed out";
    case MatchReason::lookup_failed:
        return "the TLSA lookup failed";
    }
    return "";
}

// Picks the reason for a secure answer from the record verdicts. The most
// specific failure wins: a matched anchor with a name or chain problem
// says more than a plain mismatch.
MatchReason reason_from_records(const std::vector<RecordVerdict>& verdicts,
                                bool superseded_would_match) {
    auto any = [&](RecordOutcome outcome) {
        return std::ranges::any_of(verdicts, [&](const RecordVerdict& v) {
            return v.outcome == outcome;
        });
    };

    if (any(RecordOutcome::matched))
        return MatchReason::secure_match;
    if (any(RecordOutcome::name_not_in_certificate))
        return MatchReason::name_not_in_certificate;
    if (any(RecordOutcome::chain_invalid))
        return MatchReason::chain_invalid;
    if (superseded_would_match)
        return MatchReason::weaker_digest_only;
    if (any(RecordOutcome::not_matched) || any(RecordOutcome::superseded))
        return MatchReason::no_match;
    return MatchReason::no_usable_records;
}

ServerAction action_for(MatchReason reason) {
    switch (reason) {
    case MatchReason::secure_match:
        return ServerAction::accept;
    // draft-ietf-dance-client-auth: a ClientName missing from the SAN
    // under usages 0 to 2 must abort; there is no unauthenticated option.
    case MatchReason::name_not_in_certificate:
    case MatchReason::invalid_credential:
    case MatchReason::invalid_client_name:
        return ServerAction::abort;
    default:
        return ServerAction::abort_or_unauthenticated;
    }
}

// Judges every record; fills `superseded_would_match` when a record set
// aside by digest agility would have matched.
std::vector<RecordVerdict> judge_records(const std::vector<TlsaRecord>& records,
                                         const Evaluator& evaluator,
                                         bool digest_agility,
                                         bool& superseded_would_match) {
    std::vector<RecordVerdict> verdicts(records.size());
    std::vector<bool> usable(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto reason = unusable_reason(records[i], evaluator.has_pkix_store());
        usable[i] = !reason;
        if (reason)
            verdicts[i] = {records[i], RecordOutcome::unusable, *reason};
    }

    auto strongest = strongest_digests(records, usable);
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!usable[i])
            continue;
        const TlsaRecord& record = records[i];
        verdicts[i] = evaluator.evaluate(record);

        std::uint8_t best = strongest[{record.usage, record.selector}];
        bool weaker =
            is_digest(record.matching_type) && record.matching_type < best;
        if (!digest_agility || !weaker)
            continue;

        bool would_match = verdicts[i].outcome == RecordOutcome::matched;
        superseded_would_match |= would_match;
        verdicts[i] = {record, RecordOutcome::superseded,
                       std::string("set aside: ") + matching_type_label(best) +
                           " is published for " + record_key(record) +
                           (would_match ? " (this record would match)"
                                        : " (this record would not match)")};
    }
    return verdicts;
}

// A warning when a DANE-EE record matched a leaf outside its validity
// period: RFC 7671 section 5.1 ignores the dates, but an operator should
// renew the certificate.
void warn_on_expired_leaf(const std::vector<RecordVerdict>& verdicts,
                          const Certificate* leaf, std::int64_t now,
                          std::vector<std::string>& warnings) {
    bool dane_ee_matched =
        std::ranges::any_of(verdicts, [](const RecordVerdict& v) {
            return v.outcome == RecordOutcome::matched &&
                   v.record.usage == static_cast<std::uint8_t>(Usage::dane_ee);
        });
    if (!leaf || !dane_ee_matched)
        return;
    if (auto problem = validity_problem(*leaf, now))
        warnings.push_back("the leaf certificate " + *problem +
                           "; DANE-EE ignores validity dates, so it still "
                           "matches");
}

std::string first_detail(const std::vector<RecordVerdict>& verdicts,
                         RecordOutcome outcome) {
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        if (verdicts[i].outcome == outcome)
            return "record " + std::to_string(i + 1) + " " + verdicts[i].detail;
    }
    return "";
}

// The verdict detail: the lookup's own reason, the record that decided,
// or the standard sentence for the reason.
std::string verdict_detail(MatchReason reason, const TlsaLookup& lookup,
                           const std::vector<RecordVerdict>& verdicts) {
    std::string detail;
    switch (reason) {
    case MatchReason::secure_match:
        detail = first_detail(verdicts, RecordOutcome::matched);
        break;
    case MatchReason::name_not_in_certificate:
        detail = first_detail(verdicts, RecordOutcome::name_not_in_certificate);
        break;
    case MatchReason::chain_invalid:
        detail = first_detail(verdicts, RecordOutcome::chain_invalid);
        break;
    case MatchReason::no_match:
        detail = first_detail(verdicts, RecordOutcome::not_matched);
        if (!detail.empty())
            detail = default_detail(reason) + ": " + detail;
        break;
    case MatchReason::bogus:
    case MatchReason::indeterminate:
    case MatchReason::lookup_failed:
    case MatchReason::timeout:
        if (!lookup.reason.empty())
            detail = default_detail(reason) + ": " + lookup.reason;
        break;
    default:
        break;
    }
    return detail.empty() ? default_detail(reason) : detail;
}

} // namespace

const char* match_reason_code(MatchReason reason) {
    switch (reason) {
    case MatchReason::secure_match:
        return "secure-match";
    case MatchReason::no_match:
        return "no-match";
    case MatchReason::weaker_digest_only:
        return "weaker-digest-only";
    case MatchReason::no_usable_records:
        return "no-usable-records";
    case MatchReason::name_not_in_certificate:
        return "name-not-in-certificate";
    case MatchReason::chain_invalid:
        return "chain-invalid";
    case MatchReason::invalid_credential:
        return "invalid-credential";
    case MatchReason::invalid_client_name:
        return "invalid-client-name";
    case MatchReason::insecure:
        return "insecure";
    case MatchReason::bogus:
        return "bogus";
    case MatchReason::indeterminate:
        return "indeterminate";
    case MatchReason::nxdomain:
        return "nxdomain";
    case MatchReason::nodata:
        return "nodata";
    case MatchReason::timeout:
        return "timeout";
    case MatchReason::lookup_failed:
        return "lookup-failed";
    }
    return "unknown";
}

const char* record_outcome_code(RecordOutcome outcome) {
    switch (outcome) {
    case RecordOutcome::matched:
        return "matched";
    case RecordOutcome::not_matched:
        return "not-matched";
    case RecordOutcome::superseded:
        return "superseded";
    case RecordOutcome::unusable:
        return "unusable";
    case RecordOutcome::chain_invalid:
        return "chain-invalid";
    case RecordOutcome::name_not_in_certificate:
        return "name-not-in-certificate";
    }
    return "unknown";
}

const char* server_action_code(ServerAction action) {
    switch (action) {
    case ServerAction::accept:
        return "accept";
    case ServerAction::abort_or_unauthenticated:
        return "abort-or-unauthenticated";
    case ServerAction::abort:
        return "abort";
    }
    return "unknown";
}

const char* server_action_text(ServerAction action) {
    switch (action) {
    case ServerAction::accept:
        return "accepts the client as authenticated";
    case ServerAction::abort_or_unauthenticated:
        return "aborts with handshake_failure, or treats the client as "
               "unauthenticated if its policy allows";
    case ServerAction::abort:
        return "must abort with handshake_failure";
    }
    return "";
}

MatchVerdict match_tlsa(const TlsaLookup& lookup,
                        const PresentedCredential& presented,
                        const Name& client_name, const MatchOptions& options) {
    MatchVerdict verdict;

    // draft-ietf-dance-client-auth: the ClientName names one client. A
    // wildcard would let a certificate with a "*" dNSName, or a record at
    // a literal "*" owner, authenticate a name that no client owns.
    if (client_name.is_wildcard()) {
        verdict.reason = MatchReason::invalid_client_name;
        verdict.detail = "the ClientName " + client_name.to_text() +
                         " is a wildcard: a client must claim one "
                         "concrete name";
        verdict.server_action = action_for(verdict.reason);
        return verdict;
    }

    if (!options.digest_agility)
        verdict.warnings.push_back(
            "digest agility is off: records with weaker digests count too");

    auto lookup_failure = lookup_reason(lookup);
    auto parsed = parse_presented(presented);
    if (!parsed) {
        verdict.reason =
            lookup_failure.value_or(MatchReason::invalid_credential);
        verdict.detail = lookup_failure
                             ? verdict_detail(*lookup_failure, lookup, {})
                             : parsed.error().message;
        verdict.server_action = action_for(verdict.reason);
        return verdict;
    }

    Evaluator evaluator(std::move(parsed->chain), std::move(parsed->raw_spki),
                        client_name, options);
    if (options.pkix_trust_anchors) {
        auto loaded = evaluator.load_pkix_store(*options.pkix_trust_anchors);
        if (!loaded)
            verdict.warnings.push_back(loaded.error().message +
                                       "; PKIX records are unusable");
    }

    bool superseded_would_match = false;
    verdict.records =
        judge_records(lookup.records, evaluator, options.digest_agility,
                      superseded_would_match);
    warn_on_expired_leaf(verdict.records, evaluator.leaf(), options.now,
                         verdict.warnings);

    verdict.reason = lookup_failure.value_or(
        reason_from_records(verdict.records, superseded_would_match));
    verdict.authenticated = verdict.reason == MatchReason::secure_match;
    verdict.detail = verdict_detail(verdict.reason, lookup, verdict.records);
    verdict.server_action = action_for(verdict.reason);
    return verdict;
}

} // namespace dance
