#include "dance/verify.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>

namespace dance {

namespace {

std::string format_utc(std::int64_t unix_time) {
    std::time_t time = static_cast<std::time_t>(unix_time);
    std::tm parts{};
    gmtime_r(&time, &parts);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text.data();
}

// The lookup stand-in for records given without DNS.
TlsaLookup offline_lookup(const Name& client_name,
                          std::vector<TlsaRecord> records, bool assume_secure) {
    TlsaLookup lookup;
    lookup.query_name = client_name;
    lookup.final_owner = client_name;
    lookup.alias_chain = {client_name};
    lookup.status =
        records.empty() ? LookupStatus::nodata : LookupStatus::answer;
    lookup.dnssec =
        assume_secure ? DnssecStatus::secure : DnssecStatus::insecure;
    if (!assume_secure)
        lookup.reason = "records given offline count as insecure unless "
                        "assumed secure";
    lookup.records = std::move(records);
    return lookup;
}

bool lookup_finished(const TlsaLookup& lookup) {
    return lookup.status != LookupStatus::timeout &&
           lookup.status != LookupStatus::failed;
}

} // namespace

bool VerifyReport::secure_outcome() const {
    return source == RecordSource::dns && lookup_finished(lookup) &&
           lookup.dnssec == DnssecStatus::secure;
}

std::optional<std::int64_t> VerifyReport::signature_expiry() const {
    if (!secure_outcome())
        return std::nullopt;
    return lookup.earliest_signature_expiry;
}

std::optional<std::int64_t> VerifyReport::cache_seconds() const {
    if (!secure_outcome())
        return std::nullopt;

    std::int64_t seconds = lookup.ttl;
    if (auto expiry = signature_expiry())
        seconds = std::min(seconds, *expiry - checked_at);
    return std::max<std::int64_t>(seconds, 0);
}

VerifyReport make_verify_report(const Name& client_name, TlsaLookup lookup,
                                const PresentedCredential& presented,
                                const MatchOptions& options) {
    VerifyReport report;
    report.client_name = client_name;
    report.checked_at = options.now;
    report.verdict = match_tlsa(lookup, presented, client_name, options);
    report.lookup = std::move(lookup);
    return report;
}

Result<VerifyReport> verify_client(Resolver& resolver, const Name& client_name,
                                   const PresentedCredential& presented,
                                   const MatchOptions& options) {
    // draft-ietf-dance-client-auth: the ClientName is the TLSA owner name
    // as it is, with no prefix added.
    auto lookup = resolver.lookup_tlsa(client_name);
    if (!lookup)
        return lookup.error();
    return make_verify_report(client_name, std::move(*lookup), presented,
                              options);
}

VerifyReport verify_offline(const Name& client_name,
                            std::vector<TlsaRecord> records, bool assume_secure,
                            const PresentedCredential& presented,
                            const MatchOptions& options) {
    VerifyReport report = make_verify_report(
        client_name,
        offline_lookup(client_name, std::move(records), assume_secure),
        presented, options);
    report.source = RecordSource::offline;

    // The matcher's detail for an insecure verdict speaks of a DNS answer
    // that is not signed, which is no reason for records given offline.
    if (report.verdict.reason == MatchReason::insecure)
        report.verdict.detail = report.lookup.reason;
    return report;
}

Status verify_batch(Resolver& resolver, const VerifyItemSource& next_item,
                    const VerifyResultCallback& on_report,
                    const MatchOptions& options, std::size_t max_in_flight) {
    // Items wait here from the moment their name is handed to the
    // resolver until their lookup completes, keyed by batch position.
    std::map<std::size_t, VerifyItem> pending;
    std::size_t next_index = 0;

    Resolver::NameSource next_name = [&]() -> std::optional<Name> {
        auto item = next_item();
        if (!item)
            return std::nullopt;
        Name name = item->client_name;
        pending.emplace(next_index++, std::move(*item));
        return name;
    };

    Resolver::BatchCallback on_lookup = [&](std::size_t index, const Name&,
                                            Result<TlsaLookup> lookup) {
        auto found = pending.find(index);
        if (found == pending.end())
            return;
        VerifyItem item = std::move(found->second);
        pending.erase(found);

        if (!lookup) {
            on_report(item.tag, lookup.error());
            return;
        }
        on_report(item.tag,
                  make_verify_report(item.client_name, std::move(*lookup),
                                     item.presented, options));
    };

    return resolver.lookup_tlsa_batch(next_name, on_lookup, max_in_flight);
}

std::vector<std::size_t> split_in_flight(std::size_t max_in_flight,
                                         std::size_t threads) {
    max_in_flight = std::max<std::size_t>(max_in_flight, 1);
    threads = std::clamp<std::size_t>(threads, 1, max_in_flight);

    std::vector<std::size_t> shares(threads, max_in_flight / threads);
    for (std::size_t i = 0; i < max_in_flight % threads; ++i)
        ++shares[i];
    return shares;
}

Status verify_batch_threaded(const ResolverConfig& config,
                             const VerifyItemSource& next_item,
                             const VerifyResultCallback& on_report,
                             const MatchOptions& options,
                             std::size_t max_in_flight, std::size_t threads) {
    std::vector<std::size_t> shares = split_in_flight(max_in_flight, threads);
    threads = shares.size();
    std::vector<Resolver> resolvers;
    for (std::size_t i = 0; i < threads; ++i) {
        auto resolver = Resolver::create(config);
        if (!resolver)
            return resolver.error();
        resolvers.push_back(std::move(*resolver));
    }

    std::mutex lock;
    VerifyItemSource locked_next = [&] {
        std::lock_guard guard(lock);
        return next_item();
    };

    std::vector<Status> statuses(threads, Status(Ok{}));
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] {
            statuses[i] = verify_batch(resolvers[i], locked_next, on_report,
                                       options, shares[i]);
        });
    }
    for (std::thread& worker : workers)
        worker.join();

    for (const Status& status : statuses) {
        if (!status)
            return status;
    }
    return Ok{};
}

