#include "dance/net.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dance {

namespace {

using Clock = std::chrono::steady_clock;

Error network_error(std::string message) {
    return make_error(ErrorCategory::tls, std::move(message));
}

int milliseconds_left(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
    while (true) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, milliseconds_left(deadline));
        if (ready > 0)
            return true;
        if (ready == 0 || errno != EINTR)
            return false;
    }
}

// Connects one address without blocking past the deadline.
Result<int> connect_address(const addrinfo& address,
                            Clock::time_point deadline) {
    const int fd = ::socket(address.ai_family,
                            address.ai_socktype | SOCK_CLOEXEC,
                            address.ai_protocol);
    if (fd < 0)
        return network_error(std::string("cannot create a socket: ") +
                             std::strerror(errno));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);

    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0 &&
        errno != EINPROGRESS) {
        const int saved = errno;
        ::close(fd);
        return network_error(std::strerror(saved));
    }
    if (!wait_for(fd, POLLOUT, deadline)) {
        ::close(fd);
        return network_error("connection timed out");
    }

    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) {
        ::close(fd);
        return network_error(std::strerror(socket_error));
    }
    return fd;
}

std::string format_address(const sockaddr_storage& storage) {
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
        ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
    }
    if (storage.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        return "[" + std::string(text) +
               "]:" + std::to_string(ntohs(v6->sin6_port));
    }
    return "unknown";
}

// Plain-text line exchange on a non-blocking socket.
class LineChannel {
public:
    LineChannel(int fd, Clock::time_point deadline)
        : fd_(fd), deadline_(deadline) {}

    Status send(std::string_view text) {
        while (!text.empty()) {
            const ssize_t sent =
                ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
            if (sent > 0) {
                text.remove_prefix(static_cast<std::size_t>(sent));
                continue;
            }
            if (sent < 0 && errno != EAGAIN && errno != EINTR)
                return network_error(std::string("STARTTLS send failed: ") +
                                     std::strerror(errno));
            if (!wait_for(fd_, POLLOUT, deadline_))
                return network_error("STARTTLS exchange timed out");
        }
        return Ok{};
    }

    // Reads until the buffer contains `marker`; returns what was read.
    Result<std::string> read_until(std::string_view marker) {
        while (buffer_.find(marker) == std::string::npos) {
            if (buffer_.size() > 65536)
                return network_error("STARTTLS reply is too long");
            if (!wait_for(fd_, POLLIN, deadline_))
                return network_error("STARTTLS exchange timed out");
            char chunk[1024];
            const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
            if (got == 0)
                return network_error("the server closed the connection "
                                     "during STARTTLS");
            if (got < 0 && errno != EAGAIN && errno != EINTR)
                return network_error(std::string("STARTTLS read failed: ") +
                                     std::strerror(errno));
            if (got > 0)
                buffer_.append(chunk, static_cast<std::size_t>(got));
        }
        const std::size_t end = buffer_.find(marker) + marker.size();
        std::string taken = buffer_.substr(0, end);
        buffer_.erase(0, end);
        return taken;
    }

    // Reads one reply of a line protocol. For SMTP that is several lines,
    // up to the one whose code is followed by a space.
    Result<std::string> read_reply(bool smtp) {
        while (true) {
            auto line = read_until("\n");
            if (!line.ok() || !smtp || line->size() < 4 || (*line)[3] != '-')
                return line;
        }
    }

private:
    int fd_;
    Clock::time_point deadline_;
    std::string buffer_;
};

std::string trim_line(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    return line;
}

Status expect_reply(LineChannel& channel, bool smtp,
                    std::string_view prefix, std::string_view step) {
    auto reply = channel.read_reply(smtp);
    if (!reply.ok())
        return reply.error();
    if (!reply->starts_with(prefix))
        return network_error("STARTTLS failed at " + std::string(step) +
                             ": the server replied '" +
                             trim_line(*reply) + "'");
    return Ok{};
}

Status starttls_smtp(LineChannel& channel, const std::string& host) {
    if (auto s = expect_reply(channel, true, "220", "the greeting"); !s.ok())
        return s;
    if (auto s = channel.send("EHLO " + host + "\r\n"); !s.ok())
        return s;
    if (auto s = expect_reply(channel, true, "250", "EHLO"); !s.ok())
        return s;
    if (auto s = channel.send("STARTTLS\r\n"); !s.ok())
        return s;
    return expect_reply(channel, true, "220", "STARTTLS");
}

Status starttls_imap(LineChannel& channel) {
    if (auto s = expect_reply(channel, false, "* OK", "the greeting");
        !s.ok())
        return s;
    if (auto s = channel.send("a001 STARTTLS\r\n"); !s.ok())
        return s;
    // Untagged lines may come before the tagged reply.
    while (true) {
        auto reply = channel.read_reply(false);
        if (!reply.ok())
            return reply.error();
        if (reply->starts_with("* "))
            continue;
        if (reply->starts_with("a001 OK"))
            return Ok{};
        return network_error("STARTTLS failed: the server replied '" +
                             trim_line(*reply) + "'");
    }
}

Status starttls_pop3(LineChannel& channel) {
    if (auto s = expect_reply(channel, false, "+OK", "the greeting"); !s.ok())
        return s;
    if (auto s = channel.send("STLS\r\n"); !s.ok())
        return s;
    return expect_reply(channel, false, "+OK", "STLS");
}

