// Checks of the zone against the credentials it is meant to publish:
// every credential matched under every digest in use, no stale records,
// certificates near expiry, and the next key of a rollover in place.
//
// Matching is the DANE matcher's (match_tlsa), run as if the zone were
// already served and validated, so a rule fixed there applies here too.
#include "dance/match.hpp"
#include "dance/zone_check.hpp"

#include <map>
#include <set>

namespace dance {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

std::string owner_key(const Name& name) {
    std::string wire;
    for (const std::string& label : name.labels()) {
        wire += static_cast<char>(label.size());
        wire += label;
    }
    wire += '\0';
    return wire;
}

std::string credential_text(const OwnedCredential& entry) {
    const CertificateInfo* leaf = entry.credential.leaf();
    std::string text = entry.credential.source;
    if (leaf)
        text += " (" + leaf->subject + ")";
    return text;
}

PresentedCredential presented(const Credential& credential) {
    PresentedCredential result;
    if (credential.is_bare_key()) {
        result.raw_public_key = credential.spki_der;
        return result;
    }
    for (const CertificateInfo& certificate : credential.certificates)
        result.chain.push_back(certificate.der);
    return result;
}

std::string utc_date(std::int64_t time) {
    std::time_t seconds = static_cast<std::time_t>(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
    return text;
}

bool data_matched(RecordOutcome outcome) {
    return outcome == RecordOutcome::matched ||
           outcome == RecordOutcome::chain_invalid ||
           outcome == RecordOutcome::name_not_in_certificate;
}

class CredentialChecks {
public:
    CredentialChecks(ZoneChecker& checker,
                     const std::unordered_map<std::string, OwnerGroup>& owners)
        : checker_(checker), owners_(owners) {}

    void check(const OwnedCredential& entry);
    void check_expiry(const OwnedCredential& entry);
    void check_stale();
    void check_rollover(const CredentialSet& credentials);

private:
    MatchVerdict match(const OwnedCredential& entry, const OwnerGroup* group,
                       bool digest_agility) const;
    void check_digests(const OwnedCredential& entry, const OwnerGroup& group,
                       const MatchVerdict& all);
    void report_unpublished(const OwnedCredential& entry,
                            const MatchVerdict& verdict);
    void report(const char* check, Severity severity,
                const OwnedCredential& entry, std::string message) {
        checker_.add({check, severity, entry.credential.source, 0,
                      entry.owner.to_string(), std::move(message)});
    }

    ZoneChecker& checker_;
    const std::unordered_map<std::string, OwnerGroup>& owners_;
    std::map<std::string, std::set<std::size_t>> matched_;   // owner -> index
    std::map<std::string, std::vector<std::string>> mapped_; // owner -> files
    std::set<std::string> expiry_checked_;
};

MatchVerdict CredentialChecks::match(const OwnedCredential& entry,
                                     const OwnerGroup* group,
                                     bool digest_agility) const {
    TlsaLookup lookup;
    lookup.query_name = entry.owner;
    lookup.final_owner = entry.owner;
    lookup.status = group ? LookupStatus::answer : LookupStatus::nodata;
    // The zone as it will be served once signed; its signatures are judged
    // by the DNSSEC checks.
    lookup.dnssec = DnssecStatus::secure;
    if (group) {
        for (const TlsaEntry& record : group->records)
            lookup.records.push_back(record.record);
    }

    MatchOptions options;
    options.now = checker_.options().now;
    options.digest_agility = digest_agility;
    // NOTE: PKIX-TA and PKIX-EE records are judged against the bundle's
    // own CA certificates, since the zone check has no client trust store.
    std::vector<DerBytes> anchors;
    const auto& certificates = entry.credential.certificates;
    for (std::size_t i = 1; i < certificates.size(); ++i)
        anchors.push_back(certificates[i].der);
    options.pkix_trust_anchors = anchors;

    return match_tlsa(lookup, presented(entry.credential), entry.owner,
                      options);
}

void CredentialChecks::check(const OwnedCredential& entry) {
    std::string key = owner_key(entry.owner);
    mapped_[key].push_back(entry.credential.source);
    auto found = owners_.find(key);
    const OwnerGroup* group =
        found == owners_.end() || found->second.records.empty()
            ? nullptr
            : &found->second;

    MatchVerdict all = match(entry, group, false);
    for (std::size_t i = 0; i < all.records.size(); ++i) {
        if (data_matched(all.records[i].outcome))
            matched_[key].insert(i);
    }

    MatchVerdict verdict = match(entry, group, true);
    if (verdict.authenticated) {
        check_digests(entry, *group, all);
        return;
    }
    switch (verdict.reason) {
    case MatchReason::weaker_digest_only:
        report("credential-digest-missing", Severity::error, entry,
               credential_text(entry) + " matches only a weaker digest at " +
                   entry.owner.to_string() +
                   ": clients use the strongest matching type published "
                   "(RFC 7671 section 9); add its record under that "
                   "digest too");
        return;
    case MatchReason::no_match:
    case MatchReason::nodata:
    case MatchReason::no_usable_records:
        report_unpublished(entry, verdict);
        return;
    default:
        report("credential-rejected", Severity::error, entry,
               credential_text(entry) + " does not authenticate as " +
                   entry.owner.to_text() + " (" +
                   match_reason_code(verdict.reason) + "): " + verdict.detail);
        return;
    }
}

void CredentialChecks::report_unpublished(const OwnedCredential& entry,
                                          const MatchVerdict& verdict) {
    std::string where = entry.owner.to_string();
    std::string why = verdict.reason == MatchReason::nodata
                          ? "there is no TLSA record at " + where
                          : "no TLSA record at " + where + " matches it";
    if (entry.next) {
        report("rollover-readiness", Severity::error, entry,
               "next key " + credential_text(entry) + " is not published: " +
                   why + "; publish its record a TTL before the switch");
        return;
    }
    report("credential-unpublished", Severity::error, entry,
           credential_text(entry) + " cannot authenticate: " + why +
               "; add its record (dance tlsa) or fix the mapping");
}

// Every matching type in use for a usage and selector that the credential
// matches should carry the credential, or clients that do not apply
// digest agility, or apply it differently, see a different RRset.
void CredentialChecks::check_digests(const OwnedCredential& entry,
                                     const OwnerGroup& group,
                                     const MatchVerdict& all) {
    std::set<std::pair<int, int>> matched_pairs;
    std::set<std::tuple<int, int, int>> matched_types;
    for (const RecordVerdict& record : all.records) {
        if (!data_matched(record.outcome))
            continue;
        const TlsaRecord& r = record.record;
        matched_pairs.insert({r.usage, r.selector});
        matched_types.insert({r.usage, r.selector, r.matching_type});
    }

    std::set<std::tuple<int, int, int>> reported;
    for (const TlsaEntry& record : group.records) {
        const TlsaRecord& r = record.record;
        auto type = std::make_tuple(r.usage, r.selector, r.matching_type);
        if (!record.usable || !matched_pairs.count({r.usage, r.selector}) ||
            matched_types.count(type) || !reported.insert(type).second)
            continue;
        const char* mnemonic = matching_type_mnemonic(r.matching_type);
        report("credential-digest-missing", Severity::warning, entry,
               credential_text(entry) + " has no usage " +
                   std::to_string(r.usage) + " selector " +
                   std::to_string(r.selector) + " record under " +
                   (mnemonic ? mnemonic : "matching type") + " (" +
                   std::to_string(r.matching_type) + "), which " +
                   entry.owner.to_string() + " uses for other keys");
    }
}

void CredentialChecks::check_expiry(const OwnedCredential& entry) {
    const CertificateInfo* leaf = entry.credential.leaf();
    if (!leaf || !expiry_checked_.insert(entry.credential.source).second)
        return;
    std::int64_t now = checker_.options().now;
    unsigned days = checker_.options().policy.expiry_days;
    if (leaf->not_after < now) {
        report("certificate-expiry", Severity::error, entry,
               "certificate " + leaf->subject + " expired on " +
                   utc_date(leaf->not_after) +
                   ": renew it and publish "
                   "the new key's record");
    } else if (leaf->not_after - now <
               static_cast<std::int64_t>(days) * seconds_per_day) {
        report("certificate-expiry", Severity::warning, entry,
               "certificate " + leaf->subject + " expires on " +
                   utc_date(leaf->not_after) + ", within " +
                   std::to_string(days) + " days");
    }
}

void CredentialChecks::check_stale() {
    for (const auto& [key, files] : mapped_) {
        auto found = owners_.find(key);
        if (found == owners_.end())
            continue;
        const OwnerGroup& group = found->second;
        const std::set<std::size_t>& used = matched_[key];
        for (std::size_t i = 0; i < group.records.size(); ++i) {
            const TlsaEntry& record = group.records[i];
            if (!record.usable || used.count(i))
                continue;
            checker_.add(
                {"stale-record", Severity::warning,
                 checker_.file_name(record.file), record.line, group.text,
                 "TLSA record matches none of the " +
                     std::to_string(files.size()) + " credentials mapped to " +
                     group.text + ": remove it if its key was retired"});
        }
    }
}

void CredentialChecks::check_rollover(const CredentialSet& credentials) {
    std::set<std::string> has_next;
    for (const OwnedCredential& entry : credentials.entries) {
        if (entry.next)
            has_next.insert(owner_key(entry.owner));
    }
    std::int64_t now = checker_.options().now;
    unsigned days = checker_.options().policy.expiry_days;
    for (const OwnedCredential& entry : credentials.entries) {
        const CertificateInfo* leaf = entry.credential.leaf();
        if (entry.next || !leaf || has_next.count(owner_key(entry.owner)) ||
            leaf->not_after - now >=
                static_cast<std::int64_t>(days) * seconds_per_day)
            continue;
        report("rollover-readiness", Severity::warning, entry,
               "certificate " + leaf->subject + " for " +
                   entry.owner.to_string() + " expires on " +
                   utc_date(leaf->not_after) +
                   " and no next key is published: put the next key in " +
                   credentials.directory +
                   "/next/ and publish its record before then");
    }
}

} // namespace

void check_credentials(
    ZoneChecker& checker,
    const std::unordered_map<std::string, OwnerGroup>& owners,
    const CredentialSet& credentials) {
    CredentialChecks checks(checker, owners);
    for (const OwnedCredential& entry : credentials.entries) {
        checks.check(entry);
        checks.check_expiry(entry);
    }
    checks.check_stale();
    checks.check_rollover(credentials);

    for (const std::string& file : credentials.unowned) {
        checker.add({"credential-no-owner", Severity::notice, file, 0, "",
                     "credential has no mapping entry and no dNSName, so "
                     "its owner name is unknown: add a line for it to the "
                     "--map file"});
    }
}

} // namespace dance
