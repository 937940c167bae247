// Checks of TLSA records and their owner names.
#include "dance/zone_check.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace dance {

namespace {

constexpr std::uint8_t private_use = 255;

bool has_underscore(const std::string& label) {
    return !label.empty() && label[0] == '_';
}

bool is_assigned(const TlsaRecord& record) {
    return record.usage <= 3 && record.selector <= 1 &&
           record.matching_type <= 2;
}

bool is_private_use(const TlsaRecord& record) {
    return record.usage == private_use || record.selector == private_use ||
           record.matching_type == private_use;
}

// Returns the check ID of an unusable record, given that
// tlsa_unusable_reason() found a reason.
std::string unusable_check(const TlsaRecord& record) {
    if (!is_assigned(record))
        return "tlsa-unknown-parameter";
    if (record.matching_type == 0)
        return "tlsa-full-unparseable";
    return "tlsa-digest-length";
}

std::string parameter_text(const TlsaRecord& record) {
    return std::to_string(record.usage) + " " +
           std::to_string(record.selector) + " " +
           std::to_string(record.matching_type);
}

Diagnostic at(const ZoneChecker& checker, const OwnerGroup& owner,
              const TlsaEntry& entry, std::string check, Severity severity,
              std::string message) {
    return Diagnostic{
        std::move(check), severity,   checker.file_name(entry.file),
        entry.line,       owner.text, std::move(message)};
}

bool is_port_label(const std::string& label) {
    return label.size() > 1 && label[0] == '_' &&
           std::all_of(label.begin() + 1, label.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

bool is_proto_label(const std::string& label) {
    return label == "_tcp" || label == "_udp" || label == "_sctp" ||
           label == "_dccp";
}

// RFC 6335 section 5.1: 1 to 15 characters from letters, digits and
// hyphens, at least one letter, no hyphen at either end or twice in a row.
bool is_service_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name.front() == '-' ||
        name.back() == '-' || name.find("--") != name.npos)
        return false;
    bool letter = false;
    for (char c : name) {
        bool is_letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        letter = letter || is_letter;
        if (!is_letter && !(c >= '0' && c <= '9') && c != '-')
            return false;
    }
    return letter;
}

class OwnerChecks {
public:
    OwnerChecks(ZoneChecker& checker, const OwnerGroup& owner)
        : checker_(checker), owner_(owner),
          labels_(wire_name_labels(owner.wire)) {}

    void run();

private:
    void report(std::string check, Severity severity, std::string message) {
        checker_.add(at(checker_, owner_, owner_.records.front(),
                        std::move(check), severity, std::move(message)));
    }

    bool check_wildcards();
    void check_name_rules();
    void check_prefix_or_shape();
    void check_shape(std::span<const std::string> labels);
    void check_allowed(OwnerShape shape);

    ZoneChecker& checker_;
    const OwnerGroup& owner_;
    std::vector<std::string> labels_;
};

void OwnerChecks::run() {
    if (!check_wildcards())
        return;
    check_name_rules();
    check_prefix_or_shape();
}

// Returns false when the name has a literal '*' label, which makes the
// other shape findings noise.
bool OwnerChecks::check_wildcards() {
    for (std::size_t i = 1; i < labels_.size(); ++i) {
        if (labels_[i] != "*")
            continue;
        // RFC 4592 section 2.1.1: only a leftmost "*" label makes a
        // wildcard; elsewhere it is an ordinary label.
        report("wildcard-placement", Severity::error,
               "'*' is label " + std::to_string(i + 1) + " of " + owner_.text +
                   ", not the leftmost, so it is a literal label and no "
                   "wildcard (RFC 4592 section 2.1.1)");
        return false;
    }
    if (labels_.size() < 2 || labels_[0] != "*" || labels_[1] == "_device")
        return true;

    std::string parent = owner_.text.substr(2);
    report("wildcard-placement", Severity::warning,
           "wildcard TLSA at " + owner_.text +
               " answers for every name below " + parent +
               " that has no records of its own, service and client names "
               "alike; the client identity forms use a wildcard only as "
               "*._device.<org>");
    return true;
}

void OwnerChecks::check_name_rules() {
    std::vector<std::string> labels = labels_;
    Result<Name> name = Name::from_labels(std::move(labels));
    if (!name) {
        report("owner-shape", Severity::warning,
               "owner name " + owner_.text +
                   " is not a valid client name: " + name.error().message);
    }
}

void OwnerChecks::check_prefix_or_shape() {
    // A leftmost "*" stands for a device or client label, so the shape is
    // judged with it in place, and the prefix without it.
    std::span<const std::string> labels = labels_;
    if (!labels.empty() && labels[0] == "*")
        labels = labels.subspan(1);

    bool prefixed = labels.size() >= 2 && has_underscore(labels[0]) &&
                    is_proto_label(labels[1]);
    if (!prefixed) {
        check_shape(labels_);
        return;
    }

    bool server_form =
        is_port_label(labels[0]) &&
        std::none_of(labels.begin() + 2, labels.end(), has_underscore);
    if (server_form && checker_.options().policy.allows(OwnerShape::server))
        return;
    if (server_form) {
        report("owner-port-proto-prefix", Severity::warning,
               owner_.text +
                   " starts with the _port._proto prefix of server TLSA "
                   "names (RFC 6698 section 3), but a DANCE client sends "
                   "its whole owner name and the server adds no prefix; "
                   "if this zone also publishes server records, add "
                   "'server' to owner-shapes");
        return;
    }
    report("owner-port-proto-prefix", Severity::warning,
           owner_.text + " starts with " + labels[0] + "." + labels[1] +
               ", the transport-specific form of early client "
               "authentication drafts; clients now use _<service>.<client> "
               "with no transport label");
}

void OwnerChecks::check_shape(std::span<const std::string> labels) {
    std::vector<std::size_t> underscored;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (has_underscore(labels[i]))
            underscored.push_back(i);
    }

