#include "dance/serve.hpp"

#include "dance/message_text.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace dance {

namespace {

// The server's decision for one connection, made in the decision
// callback and read after the handshake.
struct Decision {
    bool called = false;
    bool proceed = true;
    bool authenticated = false; // pending the client's CertificateVerify
    std::string reason;
    std::string detail;
    std::chrono::microseconds lookup_time{0};
    bool cached = false;
};

// State shared by the listening loop and every connection thread. The
// threads are detached and hold a reference, so it outlives run_server()
// if a thread is still finishing.
struct Shared {
    ServeConfig config;
    Authenticator authenticate;
    std::function<void(const std::string&)> log;
    TlsServer server;

    std::mutex mutex;
    std::condition_variable changed;
    std::size_t active = 0;
    std::mutex log_mutex;

    Shared(ServeConfig c, Authenticator a,
           std::function<void(const std::string&)> l, TlsServer s)
        : config(std::move(c)), authenticate(std::move(a)), log(std::move(l)),
          server(std::move(s)) {}

    void write_log(const std::string& line) {
        std::lock_guard lock(log_mutex);
        log(line);
    }
};

bool allowed(const ServeConfig& config, const Name& name) {
    if (config.allowed_suffixes.empty())
        return true;
    for (const Name& suffix : config.allowed_suffixes) {
        if (name.is_subdomain_of(suffix))
            return true;
    }
    return false;
}

// Applies the failure policy where the draft leaves the choice to it.
bool fail_by_policy(const ServeConfig& config, Decision& decision,
                    std::string reason, std::string detail) {
    decision.reason = std::move(reason);
    decision.detail = std::move(detail);
    decision.proceed = config.on_failure == FailurePolicy::unauthenticated;
    return decision.proceed;
}

bool abort_with(Decision& decision, std::string reason, std::string detail) {
    decision.reason = std::move(reason);
    decision.detail = std::move(detail);
    decision.proceed = false;
    return false;
}

// The server steps of draft-ietf-dance-client-auth section 8.2, from the
// point where the client's Certificate has been parsed.
bool decide(Shared& shared, const PresentedClient& presented,
            Clock::time_point deadline, Decision& decision) {
    const ServeConfig& config = shared.config;
    decision.called = true;

    // Step 3: without the extension the specification does not apply,
    // and a server that requires DANE must abort.
    if (!presented.client_name) {
        if (config.require_dane)
            return abort_with(decision, "no-clientid",
                              "the client sent no dane_clientid extension "
                              "and DANE is required");
        decision.reason = "no-clientid";
        decision.detail = "the client sent no dane_clientid extension";
        return true;
    }

    auto name = Name::parse(*presented.client_name);
    if (!name.ok())
        return abort_with(decision, "bad-name", name.error().message);

    // The allowlist comes before any DNS query, so that a client cannot
    // make the server look up arbitrary names.
    if (!allowed(config, *name))
        return fail_by_policy(config, decision, "not-allowed",
                              "the ClientName is not under an allowed "
                              "suffix");

    ClientAuthentication result =
        shared.authenticate(*name, presented.chain, deadline);
    decision.lookup_time = result.lookup_time;
    decision.cached = result.cached;
    if (result.authenticated) {
        decision.authenticated = true;
        decision.reason = result.reason;
        decision.detail = result.detail;
        return true;
    }
    if (result.must_abort)
        return abort_with(decision, result.reason, result.detail);
    return fail_by_policy(config, decision, result.reason, result.detail);
}

// Sets verdict and reason for a handshake that did not finish although
// the decision callback did not abort it.
void explain_failure(const ServerReport& report, ConnectionEvent& event) {
    event.verdict = ConnectionVerdict::rejected;
    if (report.clientid_unsolicited) {
        event.reason = "clientid-unsolicited";
        event.detail = "the client sent dane_clientid although the "
                       "CertificateRequest did not carry it";
    } else if (report.clientid_not_first_entry) {
        event.reason = "clientid-not-first-entry";
        event.detail = "the client sent dane_clientid on a certificate "
                       "entry other than the first";
    } else if (report.clientid_problem) {
        event.reason =
            std::string("clientid-") +
            clientid_problem_name(report.clientid_problem->problem);
        event.detail = report.clientid_problem->detail;
    } else if (report.alert_sent == 116) {
        event.reason = "no-certificate";
        event.detail = "the client sent no certificate and one is required";
    } else if (report.outcome == ServerOutcome::timed_out) {
        event.verdict = ConnectionVerdict::failed;
        event.reason = "handshake-timeout";
        event.detail = report.detail;
    } else if (report.alert_received) {
        event.verdict = ConnectionVerdict::failed;
        event.reason = "client-alert";
        event.detail = "the client sent alert " +
                       tls_alert_name(*report.alert_received);
    } else {
        event.verdict = ConnectionVerdict::failed;
        event.reason = "tls-error";
        event.detail = report.detail;
    }
}

void finish_completed(Shared& shared, TlsServerConnection& connection,
                      const Decision& decision, ConnectionEvent& event) {
    if (!decision.called) {
        event.verdict = ConnectionVerdict::unauthenticated;
        event.reason = "no-certificate";
        event.detail = "the client sent no certificate";
    } else {
        // Only now, with CertificateVerify checked, is the client proven
        // to hold the key, so only now does it count as authenticated.
        event.verdict = decision.authenticated
                            ? ConnectionVerdict::authenticated
                            : ConnectionVerdict::unauthenticated;
    }

    const auto end = Clock::now() + std::chrono::seconds(1);
    if (shared.config.echo)
        connection.write(format_echo_line(event), end);
    connection.close(end);
}

void handle_connection(const std::shared_ptr<Shared>& shared, int fd) {
    ConnectionEvent event;
    event.peer = peer_address(fd);
    const auto deadline = Clock::now() + shared->config.handshake_timeout;

    Decision decision;
    const ClientDecision callback = [&](const PresentedClient& presented) {
        return decide(*shared, presented, deadline, decision);
    };
    ServerReport report;
    auto connection = shared->server.accept(fd, callback, deadline, report);

    event.client_name = report.presented.client_name;
    event.alert_sent = report.alert_sent;
    event.alert_received = report.alert_received;
    event.handshake_time = report.handshake_time;
    event.lookup_time = decision.lookup_time;
    event.cached = decision.cached;
    event.reason = decision.reason;
    event.detail = decision.detail;

    if (connection) {
        finish_completed(*shared, *connection, decision, event);
    } else if (decision.called && !decision.proceed) {
        event.verdict = ConnectionVerdict::rejected;
    } else {
        explain_failure(report, event);
    }
    connection.reset();
    ::close(fd);
    shared->write_log(format_connection_event(event, shared->config.log_json));
}

std::string lifecycle_line(bool json, const std::string& what,
                           const std::string& detail) {
    if (json)
        return dump_json(nlohmann::json{{"event", what}, {"detail", detail}});
    return "dance serve: " + what + ": " + escape_for_log(detail);
}

// Waits until a connection slot is free or stop is set.
bool wait_for_slot(Shared& shared, const std::atomic<bool>& stop) {
    std::unique_lock lock(shared.mutex);
    while (shared.active >= shared.config.max_connections) {
        if (stop)
            return false;
        shared.changed.wait_for(lock, std::chrono::milliseconds(100));
    }
    ++shared.active;
    return true;
}

void release_slot(Shared& shared) {
    std::lock_guard lock(shared.mutex);
    --shared.active;
    shared.changed.notify_all();
}

// Handles one connection. An exception ends that connection only: it is
// logged and the server keeps serving the others.
void handle_connection_logged(const std::shared_ptr<Shared>& shared, int fd) {
    try {
        handle_connection(shared, fd);
    } catch (const std::exception& error) {
        shared->write_log(lifecycle_line(shared->config.log_json, "error",
                                         std::string("connection failed: ") +
                                             error.what()));
    }
}

void start_connection(const std::shared_ptr<Shared>& shared, int fd) {
    try {
        std::thread([shared, fd] {
            handle_connection_logged(shared, fd);
            release_slot(*shared);
        }).detach();
    } catch (const std::system_error& error) {
        ::close(fd);
        release_slot(*shared);
        shared->write_log(lifecycle_line(shared->config.log_json, "error",
                                         std::string("cannot start a "
                                                     "connection thread: ") +
                                             error.what()));
    }
}

void drain_connections(Shared& shared) {
    std::unique_lock lock(shared.mutex);
    shared.changed.wait_for(
        lock, shared.config.handshake_timeout + std::chrono::seconds(2),
        [&] { return shared.active == 0; });
}

} // namespace

