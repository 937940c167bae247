// A reference DANCE server following the server steps of
// draft-ietf-dance-client-auth. It requests dane_clientid in every
// CertificateRequest and takes ClientName from the client's Certificate.
// It checks the name against an allowlist of suffixes before any DNS
// query, authenticates the presented chain through an Authenticator, and
// applies the failure policy.
//
// One thread per connection, up to a cap; the listening loop stops
// accepting while the cap is reached, so further clients wait in the
// kernel's backlog. Each connection ends with one log event.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dance/error.hpp"
#include "dance/handshake.hpp"
#include "dance/name.hpp"
#include "dance/net.hpp"
#include "dance/resolve.hpp"

namespace dance {

// The authenticator's verdict on one ClientName and chain.
struct ClientAuthentication {
    bool authenticated = false;
    std::string reason; // a match reason code such as "secure-match"
    std::string detail;

    // True when the draft requires an abort whatever the policy, such as
    // a ClientName missing from the certificate for usages 0 to 2.
    bool must_abort = false;

    bool cached = false; // the TLSA answer came from the cache
    std::chrono::microseconds lookup_time{0};
};

// Looks up and matches the TLSA records of client_name against the
// presented chain (DER, leaf first). Called from connection threads, so
// implementations must be thread-safe. deadline bounds the whole call.
using Authenticator = std::function<ClientAuthentication(
    const Name& client_name,
    const std::vector<std::vector<std::uint8_t>>& chain,
    Clock::time_point deadline)>;

// The server's action on an authentication failure where the draft
// leaves the choice to policy (DNSSEC failure, no match, allowlist denial).
enum class FailurePolicy { abort, unauthenticated };

struct ServeConfig {
    ServerConfig tls;
    Endpoint listen;

    // ClientNames must equal or lie below one of these; empty allows any.
    std::vector<Name> allowed_suffixes;

    FailurePolicy on_failure = FailurePolicy::abort;
    bool require_dane = false; // abort clients without the extension
    bool echo = false;         // send the verdict as application data

    std::size_t max_connections = 256;
    std::chrono::milliseconds handshake_timeout{10000};
    bool log_json = false;
};

// The closed list of per-connection verdicts in the log.
enum class ConnectionVerdict {
    authenticated,   // a secure TLSA answer matched, handshake finished
    unauthenticated, // handshake finished without DANE authentication
    rejected,        // the server aborted the handshake
    failed,          // timeout, client alert or network error
};

const char* connection_verdict_name(ConnectionVerdict verdict);

// One connection, as logged.
struct ConnectionEvent {
    std::string peer;
    std::optional<std::string> client_name;
    ConnectionVerdict verdict = ConnectionVerdict::failed;
    std::string reason; // e.g. "secure-match", "not-allowed", "no-clientid"
    std::string detail;
    std::optional<std::uint8_t> alert_sent;
    std::optional<std::uint8_t> alert_received;
    std::chrono::microseconds handshake_time{0};
    std::chrono::microseconds lookup_time{0};
    bool cached = false;
};

// "key=value" text or one JSON object, without a newline.
std::string format_connection_event(const ConnectionEvent& event, bool json);

// The application data --echo sends: "dance-verdict: <verdict>
// reason=<code> client_name=<name>\n".
std::string format_echo_line(const ConnectionEvent& event);

// Runs the server until stop becomes true, then waits for connections in
// progress, at most one handshake timeout. Log lines go to log.
Status run_server(const ServeConfig& config, const Authenticator& authenticate,
                  const std::atomic<bool>& stop,
                  const std::function<void(const std::string&)>& log);

// Settings of the DNS-backed authenticator.
struct TlsaAuthenticatorConfig {
    ResolverConfig resolver;
    std::size_t max_lookups = 16;        // lookups in flight at once
    std::size_t max_cache_entries = 10000;
};

// An Authenticator that looks TLSA records up through a pool of
// resolvers, caches secure answers for their TTL (cut short by the
// earliest signature expiry), and decides with make_verify_report(), as
// `dance verify` does. Creating it checks the resolver settings; an error
// names the bad setting.
Result<Authenticator> make_tlsa_authenticator(
    const TlsaAuthenticatorConfig& config);

} // namespace dance
