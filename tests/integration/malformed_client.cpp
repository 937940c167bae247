// A TLS 1.3 client that answers a dane_clientid request with a malformed
// extension, for checking the alert a DANCE server sends back. It uses
// libssl directly, not libdance, so that it can break the rules.
//
//   malformed_client PORT MODE CERT KEY EXPECTED_ALERT
//
// MODE: zero-length, bad-length, trailing-bytes, empty, trailing-dot,
// second-entry (CERT must hold a chain of two), valid. Connects to
// 127.0.0.1:PORT, prints "alert N" or "no alert", and exits 0 when the
// server's alert equals EXPECTED_ALERT ("none" for no alert), 1 when it
// differs, 2 on a setup error.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr unsigned codepoint = 0xFF5A;
constexpr unsigned contexts = SSL_EXT_TLS1_3_ONLY |
                              SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |
                              SSL_EXT_TLS1_3_CERTIFICATE;

std::string mode;
std::vector<unsigned char> payload;
int alert_received = -1;

std::vector<unsigned char> framed(const std::string& name) {
    std::vector<unsigned char> data(1 + name.size());
    data[0] = static_cast<unsigned char>(name.size());
    std::memcpy(data.data() + 1, name.data(), name.size());
    return data;
}

bool set_payload() {
    const std::string name = "_smtp-client.device1.dance.test";
    if (mode == "zero-length")
        payload = {0x00};
    else if (mode == "bad-length")
        payload = {0x05, 'a', 'b'};
    else if (mode == "trailing-bytes")
        payload = {0x01, 'a', 'b'};
    else if (mode == "empty")
        payload = {};
    else if (mode == "trailing-dot")
        payload = framed(name + ".");
    else if (mode == "second-entry" || mode == "valid")
        payload = framed(name);
    else
        return false;
    return true;
}

int add_extension(SSL*, unsigned, unsigned context, const unsigned char** out,
                  size_t* outlen, X509*, size_t chainidx, int*, void*) {
    if (context != SSL_EXT_TLS1_3_CERTIFICATE)
        return 0;
    const size_t wanted_entry = mode == "second-entry" ? 1 : 0;
    if (chainidx != wanted_entry)
        return 0;
    *out = payload.data();
    *outlen = payload.size();
    return 1;
}

int parse_extension(SSL*, unsigned, unsigned, const unsigned char*, size_t,
                    X509*, size_t, int*, void*) {
    return 1;
}

void info_callback(const SSL*, int where, int value) {
    if ((where & SSL_CB_ALERT) != 0 && (where & SSL_CB_READ) != 0 &&
        (value & 0xFF) != 0 && alert_received < 0)
        alert_received = value & 0xFF;
}

int connect_loopback(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
        0) {
        std::perror("connect");
        return -1;
    }
    return fd;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr,
                     "usage: malformed_client PORT MODE CERT KEY ALERT\n");
        return 2;
    }
    mode = argv[2];
    if (!set_payload()) {
        std::fprintf(stderr, "malformed_client: unknown mode %s\n", argv[2]);
        return 2;
    }

    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[3]) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[4], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_add_custom_ext(ctx, codepoint, contexts, add_extension,
                               nullptr, nullptr, parse_extension,
                               nullptr) != 1) {
        ERR_print_errors_fp(stderr);
        return 2;
    }
    SSL_CTX_set_info_callback(ctx, info_callback);

    const int fd = connect_loopback(std::atoi(argv[1]));
    if (fd < 0)
        return 2;
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);

    // In TLS 1.3 the server's verdict on the client's Certificate
    // arrives after SSL_connect() returns, so read for it.
    if (SSL_connect(ssl) == 1) {
        char buffer[256];
        while (SSL_read(ssl, buffer, sizeof buffer) > 0) {
        }
    }

    const std::string expected = argv[5];
    std::string seen = "none";
    if (alert_received >= 0) {
        seen = std::to_string(alert_received);
        std::printf("alert %d\n", alert_received);
    } else {
        std::printf("no alert\n");
    }

    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return seen == expected ? 0 : 1;
}