const char* connection_verdict_name(ConnectionVerdict verdict) {
    switch (verdict) {
    case ConnectionVerdict::authenticated:
        return "authenticated";
    case ConnectionVerdict::unauthenticated:
        return "unauthenticated";
    case ConnectionVerdict::rejected:
        return "rejected";
    case ConnectionVerdict::failed:
        return "failed";
    }
    return "failed";
}

std::string format_connection_event(const ConnectionEvent& event, bool json) {
    const double handshake_ms =
        static_cast<double>(event.handshake_time.count()) / 1000.0;
    const double lookup_ms =
        static_cast<double>(event.lookup_time.count()) / 1000.0;
    if (json) {
        nlohmann::json out;
        out["event"] = "connection";
        out["peer"] = event.peer;
        out["client_name"] = event.client_name ? nlohmann::json(
                                                     *event.client_name)
                                               : nlohmann::json(nullptr);
        out["verdict"] = connection_verdict_name(event.verdict);
        out["reason"] = event.reason;
        out["detail"] = event.detail;
        out["alert_sent"] = event.alert_sent ? nlohmann::json(
                                                   *event.alert_sent)
                                             : nlohmann::json(nullptr);
        out["alert_received"] =
            event.alert_received ? nlohmann::json(*event.alert_received)
                                 : nlohmann::json(nullptr);
        out["handshake_ms"] = handshake_ms;
        out["lookup_ms"] = lookup_ms;
        out["cached"] = event.cached;
        return dump_json(out);
    }

    // The client name and the detail come from the peer's extension and
    // certificate, so every field is escaped: one event is one line.
    std::ostringstream line;
    line << "dance serve: connection peer=" << escape_for_log(event.peer)
         << " client_name=" << escape_for_log(event.client_name.value_or("-"))
         << " verdict=" << connection_verdict_name(event.verdict)
         << " reason="
         << (event.reason.empty() ? "-" : escape_for_log(event.reason))
         << " alert_sent="
         << (event.alert_sent ? tls_alert_name(*event.alert_sent) : "-")
         << " handshake_ms=" << handshake_ms << " lookup_ms=" << lookup_ms
         << " cached=" << (event.cached ? "yes" : "no");
    if (!event.detail.empty())
        line << " detail=\"" << escape_for_log(event.detail) << '"';
    return line.str();
}

