#include "dance/handshake.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dance {

namespace {

// TLS 1.3 handshake message types (RFC 8446 section 4).
constexpr unsigned char message_certificate = 11;
constexpr unsigned char message_certificate_request = 13;

// Extension types read from a CertificateRequest (RFC 8446 section 4.2).
constexpr unsigned extension_signature_algorithms = 13;
constexpr unsigned extension_certificate_authorities = 47;

constexpr unsigned extension_contexts = SSL_EXT_TLS1_3_ONLY |
                                        SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |
                                        SSL_EXT_TLS1_3_CERTIFICATE;

constexpr std::size_t max_application_data = 4096;

struct SslDeleter {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslCtxDeleter {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// ---------------------------------------------------------------------
// Small helpers

std::string to_hex(std::span<const unsigned char> bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        text.push_back(digits[b >> 4]);
        text.push_back(digits[b & 0x0F]);
    }
    return text;
}

// The first queued OpenSSL error as text, then clears the queue.
std::string openssl_error_text() {
    const unsigned long code = ERR_peek_error();
    ERR_clear_error();
    if (code == 0)
        return "no OpenSSL error recorded";
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    return buffer;
}

std::string name_to_text(const X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr)
        return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(std::max(0L, length)));
    BIO_free(bio);
    return text;
}

std::vector<std::uint8_t> certificate_der(X509* certificate) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate, &der);
    if (length <= 0)
        return {};
    std::vector<std::uint8_t> bytes(der, der + length);
    OPENSSL_free(der);
    return bytes;
}

std::string spki_sha256(X509* certificate) {
    unsigned char* der = nullptr;
    const int length =
        i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
    if (length <= 0)
        return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    EVP_Digest(der, static_cast<std::size_t>(length), digest, &digest_length,
               EVP_sha256(), nullptr);
    OPENSSL_free(der);
    return to_hex({digest, digest_length});
}

CertificateSummary summarize(X509* certificate) {
    return CertificateSummary{certificate_der(certificate),
                              name_to_text(X509_get_subject_name(certificate)),
                              name_to_text(X509_get_issuer_name(certificate)),
                              spki_sha256(certificate)};
}

