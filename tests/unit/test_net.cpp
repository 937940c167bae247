#include <doctest/doctest.h>
#include <string>

#include "dance/net.hpp"
#include "dance/serve.hpp"

TEST_CASE("endpoint parses host and port forms") {
    auto plain = dance::parse_endpoint("mail.example", 25);
    REQUIRE(plain.ok());
    CHECK(plain->host == "mail.example");
    CHECK(plain->port == 25);

    auto with_port = dance::parse_endpoint("127.0.0.1:8443", 443);
    REQUIRE(with_port.ok());
    CHECK(with_port->host == "127.0.0.1");
    CHECK(with_port->port == 8443);

    auto v6 = dance::parse_endpoint("[::1]:853", 443);
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->port == 853);
    CHECK(v6->to_string() == "[::1]:853");

    auto bare_v6 = dance::parse_endpoint("::1", 443);
    REQUIRE(bare_v6.ok());
    CHECK(bare_v6->host == "::1");
    CHECK(bare_v6->port == 443);
}

TEST_CASE("endpoint rejects bad ports and hosts") {
    for (const char* text : {"host:0", "host:65536", "host:", "host:x",
                             ":443", "[::1", "[::1]x", "[]:443"}) {
        CAPTURE(text);
        auto parsed = dance::parse_endpoint(text, 443);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().category == dance::ErrorCategory::usage);
    }
    auto bad = dance::parse_endpoint("host:99999", 443);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message ==
          "invalid address 'host:99999': the port must be a number from 1 "
          "to 65535 (expected HOST, HOST:PORT or [IPV6]:PORT)");
}

TEST_CASE("starttls protocols and default ports") {
    auto smtp = dance::parse_starttls("smtp");
    REQUIRE(smtp.ok());
    CHECK(dance::default_port(*smtp) == 25);
    CHECK(dance::default_port(dance::StartTls::xmpp) == 5222);
    CHECK(dance::default_port(dance::StartTls::none) == 443);
    auto ftp = dance::parse_starttls("ftp");
    REQUIRE_FALSE(ftp.ok());
    CHECK(ftp.error().message ==
          "invalid STARTTLS protocol 'ftp': choose smtp, imap, pop3 or xmpp");
}

TEST_CASE("serve log line has every field") {
    dance::ConnectionEvent event;
    event.peer = "127.0.0.1:5555";
    event.client_name = "device1.example";
    event.verdict = dance::ConnectionVerdict::rejected;
    event.reason = "no-match";
    event.alert_sent = 40;
    event.handshake_time = std::chrono::microseconds(2500);
    event.lookup_time = std::chrono::microseconds(1000);

    CHECK(dance::format_connection_event(event, false) ==
          "dance serve: connection peer=127.0.0.1:5555 "
          "client_name=device1.example verdict=rejected reason=no-match "
          "alert_sent=handshake_failure handshake_ms=2.5 lookup_ms=1 "
          "cached=no");

    const std::string json = dance::format_connection_event(event, true);
    CHECK(json.find("\"verdict\":\"rejected\"") != std::string::npos);
    CHECK(json.find("\"alert_sent\":40") != std::string::npos);
    CHECK(json.find("\"client_name\":\"device1.example\"") !=
          std::string::npos);
}

TEST_CASE("serve echo line names verdict and reason") {
    dance::ConnectionEvent event;
    event.verdict = dance::ConnectionVerdict::unauthenticated;
    event.reason = "no-clientid";
    CHECK(dance::format_echo_line(event) ==
          "dance-verdict: unauthenticated reason=no-clientid client_name=-\n");
}

// The detail quotes the leaf's dNSNames, which the client chose: a raw
// newline there would forge a second log line, and a byte that is not
// UTF-8 made the JSON dump throw and abort the whole server.
TEST_CASE("serve log line escapes certificate text") {
    dance::ConnectionEvent event;
    event.peer = "127.0.0.1:5555";
    event.client_name = "a\nb.example";
    event.verdict = dance::ConnectionVerdict::rejected;
    event.reason = "name-not-in-certificate";
    event.detail = "it has: \xff\nFORGED verdict=authenticated \"x\" \\";

    const std::string text = dance::format_connection_event(event, false);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find("client_name=a\\x0ab.example ") != std::string::npos);
    CHECK(text.find("detail=\"it has: \\xff\\x0aFORGED "
                    "verdict=authenticated \\\"x\\\" \\\\\"") !=
          std::string::npos);

    std::string json;
    CHECK_NOTHROW(json = dance::format_connection_event(event, true));
    CHECK(json.find("it has: \xef\xbf\xbd\\nFORGED") != std::string::npos);
}

TEST_CASE("serve echo line escapes client name") {
    dance::ConnectionEvent event;
    event.verdict = dance::ConnectionVerdict::rejected;
    event.reason = "no-match";
    event.client_name = "a\r\nb";
    CHECK(dance::format_echo_line(event) ==
          "dance-verdict: rejected reason=no-match client_name=a\\x0d\\x0ab\n");
}
