// dance probe: one TLS 1.3 handshake against a server, reporting whether
// it requests dane_clientid and how it treats the client's identity.
#include "command.hpp"
#include "dance/clientid.hpp"
#include "dance/handshake.hpp"
#include "dance/match.hpp"
#include "dance/message_text.hpp"
#include "dance/name.hpp"
#include "dance/net.hpp"
#include "dance/owner.hpp"
#include "dance/resolve.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "resolver_help.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace dance::cli {

namespace {

struct ProbeOptions {
    std::string target;
    std::string certificate_file;
    std::string key_file;
    std::string name;
    std::string service, client; // _service.client
    std::string device, org;     // device._device.org
    std::string sni;
    std::string starttls;
    std::string ehlo_name = "dance-probe.invalid";
    double timeout_seconds = 10;
    double verdict_wait_seconds = 1;
    std::string codepoint;
    bool no_clientid = false;
    bool json = false;

    bool dane_check_server = false;
    unsigned tlsa_port = 0; // 0: the port connected to
    std::vector<std::string> resolvers;
    std::string trust_anchor;
    bool tcp = false;
};

struct ProbePlan {
    Endpoint endpoint;
    StartTls starttls = StartTls::none;
    std::string greeting_name; // SMTP EHLO name or XMPP stream domain
    ClientConfig client;
    std::chrono::milliseconds timeout{10000};