std::string signature_scheme_name(unsigned scheme) {
    // RFC 8446 section 4.2.3 and RFC 8998.
    switch (scheme) {
    case 0x0401: return "rsa_pkcs1_sha256";
    case 0x0501: return "rsa_pkcs1_sha384";
    case 0x0601: return "rsa_pkcs1_sha512";
    case 0x0403: return "ecdsa_secp256r1_sha256";
    case 0x0503: return "ecdsa_secp384r1_sha384";
    case 0x0603: return "ecdsa_secp521r1_sha512";
    case 0x0804: return "rsa_pss_rsae_sha256";
    case 0x0805: return "rsa_pss_rsae_sha384";
    case 0x0806: return "rsa_pss_rsae_sha512";
    case 0x0807: return "ed25519";
    case 0x0808: return "ed448";
    case 0x0809: return "rsa_pss_pss_sha256";
    case 0x080a: return "rsa_pss_pss_sha384";
    case 0x080b: return "rsa_pss_pss_sha512";
    case 0x0201: return "rsa_pkcs1_sha1";
    case 0x0203: return "ecdsa_sha1";
    case 0x0708: return "sm2sig_sm3";
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%04x", scheme);
    return buffer;
}

// ---------------------------------------------------------------------
// A bounds-checked reader over handshake message bytes.

class Reader {
public:
    explicit Reader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

    bool read(std::size_t octets, unsigned& value) {
        if (octets > remaining())
            return false;
        value = 0;
        for (std::size_t i = 0; i < octets; ++i)
            value = (value << 8) | bytes_[offset_++];
        return true;
    }

    bool take(std::size_t octets, std::span<const unsigned char>& out) {
        if (octets > remaining())
            return false;
        out = bytes_.subspan(offset_, octets);
        offset_ += octets;
        return true;
    }

    std::size_t remaining() const { return bytes_.size() - offset_; }

private:
    std::span<const unsigned char> bytes_;
    std::size_t offset_ = 0;
};

std::vector<std::string> parse_signature_schemes(
    std::span<const unsigned char> data) {
    std::vector<std::string> names;
    Reader reader(data);
    unsigned length = 0;
    std::span<const unsigned char> list;
    if (!reader.read(2, length) || !reader.take(length, list))
        return names;
    Reader schemes(list);
    unsigned scheme = 0;
    while (schemes.read(2, scheme))
        names.push_back(signature_scheme_name(scheme));
    return names;
}

std::vector<std::string> parse_ca_names(std::span<const unsigned char> data) {
    std::vector<std::string> names;
    Reader reader(data);
    unsigned length = 0;
    std::span<const unsigned char> list;
    if (!reader.read(2, length) || !reader.take(length, list))
        return names;

    Reader entries(list);
    std::span<const unsigned char> der;
    while (entries.read(2, length) && entries.take(length, der)) {
        const unsigned char* cursor = der.data();
        X509_NAME* name = d2i_X509_NAME(nullptr, &cursor,
                                        static_cast<long>(der.size()));
        if (name == nullptr)
            continue;
        names.push_back(name_to_text(name));
        X509_NAME_free(name);
    }
    return names;
}

// Reads a TLS 1.3 CertificateRequest body (after the 4-octet header).
CertificateRequestInfo parse_certificate_request(
    std::span<const unsigned char> body, std::uint16_t codepoint) {
    CertificateRequestInfo info;
    Reader reader(body);
    unsigned length = 0;
    std::span<const unsigned char> skipped;
    std::span<const unsigned char> extensions;
    if (!reader.read(1, length) || !reader.take(length, skipped) ||
        !reader.read(2, length) || !reader.take(length, extensions))
        return info;

    Reader entries(extensions);
    unsigned type = 0;
    std::span<const unsigned char> data;
    while (entries.read(2, type) && entries.read(2, length) &&
           entries.take(length, data)) {
        if (type == codepoint) {
            info.clientid_present = true;
            info.clientid_data.assign(data.begin(), data.end());
            info.clientid_problem = decode_server_extension(data);
        } else if (type == extension_signature_algorithms) {
            info.signature_algorithms = parse_signature_schemes(data);
        } else if (type == extension_certificate_authorities) {
            info.ca_names = parse_ca_names(data);
        }
    }
    return info;
}

// Whether a TLS 1.3 Certificate body carries at least one entry.
bool certificate_list_nonempty(std::span<const unsigned char> body) {
    Reader reader(body);
    unsigned length = 0;
    std::span<const unsigned char> skipped;
    return reader.read(1, length) && reader.take(length, skipped) &&
           reader.read(3, length) && length > 0;
}

// ---------------------------------------------------------------------
// Socket I/O with a deadline

enum class IoStatus { done, ssl_error, timed_out };

// Runs op until it succeeds, fails for a reason other than want
// read/write, or the deadline passes. op returns the OpenSSL result.
template <typename Operation>
IoStatus run_until(SSL* ssl, int fd, Clock::time_point deadline,
                   Operation op, int& result, int& ssl_error) {
    while (true) {
        ERR_clear_error();
        result = op();
        if (result > 0)
            return IoStatus::done;

        ssl_error = SSL_get_error(ssl, result);
        short events = 0;
        if (ssl_error == SSL_ERROR_WANT_READ)
            events = POLLIN;
        else if (ssl_error == SSL_ERROR_WANT_WRITE)
            events = POLLOUT;
        else
            return IoStatus::ssl_error;

        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now());
        if (left.count() <= 0)
            return IoStatus::timed_out;
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
        if (ready == 0)
            return IoStatus::timed_out;
        if (ready < 0 && errno != EINTR)
            return IoStatus::ssl_error;
    }
}

std::string describe_failure(int ssl_error, int saved_errno) {
    if (ssl_error == SSL_ERROR_SYSCALL) {
        if (ERR_peek_error() != 0)
            return openssl_error_text();
        if (saved_errno == 0)
            return "the peer closed the connection";
        return std::strerror(saved_errno);
    }
    if (ssl_error == SSL_ERROR_ZERO_RETURN)
        return "the peer closed the connection";
    return openssl_error_text();
}