Status starttls_xmpp(LineChannel& channel, const std::string& host) {
    const std::string header =
        "<?xml version='1.0'?><stream:stream to='" + host +
        "' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
    if (auto s = channel.send(header); !s.ok())
        return s;
    auto features = channel.read_until("</stream:features>");
    if (!features.ok())
        return features.error();
    if (features->find("urn:ietf:params:xml:ns:xmpp-tls") == std::string::npos)
        return network_error("STARTTLS failed: the XMPP server does not "
                             "offer starttls");
    if (auto s = channel.send(
            "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        !s.ok())
        return s;
    auto proceed = channel.read_until(">");
    if (!proceed.ok())
        return proceed.error();
    if (proceed->find("<proceed") == std::string::npos)
        return network_error("STARTTLS failed: the XMPP server replied '" +
                             *proceed + "'");
    return Ok{};
}

} // namespace

std::string Endpoint::to_string() const {
    if (host.find(':') != std::string::npos)
        return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view text,
                                std::uint16_t default_port) {
    const auto invalid = [&](std::string_view why) -> Error {
        return make_error(ErrorCategory::usage,
                          "invalid address '" + std::string(text) + "': " +
                              std::string(why) +
                              " (expected HOST, HOST:PORT or [IPV6]:PORT)");
    };

    Endpoint endpoint{std::string(text), default_port};
    std::string_view port_text;
    if (text.starts_with("[")) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos)
            return invalid("missing ']'");
        endpoint.host = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(":"))
                return invalid("unexpected text after ']'");
            port_text = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const std::size_t colon = text.find(':');
        endpoint.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    if (endpoint.host.empty())
        return invalid("the host is empty");

    if (!port_text.empty() || text.ends_with(":")) {
        unsigned port = 0;
        const auto [end, error] = std::from_chars(
            port_text.data(), port_text.data() + port_text.size(), port);
        if (error != std::errc{} ||
            end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535)
            return invalid("the port must be a number from 1 to 65535");
        endpoint.port = static_cast<std::uint16_t>(port);
    }
    return endpoint;
}

Result<int> connect_tcp(const Endpoint& endpoint,
                        Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const std::string port = std::to_string(endpoint.port);
    const int status = ::getaddrinfo(endpoint.host.c_str(), port.c_str(),
                                     &hints, &addresses);
    if (status != 0)
        return network_error("cannot resolve host '" + endpoint.host +
                             "': " + ::gai_strerror(status));

    std::string last_failure = "no address";
    for (addrinfo* address = addresses; address != nullptr;
         address = address->ai_next) {
        auto fd = connect_address(*address, deadline);
        if (fd.ok()) {
            ::freeaddrinfo(addresses);
            return fd;
        }
        last_failure = fd.error().message;
    }
    ::freeaddrinfo(addresses);
    return network_error("cannot connect to " + endpoint.to_string() +
                         ": " + last_failure);
}

Result<int> listen_tcp(const Endpoint& endpoint, int backlog) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    addrinfo* addresses = nullptr;
    const std::string port = std::to_string(endpoint.port);
    if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints,
                      &addresses) != 0)
        return make_error(ErrorCategory::usage,
                          "invalid listen address '" + endpoint.host +
                              "': give a numeric IPv4 or IPv6 address");

    const int fd = ::socket(addresses->ai_family,
                            addresses->ai_socktype | SOCK_CLOEXEC, 0);
    int enable = 1;
    const bool ok =
        fd >= 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof enable) ==
            0 &&
        ::bind(fd, addresses->ai_addr, addresses->ai_addrlen) == 0 &&
        ::listen(fd, backlog) == 0;
    const int saved = errno;
    ::freeaddrinfo(addresses);
    if (!ok) {
        if (fd >= 0)
            ::close(fd);
        return network_error("cannot listen on " + endpoint.to_string() +
                             ": " + std::strerror(saved));
    }
    return fd;
}

std::string peer_address(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) !=
        0)
        return "unknown";
    return format_address(storage);
}

std::string local_address(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) !=
        0)
        return "unknown";
    return format_address(storage);
}

Result<StartTls> parse_starttls(std::string_view text) {
    if (text == "smtp")
        return StartTls::smtp;
    if (text == "imap")
        return StartTls::imap;
    if (text == "pop3")
        return StartTls::pop3;
    if (text == "xmpp")
        return StartTls::xmpp;
    return make_error(ErrorCategory::usage,
                      "invalid STARTTLS protocol '" + std::string(text) +
                          "': choose smtp, imap, pop3 or xmpp");
}

std::uint16_t default_port(StartTls protocol) {
    switch (protocol) {
    case StartTls::smtp:
        return 25;
    case StartTls::imap:
        return 143;
    case StartTls::pop3:
        return 110;
    case StartTls::xmpp:
        return 5222;
    case StartTls::none:
        break;
    }
    return 443;
}

Status negotiate_starttls(int fd, StartTls protocol, const std::string& host,
                          Clock::time_point deadline) {
    LineChannel channel(fd, deadline);
    switch (protocol) {
    case StartTls::smtp:
        return starttls_smtp(channel, host);
    case StartTls::imap:
        return starttls_imap(channel);
    case StartTls::pop3:
        return starttls_pop3(channel);
    case StartTls::xmpp:
        return starttls_xmpp(channel, host);
    case StartTls::none:
        break;
    }
    return Ok{};
}

} // namespace dance
