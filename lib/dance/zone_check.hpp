// Checks of TLSA data in zone files before they are published.
//
// ZoneChecker is a ZoneVisitor that judges each TLSA record as it streams
// past. It keeps only what the cross-record checks need (TLSA records, the
// RRSIGs that cover them, and DNSKEYs), grouped by owner name, so its
// memory grows with the TLSA records rather than with the zone.
#pragma once

#include "dance/tlsa.hpp"
#include "dance/zone.hpp"
#include "dance/zone_credentials.hpp"
#include "dance/zone_diagnostic.hpp"
#include "dance/zone_policy.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace dance {

struct ZoneCheckOptions {
    ZonePolicy policy;

    // Unix time at which signature and certificate lifetimes are judged.
    std::int64_t now = 0;

    // Credentials and their owner names for the checks against them;
    // nullptr skips those checks.
    const CredentialSet* credentials = nullptr;
};

struct ZoneCheckStats {
    std::uint64_t records = 0;
    std::uint64_t tlsa_records = 0;
    std::uint64_t tlsa_owners = 0;
    std::uint64_t syntax_errors = 0; // records that do not parse
    bool signed_zone = false;
};

// One stored TLSA record and where it came from.
struct TlsaEntry {
    std::uint32_t file = 0; // index into the checker's file list
    std::uint64_t line = 0;
    std::uint32_t ttl = 0;
    TlsaRecord record;
    bool usable = true; // RFC 6698 section 4.1: unusable records are ignored
};

// An RRSIG covering a TLSA RRset.
struct SignatureEntry {
    std::uint32_t file = 0;
    std::uint64_t line = 0;
    std::vector<std::uint8_t> rdata;
};

// Everything stored for one owner name.
struct OwnerGroup {
    std::vector<std::uint8_t> wire; // lowercase
    std::string text;               // presentation form, trailing dot
    std::vector<TlsaEntry> records;
    std::vector<SignatureEntry> signatures;
};

struct DnskeyEntry {
    std::vector<std::uint8_t> owner; // lowercase wire form
    std::vector<std::uint8_t> rdata;
};

class ZoneChecker : public ZoneVisitor {
public:
    explicit ZoneChecker(ZoneCheckOptions options);

    void on_record(const ZoneRecord& record) override;
    void on_syntax_error(const ZoneSyntaxError& error) override;

    // Records a file that produced no records, so that whole-zone
    // findings can still name a file.
    void add_file(const std::string& file);

    // Runs the checks that need the whole zone and returns every finding
    // not suppressed by the policy, ordered by file (in reading order) and
    // line. Findings on one line keep the order the checks ran in.
    std::vector<Diagnostic> finish();

    const ZoneCheckStats& stats() const { return stats_; }

    // Adds a finding unless the policy suppresses it. Used by the check
    // functions of every concept.
    void add(Diagnostic diagnostic);

    const std::string& file_name(std::uint32_t index) const {
        return files_[index];
    }
    std::size_t file_count() const { return files_.size(); }
    const ZoneCheckOptions& options() const { return options_; }

private:
    std::uint32_t file_index(const std::string* file);
    void store_tlsa(const ZoneRecord& record, std::uint32_t file);
    void store_rrsig(const ZoneRecord& record, std::uint32_t file);

    ZoneCheckOptions options_;
    ZoneCheckStats stats_;
    std::vector<std::string> files_;
    const std::string* last_file_ = nullptr;
    std::uint32_t last_file_index_ = 0;
    std::unordered_map<std::string, OwnerGroup> owners_;
    std::vector<DnskeyEntry> dnskeys_;
    std::vector<Diagnostic> diagnostics_;
};

// Checks of one TLSA record on its own (zone_check_tlsa.cpp).
void check_tlsa_record(ZoneChecker& checker, const OwnerGroup& owner,
                       TlsaEntry& entry);

// Checks of one owner name and its TLSA RRset (zone_check_tlsa.cpp).
void check_tlsa_owner(ZoneChecker& checker, const OwnerGroup& owner);

// DNSSEC checks of the TLSA RRsets (zone_check_dnssec.cpp). Reports one
// dnssec-unsigned notice when the zone has no signatures at all.
void check_dnssec(ZoneChecker& checker,
                  const std::unordered_map<std::string, OwnerGroup>& owners,
                  const std::vector<DnskeyEntry>& dnskeys, bool signed_zone);

// Checks of the zone against credentials (zone_check_credentials.cpp).
void check_credentials(
    ZoneChecker& checker,
    const std::unordered_map<std::string, OwnerGroup>& owners,
    const CredentialSet& credentials);

} // namespace dance