// SSL_set_tlsext_host_name() is a macro with an old-style cast.
void set_server_name(SSL* ssl, const std::string& name) {
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
}

int connection_index() {
    static const int index =
        SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

template <typename State>
State* state_of(const SSL* ssl) {
    return static_cast<State*>(SSL_get_ex_data(ssl, connection_index()));
}

// Alerts seen by either side, recorded from the info callback.
struct AlertRecord {
    std::optional<std::uint8_t> sent;
    std::optional<std::uint8_t> received;
};

void record_alert(AlertRecord& alerts, int where, int value) {
    const auto description = static_cast<std::uint8_t>(value & 0xFF);
    if (description == 0) // close_notify
        return;
    if ((where & SSL_CB_READ) != 0 && !alerts.received)
        alerts.received = description;
    if ((where & SSL_CB_WRITE) != 0 && !alerts.sent)
        alerts.sent = description;
}

// OpenSSL calls this only for an encrypted key. Giving no pass phrase
// makes the load fail instead of prompting on the terminal or reading
// standard input, which a server under a service manager may not have.
int refuse_pass_phrase(char*, int, int, void* asked) {
    if (asked != nullptr)
        *static_cast<bool*>(asked) = true;
    return -1;
}

Status load_credential(SSL_CTX* ctx, const std::string& certificate_file,
                       const std::string& key_file) {
    if (SSL_CTX_use_certificate_chain_file(ctx, certificate_file.c_str()) !=
        1)
        return make_error(ErrorCategory::input,
                          "cannot load certificate '" + certificate_file +
                              "': " + openssl_error_text() +
                              " (expected a PEM certificate chain)");
    bool encrypted = false;
    SSL_CTX_set_default_passwd_cb(ctx, refuse_pass_phrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &encrypted);
    const int loaded = SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(),
                                                   SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
    if (loaded != 1 && encrypted) {
        ERR_clear_error();
        return make_error(ErrorCategory::input,
                          "cannot load private key '" + key_file +
                              "': the key is encrypted: decrypt it with "
                              "'openssl pkey -in " + key_file +
                              " -out PLAIN.key' and pass that file");
    }
    if (loaded != 1)
        return make_error(ErrorCategory::input,
                          "cannot load private key '" + key_file +
                              "': " + openssl_error_text() +
                              " (expected an unencrypted PEM key)");
    if (SSL_CTX_check_private_key(ctx) != 1)
        return make_error(ErrorCategory::input,
                          "private key '" + key_file +
                              "' does not match certificate '" +
                              certificate_file + "'");
    return Ok{};
}

Result<SslCtxPtr> new_tls13_context(const SSL_METHOD* method) {
    SslCtxPtr ctx(SSL_CTX_new(method));
    if (!ctx)
        return make_error(ErrorCategory::internal,
                          "cannot create a TLS context: " +
                              openssl_error_text());

    // draft-ietf-dance-client-auth section 12: a server that requires
    // DANE client authentication must not negotiate below TLS 1.3, and
    // the extension exists only there.
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    return ctx;
}

Status register_failure(std::uint16_t codepoint) {
    return make_error(ErrorCategory::usage,
                      "cannot register extension codepoint " +
                          format_clientid_codepoint(codepoint) +
                          ": OpenSSL implements this extension type itself; "
                          "pick a value in the private-use range "
                          "0xff00-0xffff");
}

// ---------------------------------------------------------------------
// Client side

struct ClientState {
    const ClientConfig* config = nullptr;
    ClientReport* report = nullptr;
    bool request_has_clientid = false; // the latest CertificateRequest
    AlertRecord alerts;
    std::vector<std::uint8_t> outgoing; // extension_data of this connection
};

void client_message_callback(int write_p, int, int content_type,
                             const void* buffer, std::size_t length,
                             SSL* ssl, void*) {
    auto* state = state_of<ClientState>(ssl);
    if (state == nullptr || content_type != SSL3_RT_HANDSHAKE || length < 4)
        return;

    const std::span<const unsigned char> message(
        static_cast<const unsigned char*>(buffer), length);
    const auto body = message.subspan(4);

    // libssl keeps its "extension received" flag for the whole
    // connection, so the answer is tied to each CertificateRequest here;
    // this callback runs before libssl processes the message.
    if (write_p == 0 && message[0] == message_certificate_request) {
        auto info = parse_certificate_request(body, state->config->codepoint);
        state->request_has_clientid = info.clientid_present;
        state->report->certificate_request = std::move(info);
    }
    if (write_p == 1 && message[0] == message_certificate)
        state->report->certificate_sent = certificate_list_nonempty(body);
}

void client_info_callback(const SSL* ssl, int where, int value) {
    auto* state = state_of<ClientState>(ssl);
    if (state != nullptr && (where & SSL_CB_ALERT) != 0)
        record_alert(state->alerts, where, value);
}

int client_add_extension(SSL* ssl, unsigned, unsigned context,
                         const unsigned char** out, std::size_t* outlen,
                         X509*, std::size_t chainidx, int*, void*) {
    auto* state = state_of<ClientState>(ssl);
    if (state == nullptr || context != SSL_EXT_TLS1_3_CERTIFICATE)
        return 0;

    // The client answers only a CertificateRequest that carried the
    // extension (RFC 8446 section 4.4.2), and only on the end-entity
    // entry, which is where extensions for the whole chain belong.
    if (!state->request_has_clientid || chainidx != 0 ||
        !state->config->client_name)
        return 0;

    auto encoded = encode_client_extension(*state->config->client_name);
    if (!encoded.ok())
        return 0;
    state->outgoing = std::move(*encoded);
    state->report->clientid_sent = true;
    state->report->clientid_sent_data = state->outgoing;
    *out = state->outgoing.data();
    *outlen = state->outgoing.size();
    return 1;
}

int client_parse_extension(SSL* ssl, unsigned, unsigned context,
                           const unsigned char* in, std::size_t inlen, X509*,
                           std::size_t, int* al, void*) {
    auto* state = state_of<ClientState>(ssl);
    if (state == nullptr || context != SSL_EXT_TLS1_3_CERTIFICATE_REQUEST)
        return 1;
    if (auto problem = decode_server_extension({in, inlen})) {
        *al = static_cast<int>(problem->alert);
        return 0;
    }
    return 1;
}

void finish_client_report(SSL* ssl, ClientReport& report) {
    report.tls_version = SSL_get_version(ssl);
    report.cipher = SSL_get_cipher_name(ssl);
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i)
        report.server_chain.push_back(summarize(sk_X509_value(chain, i)));
}

