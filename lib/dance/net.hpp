// TCP plumbing for the handshake commands: "HOST[:PORT]" parsing,
// connecting and listening with deadlines, and the plain-text STARTTLS
// exchanges of SMTP, IMAP, POP3 and XMPP that come before a handshake.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dance/error.hpp"

namespace dance {

struct Endpoint {
    std::string host; // name or numeric address, without brackets
    std::uint16_t port = 0;

    // "host:port", or "[v6]:port" for an IPv6 address.
    std::string to_string() const;
};

// Parses "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT"; a missing port
// is default_port. A usage error names the text and the expected form.
Result<Endpoint> parse_endpoint(std::string_view text,
                                std::uint16_t default_port);

// Connects to the endpoint, trying each address the system resolver
// returns until one answers or the deadline passes. Returns the socket.
// Failures are ErrorCategory::tls (a network failure).
Result<int> connect_tcp(const Endpoint& endpoint,
                        std::chrono::steady_clock::time_point deadline);

// A listening TCP socket bound to a numeric address, with SO_REUSEADDR.
Result<int> listen_tcp(const Endpoint& endpoint, int backlog);

// "127.0.0.1:40123" or "[::1]:40123" for a connected or listening socket.
std::string peer_address(int fd);
std::string local_address(int fd);

enum class StartTls { none, smtp, imap, pop3, xmpp };

// "smtp", "imap", "pop3", "xmpp"; a usage error lists them.
Result<StartTls> parse_starttls(std::string_view text);

// The port a protocol's STARTTLS usually runs on: 25, 143, 110, 5222,
// and 443 for none.
std::uint16_t default_port(StartTls protocol);

// Runs the plain-text exchange that switches the connection to TLS.
// host is the domain sent in EHLO or the XMPP stream header. A failure
// quotes the server's last line.
Status negotiate_starttls(int fd, StartTls protocol, const std::string& host,
                          std::chrono::steady_clock::time_point deadline);

} // namespace dance