    // Set with --dane-check-server: the TLSA owner name of the server,
    // the reference name its certificate is checked against, and how to
    // look it up.
    std::optional<Name> server_tlsa_owner;
    std::optional<Name> server_name;
    ResolverConfig resolver;
};

// The DANE check of the server against its own TLSA records.
struct ServerDaneCheck {
    std::optional<Error> error; // the lookup could not be made
    TlsaLookup lookup;
    MatchVerdict verdict;
};

struct ProbeRun {
    ProbePlan plan;
    std::chrono::microseconds connect_time{0};
    std::optional<Error> connect_error;
    ClientReport report;
    std::optional<ServerDaneCheck> server_dane;
};

std::chrono::milliseconds to_milliseconds(double seconds) {
    return std::chrono::milliseconds(std::llround(seconds * 1000));
}

Result<Name> parse_name_option(const std::string& option,
                               const std::string& text) {
    auto name = Name::parse(text);
    if (!name.ok())
        return make_error(ErrorCategory::usage,
                          "invalid " + option + " '" + text +
                              "': " + name.error().message);
    return name;
}

Result<std::optional<std::string>> owner_text(Result<Name> owner) {
    if (!owner.ok())
        return make_error(ErrorCategory::usage, owner.error().message);
    return std::optional<std::string>(owner->to_text());
}

// The ClientName from --name, or from the owner-name options of
// `dance owner`: --service with --client, --device with --org, or
// --client alone (the freeform name).
Result<std::optional<std::string>> client_name_of(const ProbeOptions& o) {
    const int forms = !o.name.empty() + !o.service.empty() +
                      !o.device.empty() +
                      (o.service.empty() && !o.client.empty());
    if (forms > 1)
        return make_error(ErrorCategory::usage,
                          "give only one of --name, --service/--client, "
                          "--device/--org and --client");
    if (!o.name.empty()) {
        auto name = parse_name_option("--name", o.name);
        if (!name.ok())
            return name.error();
        return std::optional<std::string>(name->to_text());
    }
    if (!o.service.empty() && o.client.empty())
        return make_error(ErrorCategory::usage,
                          "--service needs --client NAME");
    if (!o.device.empty() != !o.org.empty())
        return make_error(ErrorCategory::usage,
                          "--device and --org go together: give both");

    if (!o.client.empty()) {
        auto client = parse_name_option("--client", o.client);
        if (!client.ok())
            return client.error();
        if (o.service.empty())
            return owner_text(freeform_owner(*client));
        return owner_text(service_owner(o.service, *client));
    }
    if (!o.device.empty()) {
        auto device = parse_name_option("--device", o.device);
        if (!device.ok())
            return device.error();
        auto org = parse_name_option("--org", o.org);
        if (!org.ok())
            return org.error();
        return owner_text(device_owner(*device, *org));
    }
    return std::optional<std::string>();
}

// RFC 6698 section 3: the server's records sit at _PORT._tcp.HOST, and
// HOST (or the SNI name) is the reference name for usages 0 to 2.
Status plan_dane_check(const ProbeOptions& o, ProbePlan& plan) {
    const std::string host = o.sni.empty() ? plan.endpoint.host : o.sni;
    auto name = Name::parse(host);
    if (!name.ok() || host.find(':') != std::string::npos ||
        host.find_first_not_of("0123456789.") == std::string::npos)
        return make_error(ErrorCategory::usage,
                          "--dane-check-server needs a host name, not '" +
                              host + "': give the name with --sni");
    if (o.tlsa_port > 65535)
        return make_error(ErrorCategory::usage,
                          "invalid --tlsa-port: give a port from 1 to 65535");
    const auto port = o.tlsa_port != 0
                          ? static_cast<std::uint16_t>(o.tlsa_port)
                          : plan.endpoint.port;
    auto owner = server_owner(port, "tcp", *name);
    if (!owner.ok())
        return owner.error();

    plan.server_name = *name;
    plan.server_tlsa_owner = *owner;
    plan.resolver.upstreams = o.resolvers;
    plan.resolver.trust_anchor_file = o.trust_anchor;
    plan.resolver.timeout = plan.timeout;
    plan.resolver.tcp = o.tcp;
    return Ok{};
}

ServerDaneCheck check_server_dane(const ProbePlan& plan,
                                  const ClientReport& report) {
    ServerDaneCheck check;
    auto resolver = Resolver::create(plan.resolver);
    if (!resolver.ok()) {
        check.error = resolver.error();
        return check;
    }
    auto lookup = resolver->lookup_tlsa(*plan.server_tlsa_owner);
    if (!lookup.ok()) {
        check.error = lookup.error();
        return check;
    }
    check.lookup = std::move(*lookup);

    PresentedCredential presented;
    for (const CertificateSummary& certificate : report.server_chain)
        presented.chain.push_back(certificate.der);
    MatchOptions options;
    options.now = static_cast<std::int64_t>(std::time(nullptr));
    check.verdict =
        match_tlsa(check.lookup, presented, *plan.server_name, options);
    return check;
}

// The EHLO argument goes into the SMTP command line as it is, so CR, LF or
// a space would let it add commands (RFC 5321 section 4.1.1.1: EHLO takes
// one domain or address literal).
std::optional<Error> check_ehlo_name(const std::string& name) {
    const bool invalid =
        name.empty() || std::ranges::any_of(name, [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte <= 0x20 || byte >= 0x7f;
        });
    if (!invalid)
        return std::nullopt;
    return make_error(ErrorCategory::usage,
                      "invalid --ehlo " + quote_for_message(name) +
                          ": give one domain name or address literal, "
                          "such as client.example or [192.0.2.1], with no "
                          "spaces or control characters");
}

Result<ProbePlan> make_plan(const ProbeOptions& o) {
    ProbePlan plan;
    if (!o.starttls.empty()) {
        auto protocol = parse_starttls(o.starttls);
        if (!protocol.ok())
            return protocol.error();
        plan.starttls = *protocol;
    }
    auto endpoint = parse_endpoint(o.target, default_port(plan.starttls));
    if (!endpoint.ok())
        return endpoint.error();
    plan.endpoint = *endpoint;
    plan.greeting_name = plan.starttls == StartTls::smtp ? o.ehlo_name
                         : o.sni.empty() ? plan.endpoint.host
                                         : o.sni;
    if (auto invalid = check_ehlo_name(o.ehlo_name))
        return *invalid;

    if (!(o.timeout_seconds > 0) || !(o.verdict_wait_seconds >= 0))
        return make_error(ErrorCategory::usage,
                          "--timeout must be above 0 and --verdict-wait "
                          "at least 0 seconds");
    plan.timeout = to_milliseconds(o.timeout_seconds);
    plan.client.verdict_wait = to_milliseconds(o.verdict_wait_seconds);

    if (o.certificate_file.empty() != o.key_file.empty())
        return make_error(ErrorCategory::usage,
                          "--cert and --key go together: give both");
    plan.client.certificate_file = o.certificate_file;
    plan.client.key_file = o.key_file;

    auto name = client_name_of(o);
    if (!name.ok())
        return name.error();
    if (!o.no_clientid)
        plan.client.client_name = *name;

    plan.client.codepoint = default_clientid_codepoint;
    if (!o.codepoint.empty()) {
        auto codepoint = parse_clientid_codepoint(o.codepoint);
        if (!codepoint.ok())
            return codepoint.error();
        plan.client.codepoint = *codepoint;
    }
    plan.client.server_name = o.sni;

    if (o.dane_check_server) {
        if (Status planned = plan_dane_check(o, plan); !planned.ok())
            return planned.error();
    }
    return plan;
}

ProbeRun run_probe(const ProbePlan& plan, TlsClient& client) {
    ProbeRun run;
    run.plan = plan;
    const auto deadline = Clock::now() + plan.timeout;

    const auto start = Clock::now();
    auto fd = connect_tcp(plan.endpoint, deadline);
    run.connect_time = std::chrono::duration_cast<std::chrono::microseconds>(
        Clock::now() - start);
    if (!fd.ok()) {
        run.connect_error = fd.error();
        return run;
    }

    Status started = negotiate_starttls(*fd, plan.starttls,
                                        plan.greeting_name, deadline);
    if (!started.ok()) {
        run.connect_error = started.error();
        ::close(*fd);
        return run;
    }
    run.report = client.handshake(*fd, deadline);
    ::close(*fd);

    if (plan.server_tlsa_owner && !run.report.server_chain.empty())
        run.server_dane = check_server_dane(plan, run.report);
    return run;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (std::uint8_t b : bytes) {
        text.push_back(digits[b >> 4]);
        text.push_back(digits[b & 0x0F]);
    }
    return text;
}

bool server_supports_dance(const ClientReport& report) {
    return report.certificate_request &&
           report.certificate_request->clientid_present;
}

// Explains an alert from the server in DANCE terms.
std::string explain_alert(std::uint8_t alert) {
    switch (alert) {
    case 40:
        return "the server rejected the client's identity. For DANCE this "
               "covers a TLSA record that does not match, a DNSSEC answer "
               "that is not secure, a missing record, a name the server's "
               "policy does not allow, a ClientName missing from the "
               "certificate, or a missing extension when the server "
               "requires DANE; the server does not disclose which";
    case 50:
        return "the server could not decode a message; a server that "
               "requests the extension but does not implement it (such as "
               "openssl s_server with -serverinfo) sends this on a "
               "non-empty ClientName";
    case 110:
        return "the server received a dane_clientid extension it did not "
               "request";
    case 116:
        return "the server requires a client certificate and none was "
               "sent: give --cert and --key";
    case 42:
    case 43:
    case 45:
    case 46:
    case 48:
        return "the server rejected the client certificate itself "
               "(ordinary certificate validation, not DANE)";
    case 47:
        return "the server found an illegal parameter; a server that "
               "registered the extension for CertificateRequest only sends "
               "this when the client answers";
    }
    return "the server ended the handshake";
}

std::string outcome_code(const ProbeRun& run) {
    if (run.connect_error || run.report.outcome == ClientOutcome::failed)
        return "failed";
    if (run.report.outcome == ClientOutcome::rejected)
        return "rejected";
    return server_supports_dance(run.report) ? "accepted"
                                             : "accepted-without-dance";
}

bool server_dane_failed(const ProbeRun& run) {
    return run.server_dane &&
           (run.server_dane->error || !run.server_dane->verdict.authenticated);
}

int exit_code_of(const ProbeRun& run) {
    if (run.connect_error)
        return exit_code_for(run.connect_error->category);
    if (run.report.outcome != ClientOutcome::failed && server_dane_failed(run))
        return exit_negative;
    switch (run.report.outcome) {
    case ClientOutcome::failed:
        return exit_temporary;
    case ClientOutcome::rejected:
        return exit_negative;
    case ClientOutcome::accepted:
        break;
    }
    return server_supports_dance(run.report) ? exit_ok : exit_unsupported;
}

double milliseconds(std::chrono::microseconds time) {
    return static_cast<double>(time.count()) / 1000.0;
}

std::string accepted_detail(const ClientReport& report) {
    if (!report.application_data.empty())
        return "the server completed the handshake and sent application "
               "data";
    if (report.closed_by_server)
        return "the server completed the handshake and closed the "
               "connection cleanly";
    return "the server completed the handshake and sent no alert while the "
           "client waited";
}

nlohmann::json request_to_json(const CertificateRequestInfo& request) {
    nlohmann::json out;
    out["dane_clientid"] = request.clientid_present;
    out["dane_clientid_data"] =
        request.clientid_present ? nlohmann::json(hex(request.clientid_data))
                                 : nlohmann::json(nullptr);
    out["dane_clientid_problem"] =
        request.clientid_problem
            ? nlohmann::json(request.clientid_problem->detail)
            : nlohmann::json(nullptr);
    out["signature_algorithms"] = request.signature_algorithms;
    out["ca_names"] = request.ca_names;
    return out;
}

nlohmann::json server_dane_to_json(const ProbeRun& run) {
    const ServerDaneCheck& check = *run.server_dane;
    nlohmann::json out;
    out["owner"] = run.plan.server_tlsa_owner->to_string();
    if (check.error) {
        out["error"] = check.error->message;
        return out;
    }
    out["lookup"] = lookup_status_name(check.lookup.status);
    out["dnssec"] = dnssec_status_name(check.lookup.dnssec);
    out["authenticated"] = check.verdict.authenticated;
    out["reason"] = match_reason_code(check.verdict.reason);
    out["detail"] = check.verdict.detail;
    return out;
}

nlohmann::json run_to_json(const ProbeRun& run) {
    const ClientReport& report = run.report;
    nlohmann::json out;
    out["target"] = run.plan.endpoint.to_string();
    out["codepoint"] = run.plan.client.codepoint;
    out["outcome"] = outcome_code(run);
    out["connect_ms"] = milliseconds(run.connect_time);
    if (run.connect_error) {
        out["error"] = run.connect_error->message;
        return out;
    }
    out["handshake_ms"] = milliseconds(report.handshake_time);
    out["tls_version"] = report.tls_version;
    out["cipher"] = report.cipher;

    nlohmann::json chain = nlohmann::json::array();
    for (const auto& certificate : report.server_chain)
        chain.push_back({{"subject", certificate.subject},
                         {"issuer", certificate.issuer},
                         {"spki_sha256", certificate.spki_sha256}});
    out["server_chain"] = chain;

    out["certificate_request"] =
        report.certificate_request
            ? request_to_json(*report.certificate_request)
            : nlohmann::json(nullptr);
    out["server_supports_dance"] = server_supports_dance(report);
    out["client_certificate_sent"] = report.certificate_sent;
    out["dane_clientid_sent"] = report.clientid_sent;
    out["dane_clientid_sent_data"] =
        report.clientid_sent ? nlohmann::json(hex(report.clientid_sent_data))
                             : nlohmann::json(nullptr);

    if (report.alert_received) {
        out["alert"] = {{"code", *report.alert_received},
                        {"name", tls_alert_name(*report.alert_received)},
                        {"meaning", explain_alert(*report.alert_received)}};
    } else {
        out["alert"] = nullptr;
    }
    out["application_data"] = report.application_data;
    out["server_dane"] = run.server_dane ? server_dane_to_json(run)
                                         : nlohmann::json(nullptr);
    out["detail"] = report.outcome == ClientOutcome::accepted
                        ? accepted_detail(report)
                        : report.detail;
    return out;
}

void print_request(std::ostream& out, const ClientReport& report) {
    if (!report.certificate_request) {
        out << "certificate request: none (the server did not ask for a "
               "client certificate)\n";
        return;
    }
    const CertificateRequestInfo& request = *report.certificate_request;
    if (request.clientid_present)
        out << "certificate request: with dane_clientid, extension_data "
            << hex(request.clientid_data) << " (the server supports DANCE)\n";
    else
        out << "certificate request: without dane_clientid (the server "
               "does not support DANCE)\n";
    if (request.clientid_problem)
        out << "  problem: " << request.clientid_problem->detail << '\n';

    out << "  signature algorithms:";
    for (const std::string& algorithm : request.signature_algorithms)
        out << ' ' << algorithm;
    out << '\n';
    out << "  CA names:" << (request.ca_names.empty() ? " none" : "") << '\n';
    for (const std::string& ca : request.ca_names)
        out << "    " << ca << '\n';
}

void print_server_dane(std::ostream& out, const ProbeRun& run) {
    const ServerDaneCheck& check = *run.server_dane;
    out << "server DANE check at " << run.plan.server_tlsa_owner->to_string()
        << ": ";
    if (check.error) {
        out << "failed: " << check.error->message << '\n';
        return;
    }
    out << (check.verdict.authenticated ? "authenticated" : "not authenticated")
        << " (" << match_reason_code(check.verdict.reason) << ", "
        << lookup_status_name(check.lookup.status) << ", DNSSEC "
        << dnssec_status_name(check.lookup.dnssec) << "): "
        << check.verdict.detail << '\n';
}

void print_run(std::ostream& out, const ProbeRun& run) {
    const ClientReport& report = run.report;
    out << "target: " << run.plan.endpoint.to_string()
        << ", dane_clientid codepoint "
        << format_clientid_codepoint(run.plan.client.codepoint) << '\n';
    out << "connect: " << milliseconds(run.connect_time) << " ms\n";
    if (run.connect_error) {
        out << "outcome: failed: " << run.connect_error->message << '\n';
        return;
    }

    out << "handshake: " << milliseconds(report.handshake_time) << " ms";
    if (!report.tls_version.empty())
        out << ", " << report.tls_version << ", " << report.cipher;
    out << '\n';
    for (std::size_t i = 0; i < report.server_chain.size(); ++i)
        out << "server certificate " << i << ": "
            << report.server_chain[i].subject << "\n  spki sha256 "
            << report.server_chain[i].spki_sha256 << '\n';

    print_request(out, report);
    out << "client certificate sent: "
        << (report.certificate_sent ? "yes" : "no") << '\n';
    if (report.clientid_sent)
        out << "dane_clientid sent: extension_data "
            << hex(report.clientid_sent_data) << '\n';
    else
        out << "dane_clientid sent: no\n";
    if (!report.application_data.empty())
        out << "server data: " << report.application_data
            << (report.application_data.ends_with('\n') ? "" : "\n");

    if (run.server_dane)
        print_server_dane(out, run);

    const std::string outcome = outcome_code(run);
    if (report.alert_received)
        out << "outcome: rejected: alert " << tls_alert_name(
                                                  *report.alert_received)
            << " (" << int{*report.alert_received}
            << "): " << explain_alert(*report.alert_received) << '\n';
    else if (report.outcome == ClientOutcome::failed)
        out << "outcome: failed: " << report.detail << '\n';
    else
        out << "outcome: " << outcome << ": " << accepted_detail(report)
            << '\n';
}

int run_probe_command(const ProbeOptions& options) {
    auto plan = make_plan(options);
    if (!plan.ok()) {
        print_error(plan.error());
        return exit_code_for(plan.error().category);
    }
    auto client = TlsClient::create(plan->client);
    if (!client.ok()) {
        print_error(client.error());
        return exit_code_for(client.error().category);
    }

    std::signal(SIGPIPE, SIG_IGN);
    const ProbeRun run = run_probe(*plan, *client);
    if (options.json)
        std::cout << dump_json(run_to_json(run), 2) << '\n';
    else
        print_run(std::cout, run);
    return exit_code_of(run);
}

const char* probe_footer = R"(Outcome and exit code:
  0  accepted: the server requested dane_clientid and sent no alert
  1  rejected: the server sent a fatal alert (explained in the output)
  5  the server completed the handshake without requesting dane_clientid
  1  also when --dane-check-server finds the server not authenticated
  4  connection, STARTTLS or handshake failure or timeout
  2  usage error, 3 input error (unreadable certificate or key)
In TLS 1.3 the client finishes its handshake before the server has
checked the client's certificate, so dance probe waits --verdict-wait
seconds after the handshake for an alert, application data or a close.)";

} // namespace