// Reads after the handshake until the server's verdict shows: an alert,
// close_notify, application data, or a quiet verdict_wait.
void await_verdict(SSL* ssl, int fd, Clock::time_point deadline,
                   ClientReport& report) {
    char buffer[1024];
    while (report.application_data.size() < max_application_data) {
        int result = 0;
        int ssl_error = SSL_ERROR_NONE;
        const IoStatus status = run_until(
            ssl, fd, deadline,
            [&] { return SSL_read(ssl, buffer, sizeof buffer); }, result,
            ssl_error);
        if (status == IoStatus::timed_out)
            return;
        if (status == IoStatus::done) {
            report.application_data.append(
                buffer, static_cast<std::size_t>(result));
            continue;
        }
        if (ssl_error == SSL_ERROR_ZERO_RETURN)
            report.closed_by_server = true;
        else if (report.detail.empty())
            report.detail = describe_failure(ssl_error, errno);
        return;
    }
}

} // namespace

std::string tls_library_version() {
    return OpenSSL_version(OPENSSL_VERSION);
}

std::string tls_alert_name(std::uint8_t alert) {
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    }
    return "alert_" + std::to_string(alert);
}

Result<std::vector<CertificateSummary>> summarize_certificates(
    std::span<const std::vector<std::uint8_t>> chain) {
    std::vector<CertificateSummary> summaries;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const unsigned char* cursor = chain[i].data();
        X509* certificate =
            d2i_X509(nullptr, &cursor, static_cast<long>(chain[i].size()));
        if (certificate == nullptr)
            return make_error(ErrorCategory::input,
                              "certificate " + std::to_string(i) +
                                  " of the chain does not parse as DER");
        summaries.push_back(summarize(certificate));
        X509_free(certificate);
    }
    return summaries;
}

