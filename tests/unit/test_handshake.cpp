// The handshake layer end to end over a socketpair: a TlsServer thread
// and a TlsClient in this thread, with one self-signed P-256 credential
// for both sides (valid until 2124; nothing here checks dates).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "dance/handshake.hpp"

namespace {

const char* certificate_pem = R"(-----BEGIN CERTIFICATE-----
MIIBhDCCASugAwIBAgIUGMelkIwzuEYyFPbVDoVuz4+lLgQwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdW5pdC5leGFtcGxlMCAXDTI2MTIwNDE3MDk0NloYDzIxMjYx
MTEwMTcwOTQ2WjAXMRUwEwYDVQQDDAx1bml0LmV4YW1wbGUwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATFy0jVnURIO5McYNkIjzGrb4NytUFRvBeVx735Icj08t4V
ZoH961KZ9DV9in3+VB6fgcfdE76omYBKZHEyW0nwo1MwUTAdBgNVHQ4EFgQUDIMa
PPZWPtxN8GSzNlN+U217IEUwHwYDVR0jBBgwFoAUDIMaPPZWPtxN8GSzNlN+U217
IEUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBtNO1h5y2/xakJ
u4AptFYOaJbvv7eHZBMaxImn9Tk64QIgQ6+pMj1qCGW8QYeuM8dv56QposJfZKoo
1ZREu/qq+yA=
-----END CERTIFICATE-----
)";
const char* key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMf9ryvxAUh0CPRKS
Y3TfEji+f1y2Sl24DFhvSQ6+i7ShRANCAATFy0jVnURIO5McYNkIjzGrb4NytUFR
vBeVx735Icj08t4VZoH961KZ9DV9in3+VB6fgcfdE76omYBKZHEyW0nw
-----END PRIVATE KEY-----
)";

struct Credential {
    std::string certificate_file;
    std::string key_file;

    Credential() {
        const auto dir = std::filesystem::temp_directory_path();
        const std::string stem =
            (dir / ("dance-handshake-" + std::to_string(::getpid()))).string();
        certificate_file = stem + ".pem";
        key_file = stem + ".key";
        std::ofstream(certificate_file) << certificate_pem;
        std::ofstream(key_file) << key_pem;
    }
    ~Credential() {
        std::remove(certificate_file.c_str());
        std::remove(key_file.c_str());
    }
};

struct Outcome {
    dance::ClientReport client;
    dance::ServerReport server;
    bool server_completed = false;
};

// Runs one handshake; the server thread closes its connection cleanly
// after a completed handshake so that the client sees close_notify.
Outcome run(const dance::ServerConfig& server_config,
            const dance::ClientConfig& client_config,
            const dance::ClientDecision& decide) {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    auto server = dance::TlsServer::create(server_config);
    REQUIRE(server.ok());
    auto client = dance::TlsClient::create(client_config);
    REQUIRE(client.ok());

    Outcome outcome;
    const auto deadline =
        dance::Clock::now() + std::chrono::seconds(10);
    std::thread server_thread([&] {
        auto connection =
            server->accept(pair[0], decide, deadline, outcome.server);
        outcome.server_completed = connection != nullptr;
        if (connection)
            connection->close(deadline);
    });
    outcome.client = client->handshake(pair[1], deadline);
    ::shutdown(pair[1], SHUT_RDWR);
    server_thread.join();
    ::close(pair[0]);
    ::close(pair[1]);
    return outcome;
}

} // namespace

TEST_CASE("handshake carries the ClientName to the decision") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    dance::ClientConfig client;
    client.certificate_file = credential.certificate_file;
    client.key_file = credential.key_file;
    client.client_name = "sensor7._device.example";

    dance::PresentedClient seen;
    auto outcome = run(server, client, [&](const dance::PresentedClient& p) {
        seen = p;
        return true;
    });

    CHECK(outcome.server_completed);
    CHECK(outcome.client.outcome == dance::ClientOutcome::accepted);
    REQUIRE(seen.client_name.has_value());
    CHECK(*seen.client_name == "sensor7._device.example");
    CHECK(seen.chain.size() == 1);
    REQUIRE(outcome.client.certificate_request.has_value());
    CHECK(outcome.client.certificate_request->clientid_present);
    CHECK(outcome.client.certificate_request->clientid_data ==
          std::vector<std::uint8_t>{0});
    CHECK(outcome.client.clientid_sent);
    CHECK(outcome.client.clientid_sent_data.size() == 24);
    CHECK(outcome.client.tls_version == "TLSv1.3");
    CHECK(outcome.client.closed_by_server);
}

