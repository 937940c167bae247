#include "dance/zone_diagnostic.hpp"

namespace dance {

const char* severity_name(Severity severity) {
    switch (severity) {
    case Severity::notice:
        return "notice";
    case Severity::warning:
        return "warning";
    case Severity::error:
        return "error";
    }
    return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
    if (text == "notice")
        return Severity::notice;
    if (text == "warning")
        return Severity::warning;
    if (text == "error")
        return Severity::error;
    return std::nullopt;
}

const std::vector<CheckInfo>& zone_checks() {
    using enum Severity;
    static const std::vector<CheckInfo> checks = {
        {"zone-syntax", error,
         "A record or directive does not parse, or an $INCLUDE file cannot "
         "be read."},
        {"tlsa-rdata-syntax", error,
         "TLSA RDATA does not parse or is shorter than its three fixed "
         "fields."},
        {"tlsa-digest-length", error,
         "SHA2-256 data is not 32 octets or SHA2-512 data is not 64 "
         "octets."},
        {"tlsa-full-unparseable", error,
         "Full(0) data does not parse as a certificate (selector 0) or a "
         "SubjectPublicKeyInfo (selector 1)."},
        {"tlsa-unknown-parameter", error,
         "Usage, selector or matching type is unassigned or private-use, "
         "so clients set the record aside."},
        {"owner-shape", warning,
         "The owner name fits none of the allowed client identity forms "
         "(_service.client, device._device.org, freeform)."},
        {"owner-port-proto-prefix", warning,
         "A client owner name starts with a _port._proto or "
         "_service._proto prefix that DANCE clients never query."},
        {"duplicate-record", warning,
         "The same TLSA RDATA appears twice at one owner name."},
        {"rrset-ttl-mismatch", warning,
         "Records of one TLSA RRset have different TTLs."},
        {"ttl-ceiling", warning,
         "A TLSA RRset's TTL is above the configured ceiling."},
        {"digest-agility", warning,
         "A usage and selector has more SHA2-256 than SHA2-512 records, so "
         "a key published only under SHA2-256 is ignored (RFC 7671 section "
         "9)."},
        {"pkix-usage-underscore-owner", warning,
         "A usage 0, 1 or 2 record sits at a name with underscore labels, "
         "which cannot be a certificate's dNSName."},
        {"wildcard-placement", warning,
         "A '*' label is not leftmost, or a wildcard TLSA covers more than "
         "device names."},
        {"dnssec-unsigned", notice, "The zone has no RRSIG records."},
        {"dnssec-rrsig-missing", error,
         "A TLSA RRset in a signed zone has no RRSIG."},
        {"dnssec-dnskey-missing", error,
         "An RRSIG names a key that is not among the zone's DNSKEYs."},
        {"dnssec-signature-invalid", error,
         "An RRSIG does not verify with the zone's DNSKEY."},
        {"dnssec-signature-expired", error,
         "An RRSIG has expired or is not yet valid."},
        {"dnssec-signature-expiring", warning,
         "An RRSIG expires within the configured number of days."},
        {"dnssec-algorithm-unsupported", warning,
         "An RRSIG uses an algorithm that cannot be verified here."},
        {"credential-unpublished", error,
         "A credential has no matching TLSA record at its owner name."},
        {"credential-digest-missing", error,
         "A credential lacks a matching record under a matching type "
         "that its owner name uses."},
        {"credential-rejected", error,
         "A record matches the credential's data, but the credential "
         "still does not authenticate (chain or name)."},
        {"stale-record", warning,
         "A TLSA record matches none of the credentials mapped to its "
         "owner name, as after a rollover."},
        {"certificate-expiry", warning,
         "A certificate has expired or expires within the configured "
         "number of days."},
        {"rollover-readiness", warning,
         "The next key is not published, or a certificate near expiry has "
         "no next key."},
        {"credential-no-owner", notice,
         "A credential has no mapping entry and no dNSName to name its "
         "owner."},
    };
    return checks;
}

const CheckInfo* find_check(std::string_view id) {
    for (const CheckInfo& check : zone_checks()) {
        if (id == check.id)
            return &check;
    }
    return nullptr;
}

} // namespace dance