bool set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void drain_and_shutdown(int fd, Clock::time_point deadline) {
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now());
        if (left.count() <= 0)
            return;
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0)
            return;
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

// ---------------------------------------------------------------------
// TlsClient

struct TlsClient::Impl {
    ClientConfig config;
    SslCtxPtr ctx;
};

TlsClient::TlsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsClient::TlsClient(TlsClient&&) noexcept = default;
TlsClient& TlsClient::operator=(TlsClient&&) noexcept = default;
TlsClient::~TlsClient() = default;

Result<TlsClient> TlsClient::create(const ClientConfig& config) {
    auto ctx = new_tls13_context(TLS_client_method());
    if (!ctx.ok())
        return ctx.error();

    if (!config.certificate_file.empty() || !config.key_file.empty()) {
        Status loaded = load_credential(ctx->get(), config.certificate_file,
                                        config.key_file);
        if (!loaded.ok())
            return loaded.error();
    }
    if (config.client_name) {
        if (auto problem = client_name_syntax_problem(*config.client_name))
            return make_error(ErrorCategory::usage,
                              "invalid ClientName '" + *config.client_name +
                                  "': " + *problem);
    }

    // The extension list is copied into each SSL at SSL_new(), so it is
    // registered here, once, on the context.
    if (SSL_CTX_add_custom_ext(ctx->get(), config.codepoint,
                               extension_contexts, client_add_extension,
                               nullptr, nullptr, client_parse_extension,
                               nullptr) != 1)
        return register_failure(config.codepoint).error();

    SSL_CTX_set_verify(ctx->get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_info_callback(ctx->get(), client_info_callback);
    SSL_CTX_set_msg_callback(ctx->get(), client_message_callback);

    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->ctx = std::move(*ctx);
    return TlsClient(std::move(impl));
}

ClientReport TlsClient::handshake(int fd, Clock::time_point deadline) {
    ClientReport report;
    ClientState state;
    state.config = &impl_->config;
    state.report = &report;

    SslPtr ssl(SSL_new(impl_->ctx.get()));
    if (!ssl || !set_nonblocking(fd) || SSL_set_fd(ssl.get(), fd) != 1) {
        report.detail = "cannot set up the TLS connection: " +
                        openssl_error_text();
        return report;
    }
    SSL_set_ex_data(ssl.get(), connection_index(), &state);
    if (!impl_->config.server_name.empty())
        set_server_name(ssl.get(), impl_->config.server_name);

    const auto start = Clock::now();
    int result = 0;
    int ssl_error = SSL_ERROR_NONE;
    const IoStatus status = run_until(
        ssl.get(), fd, deadline, [&] { return SSL_connect(ssl.get()); },
        result, ssl_error);
    report.handshake_time =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                              start);

    if (status == IoStatus::done) {
        finish_client_report(ssl.get(), report);
        const auto verdict_deadline =
            std::min(deadline, Clock::now() + impl_->config.verdict_wait);
        await_verdict(ssl.get(), fd, verdict_deadline, report);
    } else if (status == IoStatus::timed_out) {
        report.timed_out = true;
        report.detail = "the TLS handshake timed out";
    } else {
        report.detail = describe_failure(ssl_error, errno);
    }

    report.alert_received = state.alerts.received;
    report.alert_sent = state.alerts.sent;
    if (report.alert_received)
        report.outcome = ClientOutcome::rejected;
    else if (status == IoStatus::done)
        report.outcome = ClientOutcome::accepted;
    else
        report.outcome = ClientOutcome::failed;

    if (status == IoStatus::done && !report.alert_received &&
        !report.closed_by_server)
        SSL_shutdown(ssl.get());
    SSL_set_ex_data(ssl.get(), connection_index(), nullptr);
    return report;
}

// ---------------------------------------------------------------------
// Server side

