// TLSA lookups through getdns in stub mode, with DNSSEC validation done by
// getdns itself against a configured trust anchor.
//
// This is the only part of libdance that sends DNS queries. Each lookup
// ends in exactly one outcome: an answer, NXDOMAIN or NODATA, each with its
// DNSSEC status (secure, insecure, bogus or indeterminate), or a timeout or
// lookup failure. Nothing here decides whether a record authenticates
// anyone; that is the job of match.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dance/error.hpp"
#include "dance/name.hpp"
#include "dance/tlsa.hpp"

namespace dance {

// DNSSEC validation states of RFC 4035 section 4.3.
enum class DnssecStatus { secure, insecure, bogus, indeterminate };

enum class LookupStatus {
    answer,  // a TLSA RRset was returned
    nxdomain, // the name does not exist
    nodata,  // the name exists but has no TLSA RRset
    timeout, // no upstream replied within the timeout
    failed,  // SERVFAIL, REFUSED, a network error or a malformed reply
};

// Lowercase names as printed in text and JSON output: "secure", "nodata".
const char* dnssec_status_name(DnssecStatus status);
const char* lookup_status_name(LookupStatus status);

// The outcome of one TLSA query.
struct TlsaLookup {
    Name query_name;
    Name final_owner;              // after any CNAME/DNAME chain
    // Each name whose CNAME or DNAME was followed, in order, starting with
    // query_name; empty when no alias applied.
    std::vector<Name> alias_chain;
    LookupStatus status = LookupStatus::failed;

    // For answer: the status of the TLSA RRset and every alias on the way.
    // For nxdomain and nodata: secure only when the denial was proven.
    // For timeout and failed: indeterminate.
    DnssecStatus dnssec = DnssecStatus::indeterminate;

    std::string reason; // why bogus, indeterminate or failed; else empty
    std::vector<TlsaRecord> records;
    std::uint32_t ttl = 0; // smallest TTL over the answer chain

    // Unix time of the soonest RRSIG expiration over the answer chain and
    // the validation chain; empty when nothing was signed.
    std::optional<std::int64_t> earliest_signature_expiry;
};

// One upstream recursive resolver.
struct Upstream {
    std::string address; // numeric IPv4 or IPv6, without brackets
    std::uint16_t port = 53;
    bool ipv6 = false;

    // "127.0.0.1:5353" or "[::1]:53"; the port is always shown.
    std::string to_string() const;
};

// Parses "ADDR", "ADDR:PORT", "IPV6" or "[IPV6]:PORT". Only numeric
// addresses are accepted, since resolving a host name would need DNS.
Result<Upstream> parse_upstream(std::string_view text);

// Collects the "nameserver" lines of resolv.conf(5) text, in order.
// Returns an input error when there are none.
Result<std::vector<Upstream>> parse_resolv_conf(std::string_view text);

inline constexpr std::string_view default_trust_anchor_file =
    "/usr/share/dns/root.key";
inline constexpr std::string_view default_resolv_conf = "/etc/resolv.conf";

struct ResolverConfig {
    // "ADDR[:PORT]" or "[ADDR6]:PORT"; empty means the nameserver lines of
    // resolv_conf.
    std::vector<std::string> upstreams;
    std::string resolv_conf = std::string(default_resolv_conf);

    // DS or DNSKEY records in presentation form; empty means the root key
    // of Debian's dns-root-data package.
    std::string trust_anchor_file;

    // Limit for one whole lookup, validation chain included.
    std::chrono::milliseconds timeout{5000};

    // Accepted for the --tcp option, which is now what every lookup does:
    // queries always go over TCP, because libgetdns 1.6.0 corrupts its
    // heap when UDP replies are lost (see set_transport in resolve.cpp).
    bool tcp = false;
};

// Reads DS or DNSKEY records in presentation form and returns how many
// were found. An input error names the file when it cannot be read, does
// not parse, or contains no DS or DNSKEY record.
Result<std::size_t> check_trust_anchor_file(const std::string& path);

class Resolver {
public:
    // Builds a getdns context in stub mode. Never touches the network; the
    // trust anchor file is read and checked here.
    static Result<Resolver> create(const ResolverConfig& config);

    Resolver(Resolver&&) noexcept;
    Resolver& operator=(Resolver&&) noexcept;
    ~Resolver();

    // Looks up the TLSA RRset at name. The Result is an error only for a
    // local failure, such as a getdns call that failed. Timeouts, SERVFAIL
    // and bogus answers are outcomes in TlsaLookup.
    Result<TlsaLookup> lookup_tlsa(const Name& name);

    // Supplies the next name of a batch, or std::nullopt at the end.
    using NameSource = std::function<std::optional<Name>()>;

    // Receives each lookup as it completes, with the position of its name
    // in the input (0 for the first name). Completion order may differ
    // from input order.
    using BatchCallback = std::function<void(
        std::size_t index, const Name& name, Result<TlsaLookup> result)>;

    // Looks up names from next_name with at most max_in_flight queries
    // outstanding, calling on_result once per name, on this thread.
    // Returns an error only when the batch cannot continue.
    Status lookup_tlsa_batch(const NameSource& next_name,
                             const BatchCallback& on_result,
                             std::size_t max_in_flight = 16);

    // The same over a fixed list.
    Status lookup_tlsa_batch(std::span<const Name> names,
                             const BatchCallback& on_result,
                             std::size_t max_in_flight = 16);

    const std::vector<Upstream>& upstreams() const;

    // The getdns context and settings; opaque outside resolve.cpp.
    struct Impl;

private:
    explicit Resolver(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

} // namespace dance
