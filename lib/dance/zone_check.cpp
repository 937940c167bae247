#include "dance/zone_check.hpp"

#include <algorithm>
#include <tuple>

namespace dance {

namespace {

std::uint16_t read_u16(std::span<const std::uint8_t> bytes) {
    return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
}

} // namespace

ZoneChecker::ZoneChecker(ZoneCheckOptions options)
    : options_(std::move(options)) {}

void ZoneChecker::add(Diagnostic diagnostic) {
    if (!options_.policy.is_suppressed(diagnostic))
        diagnostics_.push_back(std::move(diagnostic));
}

void ZoneChecker::add_file(const std::string& file) {
    if (std::find(files_.begin(), files_.end(), file) == files_.end())
        files_.push_back(file);
}

std::uint32_t ZoneChecker::file_index(const std::string* file) {
    // The reader's file names are short-lived strings, so the cached
    // pointer is trusted only while the text still matches.
    if (file == last_file_ && *file == files_[last_file_index_])
        return last_file_index_;

    auto found = std::find(files_.begin(), files_.end(), *file);
    if (found == files_.end()) {
        files_.push_back(*file);
        found = files_.end() - 1;
    }
    last_file_ = file;
    last_file_index_ = static_cast<std::uint32_t>(found - files_.begin());
    return last_file_index_;
}

void ZoneChecker::on_record(const ZoneRecord& record) {
    ++stats_.records;
    switch (record.type) {
    case rr_type_tlsa:
        store_tlsa(record, file_index(record.file));
        break;
    case rr_type_rrsig:
        stats_.signed_zone = true;
        if (record.rdata.size() >= 2 && read_u16(record.rdata) == rr_type_tlsa)
            store_rrsig(record, file_index(record.file));
        break;
    case rr_type_dnskey:
        dnskeys_.push_back(
            DnskeyEntry{wire_name_lowercase(record.owner),
                        {record.rdata.begin(), record.rdata.end()}});
        break;
    default:
        break;
    }
}

void ZoneChecker::store_tlsa(const ZoneRecord& record, std::uint32_t file) {
    ++stats_.tlsa_records;
    std::vector<std::uint8_t> wire = wire_name_lowercase(record.owner);
    std::string key(wire.begin(), wire.end());
    OwnerGroup& group = owners_[key];
    if (group.wire.empty()) {
        group.text = wire_name_to_text(wire);
        group.wire = std::move(wire);
    }

    // RFC 6698 section 2.1: usage, selector and matching type are one
    // octet each, then the certificate association data.
    if (record.rdata.size() < 3) {
        add({"tlsa-rdata-syntax", Severity::error, files_[file], record.line,
             group.text,
             "TLSA RDATA of " + std::to_string(record.rdata.size()) +
                 " octets is shorter than its three one-octet fields "
                 "(usage, selector, matching type)"});
        return;
    }

    TlsaEntry entry;
    entry.file = file;
    entry.line = record.line;
    entry.ttl = record.ttl;
    entry.record.usage = record.rdata[0];
    entry.record.selector = record.rdata[1];
    entry.record.matching_type = record.rdata[2];
    entry.record.data.assign(record.rdata.begin() + 3, record.rdata.end());
    check_tlsa_record(*this, group, entry);
    group.records.push_back(std::move(entry));
}

void ZoneChecker::store_rrsig(const ZoneRecord& record, std::uint32_t file) {
    std::vector<std::uint8_t> wire = wire_name_lowercase(record.owner);
    std::string key(wire.begin(), wire.end());
    OwnerGroup& group = owners_[key];
    if (group.wire.empty()) {
        group.text = wire_name_to_text(wire);
        group.wire = std::move(wire);
    }
    group.signatures.push_back(SignatureEntry{
        file, record.line, {record.rdata.begin(), record.rdata.end()}});
}

void ZoneChecker::on_syntax_error(const ZoneSyntaxError& error) {
    add_file(error.file);
    // A record that does not parse makes the zone unreadable (exit 3),
    // whether or not it is a TLSA record.
    ++stats_.syntax_errors;
    if (!error.in_tlsa) {
        add({"zone-syntax", Severity::error, error.file, error.line, "",
             error.message});
        return;
    }
    // RFC 6698 section 2.2: three decimal fields, then hexadecimal data.
    add({"tlsa-rdata-syntax", Severity::error, error.file, error.line, "",
         error.message +
             "; TLSA presentation data is three decimal numbers (usage, "
             "selector, matching type) and hexadecimal association data"});
}

std::vector<Diagnostic> ZoneChecker::finish() {
    stats_.tlsa_owners = 0;
    for (const auto& [key, group] : owners_) {
        if (group.records.empty())
            continue;
        ++stats_.tlsa_owners;
        check_tlsa_owner(*this, group);
    }
    check_dnssec(*this, owners_, dnskeys_, stats_.signed_zone);
    if (options_.credentials)
        check_credentials(*this, owners_, *options_.credentials);

    // Findings without a file of the zone (credential files, whole-zone
    // notes) sort after those with one. Findings on one line keep the
    // order the checks ran in, which does not depend on hashing.
    auto order = [&](const Diagnostic& diagnostic) {
        auto found = std::find(files_.begin(), files_.end(), diagnostic.file);
        return std::make_tuple(found - files_.begin(), diagnostic.file,
                               diagnostic.line);
    };
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                     [&](const Diagnostic& a, const Diagnostic& b) {
                         return order(a) < order(b);
                     });
    return std::move(diagnostics_);
}

} // namespace dance