std::string format_echo_line(const ConnectionEvent& event) {
    return "dance-verdict: " +
           std::string(connection_verdict_name(event.verdict)) +
           " reason=" +
           (event.reason.empty() ? "-" : escape_for_log(event.reason)) +
           " client_name=" + escape_for_log(event.client_name.value_or("-")) +
           "\n";
}

Status run_server(const ServeConfig& config, const Authenticator& authenticate,
                  const std::atomic<bool>& stop,
                  const std::function<void(const std::string&)>& log) {
    auto server = TlsServer::create(config.tls);
    if (!server.ok())
        return server.error();
    auto listener = listen_tcp(config.listen, 1024);
    if (!listener.ok())
        return listener.error();
    set_nonblocking(*listener);

    auto shared = std::make_shared<Shared>(config, authenticate, log,
                                           std::move(*server));
    shared->write_log(lifecycle_line(config.log_json, "listening",
                                     local_address(*listener)));

    while (!stop) {
        if (!wait_for_slot(*shared, stop))
            break;
        pollfd entry{*listener, POLLIN, 0};
        const int ready = ::poll(&entry, 1, 200);
        const int fd = ready > 0 ? ::accept4(*listener, nullptr, nullptr,
                                             SOCK_CLOEXEC)
                                 : -1;
        if (fd < 0) {
            // Out of descriptors or memory: back off instead of spinning
            // on a listener that stays readable.
            if (ready > 0 && errno != EAGAIN && errno != EINTR &&
                errno != ECONNABORTED)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            release_slot(*shared);
            continue;
        }
        start_connection(shared, fd);
    }

    ::close(*listener);
    shared->write_log(lifecycle_line(config.log_json, "stopping",
                                     "waiting for connections in progress"));
    drain_connections(*shared);
    shared->write_log(lifecycle_line(config.log_json, "stopped",
                                     "no longer listening"));
    return Ok{};
}

} // namespace dance