TEST_CASE("handshake rejection reaches the client as alert 40") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    dance::ClientConfig client;
    client.certificate_file = credential.certificate_file;
    client.key_file = credential.key_file;
    client.client_name = "device1.example";

    auto outcome = run(server, client,
                       [](const dance::PresentedClient&) { return false; });

    CHECK_FALSE(outcome.server_completed);
    CHECK(outcome.server.outcome == dance::ServerOutcome::aborted);
    CHECK(outcome.server.alert_sent == 40);
    CHECK(outcome.client.outcome == dance::ClientOutcome::rejected);
    CHECK(outcome.client.alert_received == 40);
}

TEST_CASE("handshake without a request sends no extension") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    server.request_clientid = false;
    dance::ClientConfig client;
    client.certificate_file = credential.certificate_file;
    client.key_file = credential.key_file;
    client.client_name = "device1.example";

    dance::PresentedClient seen;
    seen.client_name = "unset";
    auto outcome = run(server, client, [&](const dance::PresentedClient& p) {
        seen = p;
        return true;
    });

    CHECK(outcome.server_completed);
    REQUIRE(outcome.client.certificate_request.has_value());
    CHECK_FALSE(outcome.client.certificate_request->clientid_present);
    CHECK_FALSE(outcome.client.clientid_sent);
    CHECK_FALSE(seen.client_name.has_value());
}

TEST_CASE("handshake without a name omits the extension") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    dance::ClientConfig client;
    client.certificate_file = credential.certificate_file;
    client.key_file = credential.key_file;

    bool called = false;
    dance::PresentedClient seen;
    auto outcome = run(server, client, [&](const dance::PresentedClient& p) {
        called = true;
        seen = p;
        return true;
    });

    CHECK(outcome.server_completed);
    CHECK(called);
    CHECK_FALSE(seen.client_name.has_value());
    CHECK_FALSE(outcome.client.clientid_sent);
    CHECK(outcome.client.certificate_sent);
}

TEST_CASE("handshake without a certificate draws alert 116") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    server.require_certificate = true;
    dance::ClientConfig client;
    client.client_name = "device1.example";

    bool called = false;
    auto outcome = run(server, client, [&](const dance::PresentedClient&) {
        called = true;
        return true;
    });

    CHECK_FALSE(called);
    CHECK_FALSE(outcome.client.certificate_sent);
    CHECK(outcome.server.alert_sent == 116);
    CHECK(outcome.client.alert_received == 116);
}

TEST_CASE("client rejects a bad ClientName at setup") {
    dance::ClientConfig client;
    client.client_name = "device.example.";
    auto created = dance::TlsClient::create(client);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().category == dance::ErrorCategory::usage);
}

TEST_CASE("server rejects a codepoint libssl implements") {
    Credential credential;
    dance::ServerConfig server{credential.certificate_file,
                               credential.key_file};
    server.codepoint = 13; // signature_algorithms
    auto created = dance::TlsServer::create(server);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().category == dance::ErrorCategory::usage);
}

TEST_CASE("server reports a missing certificate file") {
    dance::ServerConfig server{"/nonexistent/server.pem",
                               "/nonexistent/server.key"};
    auto created = dance::TlsServer::create(server);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().category == dance::ErrorCategory::input);
    CHECK(created.error().message.find("/nonexistent/server.pem") !=
          std::string::npos);
}

TEST_CASE("alert names follow RFC 8446") {
    CHECK(dance::tls_alert_name(40) == "handshake_failure");
    CHECK(dance::tls_alert_name(50) == "decode_error");
    CHECK(dance::tls_alert_name(110) == "unsupported_extension");
    CHECK(dance::tls_alert_name(116) == "certificate_required");
    CHECK(dance::tls_alert_name(200) == "alert_200");
}