namespace {

struct ServerState {
    const ServerConfig* config = nullptr;
    const ClientDecision* decide = nullptr;
    ServerReport* report = nullptr;
    bool request_has_clientid = false; // the latest CertificateRequest
    AlertRecord alerts;
};

void server_info_callback(const SSL* ssl, int where, int value) {
    auto* state = state_of<ServerState>(ssl);
    if (state != nullptr && (where & SSL_CB_ALERT) != 0)
        record_alert(state->alerts, where, value);
}

const unsigned char server_request_data[] = {0x00};

int server_add_extension(SSL* ssl, unsigned, unsigned context,
                         const unsigned char** out, std::size_t* outlen,
                         X509*, std::size_t, int*, void*) {
    auto* state = state_of<ServerState>(ssl);
    if (state == nullptr || context != SSL_EXT_TLS1_3_CERTIFICATE_REQUEST)
        return 0;

    // draft-ietf-dance-client-auth section 8.2 step 1: the
    // CertificateRequest carries a zero-length ClientName.
    state->request_has_clientid = state->config->request_clientid;
    if (!state->request_has_clientid)
        return 0;
    *out = server_request_data;
    *outlen = sizeof server_request_data;
    return 1;
}

int reject_extension(ServerState& state, ClientIdError error, int* al) {
    *al = static_cast<int>(error.alert);
    state.report->clientid_problem = std::move(error);
    return 0;
}

int server_parse_extension(SSL* ssl, unsigned, unsigned context,
                           const unsigned char* in, std::size_t inlen, X509*,
                           std::size_t chainidx, int* al, void*) {
    auto* state = state_of<ServerState>(ssl);
    if (state == nullptr || context != SSL_EXT_TLS1_3_CERTIFICATE)
        return 1;

    // RFC 8446 section 4.2: an extension that the CertificateRequest did
    // not carry may be answered with unsupported_extension. libssl does
    // not check this for Certificate extensions.
    if (!state->request_has_clientid) {
        state->report->clientid_unsolicited = true;
        *al = SSL_AD_UNSUPPORTED_EXTENSION;
        return 0;
    }

    // The name applies to the whole chain, so it belongs on the first
    // entry only; anywhere else is treated as a protocol violation.
    if (chainidx != 0) {
        state->report->clientid_not_first_entry = true;
        *al = SSL_AD_HANDSHAKE_FAILURE;
        return 0;
    }

    ClientIdDecode decoded = decode_client_extension({in, inlen});
    if (!decoded.ok())
        return reject_extension(*state, std::move(*decoded.error), al);
    state->report->presented.client_name = std::move(decoded.client_name);
    return 1;
}

// Replaces chain verification: hands ClientName and chain to the
// application's decision. libssl calls it only for a non-empty
// certificate list, after every entry's extensions were parsed.
int server_verify_certificate(X509_STORE_CTX* store, void*) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(
        store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* state = ssl != nullptr ? state_of<ServerState>(ssl) : nullptr;
    if (state == nullptr) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }

    PresentedClient& presented = state->report->presented;
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_untrusted(store);
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i)
        presented.chain.push_back(certificate_der(sk_X509_value(chain, i)));
    if (presented.chain.empty())
        presented.chain.push_back(
            certificate_der(X509_STORE_CTX_get0_cert(store)));

    state->report->decision_called = true;
    if ((*state->decide)(presented)) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }

    // X509_V_ERR_APPLICATION_VERIFICATION makes libssl send
    // handshake_failure (40), the one alert the draft uses for every
    // client-authentication failure.
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

} // namespace

struct TlsServer::Impl {
    ServerConfig config;
    SslCtxPtr ctx;
};

struct TlsServerConnection::Impl {
    SslPtr ssl;
    int fd = -1;
};

TlsServer::TlsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServer::TlsServer(TlsServer&&) noexcept = default;
TlsServer& TlsServer::operator=(TlsServer&&) noexcept = default;
TlsServer::~TlsServer() = default;