    if (underscored.empty()) {
        check_allowed(OwnerShape::freeform);
        return;
    }

    std::size_t last = underscored.back();
    bool device_label = labels[last] == "_device" && last >= 1;
    bool service_first = underscored.front() == 0 && labels[0] != "_device";

    if (underscored.size() == 1 && device_label) {
        check_allowed(OwnerShape::device);
        return;
    }
    if (service_first &&
        (underscored.size() == 1 ||
         (underscored.size() == 2 && device_label && last >= 2))) {
        if (!is_service_name(std::string_view(labels[0]).substr(1))) {
            report("owner-shape", Severity::notice,
                   "service label " + labels[0] +
                       " is not an RFC 6335 service name (1 to 15 letters, "
                       "digits and inner hyphens); clients and servers "
                       "must agree on the custom label");
        }
        check_allowed(OwnerShape::service);
        return;
    }
    if (underscored.size() == 1 && labels[0] == "_device") {
        report("owner-shape", Severity::warning,
               "TLSA at " + owner_.text +
                   " itself: device names go below _device, as "
                   "<device>._device.<org>");
        return;
    }
    report("owner-shape", Severity::warning,
           owner_.text +
               " has underscore labels where no client identity form has "
               "them; the forms are _<service>.<client>, "
               "<device>._device.<org> and <client> with no underscore");
}

void OwnerChecks::check_allowed(OwnerShape shape) {
    const ZonePolicy& policy = checker_.options().policy;
    if (policy.allows(shape))
        return;
    std::string allowed;
    for (OwnerShape each : policy.owner_shapes)
        allowed +=
            std::string(allowed.empty() ? "" : ",") + owner_shape_name(each);
    report("owner-shape", Severity::warning,
           owner_.text + " has the " + owner_shape_name(shape) +
               " form, which the policy does not allow (owner-shapes = " +
               allowed + ")");
}

void check_duplicates(ZoneChecker& checker, const OwnerGroup& owner) {
    std::map<std::pair<std::vector<std::uint8_t>, std::string>,
             const TlsaEntry*>
        seen;
    for (const TlsaEntry& entry : owner.records) {
        const TlsaRecord& record = entry.record;
        auto key = std::make_pair(record.data, parameter_text(record));
        auto [found, inserted] = seen.emplace(key, &entry);
        if (inserted)
            continue;
        const TlsaEntry& first = *found->second;
        // RFC 2181 section 5: an RRset contains each RR once, so servers
        // drop the copy.
        checker.add(at(
            checker, owner, entry, "duplicate-record", Severity::warning,
            "TLSA " + parameter_text(record) + " record repeats the one at " +
                checker.file_name(first.file) + ":" +
                std::to_string(first.line) +
                "; servers keep one copy, so remove it"));
    }
}

