// Client verification as a DANCE server performs it: look up the TLSA
// records at the ClientName, then run the DANE matcher on the presented
// certificate chain or raw public key. The report keeps the lookup facts
// (DNSSEC outcome, final owner, TTL, earliest signature expiry) beside
// the verdict, and renders as text or JSON for `dance verify` and
// `dance serve` alike.
#pragma once

#include "dance/error.hpp"
#include "dance/match.hpp"
#include "dance/name.hpp"
#include "dance/resolve.hpp"
#include "dance/tlsa.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dance {

// Origin of the records in a report.
enum class RecordSource {
    dns,     // a TLSA lookup through the resolver
    offline, // records given by the caller; DNSSEC status assumed
};

struct VerifyReport {
    Name client_name;
    RecordSource source = RecordSource::dns;
    TlsaLookup lookup;
    MatchVerdict verdict;
    std::int64_t checked_at = 0; // Unix time of the validity checks

    // Whether the records were looked up in DNS and the outcome is
    // DNSSEC-proven: a secure answer, or a secure NXDOMAIN or NODATA.
    bool secure_outcome() const;

    // Unix time of the earliest RRSIG expiration that the outcome rests
    // on. std::nullopt unless secure_outcome(): the signatures of an
    // insecure, bogus or indeterminate outcome prove nothing.
    std::optional<std::int64_t> signature_expiry() const;

    // Seconds the verdict may be reused: the TTL, cut short by the
    // earliest RRSIG expiration. std::nullopt unless secure_outcome(), so
    // that no lifetime is ever suggested for a bogus or unsigned outcome.
    std::optional<std::int64_t> cache_seconds() const;
};

// Looks up client_name's TLSA records through `resolver` and matches
// `presented` against them. The Result is an error only for a local
// failure of the resolver; DNS failures are verdicts in the report.
Result<VerifyReport> verify_client(Resolver& resolver, const Name& client_name,
                                   const PresentedCredential& presented,
                                   const MatchOptions& options);

// Matches `presented` against records the caller supplies, without DNS.
// The records count as a secure answer only when assume_secure is set;
// otherwise as insecure, so they are judged but never authenticate.
VerifyReport verify_offline(const Name& client_name,
                            std::vector<TlsaRecord> records, bool assume_secure,
                            const PresentedCredential& presented,
                            const MatchOptions& options);

// Builds the report for a lookup that has already finished.
VerifyReport make_verify_report(const Name& client_name, TlsaLookup lookup,
                                const PresentedCredential& presented,
                                const MatchOptions& options);

// One client of a batch. `tag` is the caller's own, returned unchanged
// (for example the input line number).
struct VerifyItem {
    Name client_name;
    PresentedCredential presented;
    std::size_t tag = 0;
};

// Supplies the next item, or std::nullopt at the end of the batch.
using VerifyItemSource = std::function<std::optional<VerifyItem>()>;

// Receives each report as its lookup completes, in completion order.
using VerifyResultCallback =
    std::function<void(std::size_t tag, Result<VerifyReport> report)>;

// Verifies a stream of clients with at most max_in_flight lookups
// outstanding, through the resolver's batch API. Items are pulled only
// as lookups complete, so memory stays bounded for any batch size.
Status verify_batch(Resolver& resolver, const VerifyItemSource& next_item,
                    const VerifyResultCallback& on_report,
                    const MatchOptions& options, std::size_t max_in_flight);

// Splits max_in_flight lookups into one share per thread, each at least
// 1 and together exactly max_in_flight. There are fewer shares than
// threads when max_in_flight is smaller, since each thread needs one.
std::vector<std::size_t> split_in_flight(std::size_t max_in_flight,
                                         std::size_t threads);

// The same on `threads` threads, each with its own resolver built from
// `config` and a share of max_in_flight from split_in_flight(), so no
// more than max_in_flight lookups are outstanding. Threads spread the
// CPU work of validation, matching and reporting over cores. next_item is
// called under a lock, one call at a time. on_report is called from the
// threads concurrently, so that each can format its report in parallel:
// it must guard any state it shares. A resolver that cannot be created is
// returned as the error before any item is read.
Status verify_batch_threaded(const ResolverConfig& config,
                             const VerifyItemSource& next_item,
                             const VerifyResultCallback& on_report,
                             const MatchOptions& options,
                             std::size_t max_in_flight, std::size_t threads);

// The JSON form of a report, shared by `dance verify --json` and the
// server's log:
//   {"client_name", "authenticated", "reason", "detail", "server_action",
//    "lookup": {"source", "query_name", "final_owner", "alias_chain",
//               "status", "dnssec", "reason", "ttl",
//               "earliest_signature_expiry", "cache_seconds"},
//    "records": [{<tlsa_to_json fields>, "verdict", "detail"}],
//    "warnings": [...], "checked_at"}
// Times are Unix seconds. "earliest_signature_expiry" and
// "cache_seconds" are null unless VerifyReport::secure_outcome().
nlohmann::json verify_report_to_json(const VerifyReport& report);

// The text form: the verdict line with the reason code first, then the
// lookup facts, one line per record, warnings and the server action.
// Every line ends in a newline.
std::string verify_report_to_text(const VerifyReport& report);

} // namespace dance