Result<TlsServer> TlsServer::create(const ServerConfig& config) {
    auto ctx = new_tls13_context(TLS_server_method());
    if (!ctx.ok())
        return ctx.error();

    Status loaded = load_credential(ctx->get(), config.certificate_file,
                                    config.key_file);
    if (!loaded.ok())
        return loaded.error();

    if (SSL_CTX_add_custom_ext(ctx->get(), config.codepoint,
                               extension_contexts, server_add_extension,
                               nullptr, nullptr, server_parse_extension,
                               nullptr) != 1)
        return register_failure(config.codepoint).error();

    // A resumed handshake has no Certificate message and so no fresh
    // DANE check; no tickets are issued.
    SSL_CTX_set_num_tickets(ctx->get(), 0);
    SSL_CTX_set_options(ctx->get(), SSL_OP_NO_TICKET);

    int mode = SSL_VERIFY_PEER;
    if (config.require_certificate)
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx->get(), mode, nullptr);
    SSL_CTX_set_cert_verify_callback(ctx->get(), server_verify_certificate,
                                     nullptr);
    SSL_CTX_set_info_callback(ctx->get(), server_info_callback);

    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->ctx = std::move(*ctx);
    return TlsServer(std::move(impl));
}

std::unique_ptr<TlsServerConnection> TlsServer::accept(
    int fd, const ClientDecision& decide, Clock::time_point deadline,
    ServerReport& report) {
    ServerState state;
    state.config = &impl_->config;
    state.decide = &decide;
    state.report = &report;

    SslPtr ssl(SSL_new(impl_->ctx.get()));
    if (!ssl || !set_nonblocking(fd) || SSL_set_fd(ssl.get(), fd) != 1) {
        report.outcome = ServerOutcome::failed;
        report.detail = "cannot set up the TLS connection: " +
                        openssl_error_text();
        return nullptr;
    }
    SSL_set_ex_data(ssl.get(), connection_index(), &state);

    const auto start = Clock::now();
    int result = 0;
    int ssl_error = SSL_ERROR_NONE;
    const IoStatus status = run_until(
        ssl.get(), fd, deadline, [&] { return SSL_accept(ssl.get()); },
        result, ssl_error);
    const int saved_errno = errno;
    report.handshake_time =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                              start);
    SSL_set_ex_data(ssl.get(), connection_index(), nullptr);
    report.alert_sent = state.alerts.sent;
    report.alert_received = state.alerts.received;

    if (status == IoStatus::done) {
        report.outcome = ServerOutcome::completed;
        report.tls_version = SSL_get_version(ssl.get());
        report.cipher = SSL_get_cipher_name(ssl.get());
        auto impl = std::make_unique<TlsServerConnection::Impl>();
        impl->ssl = std::move(ssl);
        impl->fd = fd;
        return std::make_unique<TlsServerConnection>(std::move(impl));
    }

    if (status == IoStatus::timed_out) {
        report.outcome = ServerOutcome::timed_out;
        report.detail = "the TLS handshake timed out";
        return nullptr;
    }

    report.detail = describe_failure(ssl_error, saved_errno);
    if (report.alert_sent || report.alert_received) {
        report.outcome = ServerOutcome::aborted;
        // The client learns of the rejection only when it reads, so the
        // alert must not be lost to a reset from closing with unread data.
        drain_and_shutdown(fd,
                           std::min(deadline, Clock::now() +
                                                  std::chrono::seconds(1)));
    } else {
        report.outcome = ServerOutcome::failed;
    }
    return nullptr;
}

TlsServerConnection::TlsServerConnection(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
TlsServerConnection::~TlsServerConnection() = default;

bool TlsServerConnection::write(std::string_view data,
                                Clock::time_point deadline) {
    int result = 0;
    int ssl_error = SSL_ERROR_NONE;
    const IoStatus status = run_until(
        impl_->ssl.get(), impl_->fd, deadline,
        [&] {
            return SSL_write(impl_->ssl.get(), data.data(),
                             static_cast<int>(data.size()));
        },
        result, ssl_error);
    return status == IoStatus::done;
}

void TlsServerConnection::close(Clock::time_point deadline) {
    ERR_clear_error();
    SSL_shutdown(impl_->ssl.get());
    drain_and_shutdown(impl_->fd, deadline);
}

} // namespace dance