void check_ttls(ZoneChecker& checker, const OwnerGroup& owner) {
    const TlsaEntry& first = owner.records.front();
    for (const TlsaEntry& entry : owner.records) {
        if (entry.ttl == first.ttl)
            continue;
        // RFC 2181 section 5.2: all records of an RRset have one TTL.
        checker.add(
            at(checker, owner, entry, "rrset-ttl-mismatch", Severity::warning,
               "TTL " + std::to_string(entry.ttl) + " differs from TTL " +
                   std::to_string(first.ttl) +
                   " of the first record of the RRset (line " +
                   std::to_string(first.line) + "); give the RRset one TTL"));
        break;
    }

    std::uint32_t ceiling = checker.options().policy.ttl_ceiling;
    auto over = std::find_if(
        owner.records.begin(), owner.records.end(),
        [&](const TlsaEntry& entry) { return entry.ttl > ceiling; });
    if (over == owner.records.end())
        return;
    checker.add(at(checker, owner, *over, "ttl-ceiling", Severity::warning,
                   "TTL " + std::to_string(over->ttl) +
                       " s is above the ceiling of " + std::to_string(ceiling) +
                       " s: a withdrawn key stays trusted in caches for up "
                       "to the TTL; lower the TTL or raise ttl-ceiling"));
}

// RFC 7671 section 9: a client that supports digest agility uses, for
// each usage and selector, only the strongest matching type published.
// With fewer SHA2-512 than SHA2-256 records, some key has SHA2-256 only
// and is ignored.
void check_digest_agility(ZoneChecker& checker, const OwnerGroup& owner) {
    std::map<std::pair<int, int>, std::pair<std::size_t, std::size_t>> counts;
    std::map<std::pair<int, int>, const TlsaEntry*> first_weak;
    for (const TlsaEntry& entry : owner.records) {
        const TlsaRecord& record = entry.record;
        if (!entry.usable || record.matching_type == 0)
            continue;
        auto key = std::make_pair(record.usage, record.selector);
        auto& [sha256, sha512] = counts[key];
        if (record.matching_type == 1) {
            ++sha256;
            first_weak.emplace(key, &entry);
        } else if (record.matching_type == 2) {
            ++sha512;
        }
    }

    for (const auto& [key, count] : counts) {
        auto [sha256, sha512] = count;
        if (sha512 == 0 || sha256 <= sha512)
            continue;
        checker.add(at(
            checker, owner, *first_weak[key], "digest-agility",
            Severity::warning,
            "usage " + std::to_string(key.first) + " selector " +
                std::to_string(key.second) + " has " + std::to_string(sha256) +
                " SHA2-256 but " + std::to_string(sha512) +
                " SHA2-512 records: clients use only the SHA2-512 ones "
                "(RFC 7671 section 9), so a key published under SHA2-256 "
                "alone cannot authenticate; publish every key under both "
                "digests"));
    }
}

} // namespace

void check_tlsa_record(ZoneChecker& checker, const OwnerGroup& owner,
                       TlsaEntry& entry) {
    const TlsaRecord& record = entry.record;
    if (std::optional<std::string> reason = tlsa_unusable_reason(record)) {
        // RFC 6698 section 4.1: clients set an unusable record aside.
        entry.usable = false;
        bool private_only =
            is_private_use(record) &&
            (record.usage <= 3 || record.usage == private_use) &&
            (record.selector <= 1 || record.selector == private_use) &&
            (record.matching_type <= 2 || record.matching_type == private_use);
        Severity severity = private_only ? Severity::warning : Severity::error;
        checker.add(
            at(checker, owner, entry, unusable_check(record), severity,
               "TLSA " + parameter_text(record) + " is unusable: " + *reason));
    }

    bool underscore = false;
    for (const std::string& label : wire_name_labels(owner.wire))
        underscore = underscore || has_underscore(label);
    if (record.usage > 2 || !underscore)
        return;

    // draft-ietf-dance-client-auth: with usages 0, 1 and 2 the client name
    // must be a dNSName of the certificate, and RFC 5280 dNSNames cannot
    // contain underscores. DANE-TA works only with a CA of one's own that
    // issues such names anyway, so it gets a notice.
    bool dane_ta = record.usage == 2;
    checker.add(at(checker, owner, entry, "pkix-usage-underscore-owner",
                   dane_ta ? Severity::notice : Severity::warning,
                   "usage " + std::to_string(record.usage) +
                       " needs the client name " + owner.text +
                       " as a dNSName in the certificate, but RFC 5280 "
                       "dNSNames have no underscore labels" +
                       (dane_ta ? "; this works only with a CA of your own "
                                  "that issues such names"
                                : "; use DANE-EE(3) or a freeform name")));
}

void check_tlsa_owner(ZoneChecker& checker, const OwnerGroup& owner) {
    OwnerChecks(checker, owner).run();
    check_duplicates(checker, owner);
    check_ttls(checker, owner);
    check_digest_agility(checker, owner);
}

} // namespace dance
