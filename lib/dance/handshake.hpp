// TLS 1.3 handshakes that carry the dane_clientid extension, on OpenSSL 3
// libssl. This is the only part of libdance that uses OpenSSL types; the
// chain a peer presents leaves it as DER.
//
// Both sides register the extension for CertificateRequest and
// Certificate. A client answers only a CertificateRequest that carried
// it, and only on the first CertificateEntry. A server puts the
// zero-length ClientName in its CertificateRequest, checks the client's
// answer strictly, and hands ClientName plus chain to a callback that
// decides whether the handshake goes on.
//
// Sockets are connected or accepted by the caller; these functions put
// them in non-blocking mode and enforce a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dance/clientid.hpp"
#include "dance/error.hpp"

namespace dance {

using Clock = std::chrono::steady_clock;

// The OpenSSL version in use at run time: "OpenSSL 3.0.22 25 Aug 2026".
std::string tls_library_version();

// Name of a TLS alert description (RFC 8446 section 6): "handshake_failure".
// "alert_N" for values this table does not know.
std::string tls_alert_name(std::uint8_t alert);

// One certificate of a presented chain.
struct CertificateSummary {
    std::vector<std::uint8_t> der;
    std::string subject; // RFC 2253 form
    std::string issuer;
    std::string spki_sha256; // lowercase hex of SHA-256 over the SPKI DER
};

// Parses DER certificates into summaries. An input error names the
// position of a certificate that does not parse.
Result<std::vector<CertificateSummary>> summarize_certificates(
    std::span<const std::vector<std::uint8_t>> chain);

// The contents of a CertificateRequest, as the client received it.
struct CertificateRequestInfo {
    bool clientid_present = false;
    std::vector<std::uint8_t> clientid_data; // its extension_data
    std::optional<ClientIdError> clientid_problem;
    std::vector<std::string> signature_algorithms; // RFC 8446 names
    std::vector<std::string> ca_names;             // RFC 2253 form
};

struct ClientConfig {
    // PEM files of the client credential; both empty means no
    // certificate is sent.
    std::string certificate_file;
    std::string key_file;

    // The ClientName sent when the server requests it; std::nullopt sends
    // no extension even then.
    std::optional<std::string> client_name;

    std::uint16_t codepoint = default_clientid_codepoint;
    std::string server_name; // SNI; empty sends none

    // How long to wait after the handshake for the server's verdict: an
    // alert, application data or close_notify. In TLS 1.3 the client
    // finishes before the server has checked the client's Certificate.
    std::chrono::milliseconds verdict_wait{1000};
};

enum class ClientOutcome {
    accepted, // handshake done and no alert from the server
    rejected, // the server sent a fatal alert
    failed,   // the handshake did not finish: timeout, network, local error
};

struct ClientReport {
    ClientOutcome outcome = ClientOutcome::failed;
    std::chrono::microseconds handshake_time{0};

    std::string tls_version; // "TLSv1.3"
    std::string cipher;
    std::vector<CertificateSummary> server_chain;

    std::optional<CertificateRequestInfo> certificate_request;
    bool clientid_sent = false;
    std::vector<std::uint8_t> clientid_sent_data; // extension_data sent
    bool certificate_sent = false;

    std::optional<std::uint8_t> alert_received;
    std::optional<std::uint8_t> alert_sent;
    bool closed_by_server = false;    // close_notify seen after the handshake
    std::string application_data;     // what the server sent, up to 4 KiB
    std::string detail;               // why the handshake failed
    bool timed_out = false;
};

// A client context: credential and extension registration, reusable for
// many connections from one thread at a time.
class TlsClient {
public:
    // Loads the credential and registers the extension. An input error
    // names a file that cannot be read or a key that does not fit.
    static Result<TlsClient> create(const ClientConfig& config);

    TlsClient(TlsClient&&) noexcept;
    TlsClient& operator=(TlsClient&&) noexcept;
    ~TlsClient();

    // Runs a TLS 1.3 handshake over the connected socket fd, then waits
    // up to verdict_wait for the server's verdict, all before deadline.
    // Never closes fd.
    ClientReport handshake(int fd, Clock::time_point deadline);

private:
    struct Impl;
    explicit TlsClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// What the client presented, as the server's decision callback sees it.
struct PresentedClient {
    // The ClientName of the dane_clientid extension; std::nullopt when
    // the client sent no extension.
    std::optional<std::string> client_name;
    std::vector<std::vector<std::uint8_t>> chain; // DER, leaf first
};

// The server's decision on a presented client. Returning false aborts
// the handshake with handshake_failure (40). The callback runs before
// the client's CertificateVerify has been checked, so it must not treat
// the client as authenticated yet.
using ClientDecision = std::function<bool(const PresentedClient&)>;

struct ServerConfig {
    std::string certificate_file; // PEM chain, leaf first
    std::string key_file;
    std::uint16_t codepoint = default_clientid_codepoint;

    // Put dane_clientid in the CertificateRequest. Off gives a plain
    // mutual-TLS server that still rejects the extension unsolicited.
    bool request_clientid = true;

    // Abort when the client sends no certificate. OpenSSL 3.0 can only
    // send certificate_required (116) in that case, not 40.
    bool require_certificate = false;
};

enum class ServerOutcome {
    completed, // handshake finished
    aborted,   // a fatal alert was sent or received
    timed_out,
    failed, // network or local error
};

struct ServerReport {
    ServerOutcome outcome = ServerOutcome::failed;
    std::chrono::microseconds handshake_time{0};
    std::string tls_version;
    std::string cipher;

    PresentedClient presented;
    bool decision_called = false;

    // The reason the extension was rejected before the decision callback.
    std::optional<ClientIdError> clientid_problem;
    bool clientid_unsolicited = false;
    bool clientid_not_first_entry = false;

    std::optional<std::uint8_t> alert_sent;
    std::optional<std::uint8_t> alert_received;
    std::string detail;
};

class TlsServerConnection;

// A server context shared by all connection threads.
class TlsServer {
public:
    static Result<TlsServer> create(const ServerConfig& config);

    TlsServer(TlsServer&&) noexcept;
    TlsServer& operator=(TlsServer&&) noexcept;
    ~TlsServer();

    // Runs the server side of a handshake over the accepted socket fd.
    // decide is called at most once, from this thread.
    std::unique_ptr<TlsServerConnection> accept(int fd,
                                                const ClientDecision& decide,
                                                Clock::time_point deadline,
                                                ServerReport& report);

private:
    struct Impl;
    explicit TlsServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A completed server-side connection.
class TlsServerConnection {
public:
    ~TlsServerConnection();
    TlsServerConnection(const TlsServerConnection&) = delete;
    TlsServerConnection& operator=(const TlsServerConnection&) = delete;

    // Sends application data; false when it could not be sent in time.
    bool write(std::string_view data, Clock::time_point deadline);

    // Sends close_notify and waits briefly for the peer's, so that data
    // already sent is not lost to a TCP reset. Never closes the socket.
    void close(Clock::time_point deadline);

    struct Impl;
    explicit TlsServerConnection(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

// Puts fd in non-blocking mode; false when fcntl fails.
bool set_nonblocking(int fd);

// After a fatal alert, waits until the peer closes or deadline passes
// without sending more, so the alert is not lost to a TCP reset.
void drain_and_shutdown(int fd, Clock::time_point deadline);

} // namespace dance