Subcommand add_probe_command(CLI::App& parent) {
    auto options = std::make_shared<ProbeOptions>();
    CLI::App* app = parent.add_subcommand(
        "probe", "Run one TLS 1.3 handshake against a server and report "
                 "how it handles the dane_clientid extension");
    app->footer(probe_footer);

    app->add_option("target", options->target,
                    "Server as HOST[:PORT] or [IPV6]:PORT (port 443, or "
                    "the STARTTLS protocol's port)")
        ->required();
    app->add_option("--cert", options->certificate_file,
                    "Client certificate chain, PEM, leaf first");
    app->add_option("--key", options->key_file,
                    "Private key of the client certificate, PEM");
    app->add_option("--name", options->name,
                    "ClientName to send: the full TLSA owner name");
    app->add_option("--service", options->service,
                    "Service label of a ClientName _SERVICE.CLIENT");
    app->add_option("--client", options->client,
                    "Client domain of a ClientName _SERVICE.CLIENT, or "
                    "alone the freeform ClientName");
    app->add_option("--device", options->device,
                    "Device part of a ClientName DEVICE._device.ORG");
    app->add_option("--org", options->org,
                    "Organisation domain of DEVICE._device.ORG");
    app->add_option("--sni", options->sni,
                    "Server name to send in the server_name extension");
    app->add_option("--starttls", options->starttls,
                    "Switch to TLS with STARTTLS first: smtp, imap, pop3 "
                    "or xmpp");
    app->add_option("--ehlo", options->ehlo_name,
                    "Name sent in SMTP EHLO (default dance-probe.invalid)");
    app->add_option("--timeout", options->timeout_seconds,
                    "Limit in seconds for connecting, STARTTLS and the "
                    "handshake (default 10)");
    app->add_option("--verdict-wait", options->verdict_wait_seconds,
                    "Seconds to wait after the handshake for the server's "
                    "verdict (default 1)");
    app->add_option("--clientid-codepoint", options->codepoint,
                    "TLS extension type of dane_clientid, decimal or 0x "
                    "hex (default 0xff5a, private use until IANA assigns "
                    "one)");
    app->add_flag("--no-clientid", options->no_clientid,
                  "Never send dane_clientid, even when requested");
    app->add_flag("--json", options->json, "Write the report as JSON");
    app->add_flag("--dane-check-server", options->dane_check_server,
                  "Also check the server's chain against its own TLSA "
                  "records at _PORT._tcp.HOST (HOST from --sni or the "
                  "target)");
    app->add_option("--tlsa-port", options->tlsa_port,
                    "Port of the server's TLSA owner name (default: the "
                    "port connected to)");
    app->add_option("--resolver", options->resolvers,
                    "Validating resolver ADDR[:PORT] for --dane-check-server "
                    "(repeatable; default: /etc/resolv.conf)");
    app->add_option("--trust-anchor", options->trust_anchor,
                    "DS or DNSKEY records of the trust anchor (default "
                    "/usr/share/dns/root.key)");
    app->add_flag("--tcp", options->tcp, tcp_option_help);

    return {app, [options] { return run_probe_command(*options); }};
}

} // namespace dance::cli