namespace {

nlohmann::json optional_json(const std::optional<std::int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json lookup_to_json(const VerifyReport& report) {
    const TlsaLookup& lookup = report.lookup;
    nlohmann::json aliases = nlohmann::json::array();
    for (const Name& name : lookup.alias_chain)
        aliases.push_back(name.to_text());

    return {
        {"source", report.source == RecordSource::dns ? "dns" : "offline"},
        {"query_name", lookup.query_name.to_text()},
        {"final_owner", lookup.final_owner.to_text()},
        {"alias_chain", aliases},
        {"status", lookup_status_name(lookup.status)},
        {"dnssec", dnssec_status_name(lookup.dnssec)},
        {"reason", lookup.reason},
        {"ttl", lookup.ttl},
        {"earliest_signature_expiry", optional_json(report.signature_expiry())},
        {"cache_seconds", optional_json(report.cache_seconds())},
    };
}

nlohmann::json records_to_json(const MatchVerdict& verdict) {
    nlohmann::json records = nlohmann::json::array();
    for (const RecordVerdict& record : verdict.records) {
        nlohmann::json entry = tlsa_to_json(record.record);
        entry["verdict"] = record_outcome_code(record.outcome);
        entry["detail"] = record.detail;
        records.push_back(std::move(entry));
    }
    return records;
}

// RDATA for a text line: digests in full, longer data (Full records)
// shortened to its start and its length.
std::string short_rdata(const TlsaRecord& record) {
    std::string rdata = format_tlsa_rdata(record);
    constexpr std::size_t max_data_octets = 64;
    if (record.data.size() <= max_data_octets)
        return rdata;

    std::size_t data_start = rdata.rfind(' ') + 1;
    return rdata.substr(0, data_start + 32) + "... (" +
           std::to_string(record.data.size()) + " octets)";
}

void write_lookup_text(std::ostream& out, const VerifyReport& report) {
    const TlsaLookup& lookup = report.lookup;
    if (report.source == RecordSource::offline) {
        out << "records: given offline, DNSSEC "
            << dnssec_status_name(lookup.dnssec)
            << (lookup.dnssec == DnssecStatus::secure ? " (assumed)" : "")
            << "\n";
        return;
    }

    out << "lookup: " << lookup_status_name(lookup.status) << ", DNSSEC "
        << dnssec_status_name(lookup.dnssec) << ", final owner "
        << lookup.final_owner.to_text() << "\n";
    if (lookup.alias_chain.size() > 1) {
        out << "aliases:";
        for (std::size_t i = 0; i < lookup.alias_chain.size(); ++i)
            out << (i ? " -> " : " ") << lookup.alias_chain[i].to_text();
        out << "\n";
    }
    if (!lookup.reason.empty())
        out << "lookup detail: " << lookup.reason << "\n";
    if (!lookup_finished(lookup))
        return;

    out << "ttl: " << lookup.ttl << " s";
    if (!report.secure_outcome()) {
        out << " (no signature expiry or cache time: the outcome is not "
               "DNSSEC secure)\n";
        return;
    }

    auto expiry = report.signature_expiry();
    out << ", earliest signature expiry: "
        << (expiry ? format_utc(*expiry) : std::string("none"));
    if (auto seconds = report.cache_seconds())
        out << ", cacheable for " << *seconds << " s";
    out << "\n";
}

} // namespace

nlohmann::json verify_report_to_json(const VerifyReport& report) {
    const MatchVerdict& verdict = report.verdict;
    return {
        {"client_name", report.client_name.to_text()},
        {"authenticated", verdict.authenticated},
        {"reason", match_reason_code(verdict.reason)},
        {"detail", verdict.detail},
        {"server_action", server_action_code(verdict.server_action)},
        {"lookup", lookup_to_json(report)},
        {"records", records_to_json(verdict)},
        {"warnings", verdict.warnings},
        {"checked_at", report.checked_at},
    };
}

std::string verify_report_to_text(const VerifyReport& report) {
    const MatchVerdict& verdict = report.verdict;
    std::ostringstream out;
    out << (verdict.authenticated ? "authenticated" : "not authenticated")
        << " (" << match_reason_code(verdict.reason) << "): " << verdict.detail
        << "\n";
    out << "client name: " << report.client_name.to_text() << "\n";
    write_lookup_text(out, report);

    for (std::size_t i = 0; i < verdict.records.size(); ++i) {
        const RecordVerdict& record = verdict.records[i];
        out << "record " << i + 1 << ": " << short_rdata(record.record) << ": "
            << record_outcome_code(record.outcome) << ": " << record.detail
            << "\n";
    }
    for (const std::string& warning : verdict.warnings)
        out << "warning: " << warning << "\n";

    out << "DANCE server: " << server_action_text(verdict.server_action) << " ("
        << server_action_code(verdict.server_action) << ")\n";
    return out.str();
}

} // namespace dance
