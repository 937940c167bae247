// dance serve: a reference DANCE server that authenticates TLS clients by
// their dane_clientid ClientName and DNSSEC-signed TLSA records.
#include "command.hpp"
#include "dance/clientid.hpp"
#include "dance/handshake.hpp"
#include "dance/name.hpp"
#include "dance/net.hpp"
#include "dance/serve.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "resolver_help.hpp"

#include <atomic>
#include <cmath>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

namespace dance::cli {

namespace {

struct ServeOptions {
    std::string listen = "127.0.0.1:8443";
    std::string certificate_file;
    std::string key_file;
    std::vector<std::string> allow;
    std::string on_failure = "abort";
    bool require_dane = false;
    bool echo = false;
    bool log_json = false;
    std::vector<std::string> resolvers;
    std::string trust_anchor;
    double timeout_seconds = 5;
    bool tcp = false;
    std::string codepoint;
    std::size_t max_connections = 256;
    std::size_t max_lookups = 16;
    double handshake_timeout_seconds = 10;
};

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) { stop_requested = true; }

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

std::chrono::milliseconds to_milliseconds(double seconds) {
    return std::chrono::milliseconds(std::llround(seconds * 1000));
}

Status check_numbers(const ServeOptions& o) {
    if (!(o.timeout_seconds > 0) || !(o.handshake_timeout_seconds > 0))
        return make_error(ErrorCategory::usage,
                          "--timeout and --handshake-timeout must be above "
                          "0 seconds");
    if (o.timeout_seconds >= o.handshake_timeout_seconds)
        return make_error(ErrorCategory::usage,
                          "--timeout (the DNS lookup limit) must be shorter "
                          "than --handshake-timeout, or slow lookups "
                          "outlive the handshake");
    if (o.max_connections == 0 || o.max_lookups == 0)
        return make_error(ErrorCategory::usage,
                          "--max-connections and --max-lookups must be at "
                          "least 1");
    return Ok{};
}

Result<ServeConfig> make_config(const ServeOptions& o) {
    if (Status checked = check_numbers(o); !checked.ok())
        return checked.error();

    ServeConfig config;
    auto listen = parse_endpoint(o.listen, 8443);
    if (!listen.ok())
        return listen.error();
    config.listen = *listen;

    config.tls.certificate_file = o.certificate_file;
    config.tls.key_file = o.key_file;
    config.tls.require_certificate = o.require_dane;
    if (!o.codepoint.empty()) {
        auto codepoint = parse_clientid_codepoint(o.codepoint);
        if (!codepoint.ok())
            return codepoint.error();
        config.tls.codepoint = *codepoint;
    }

    for (const std::string& text : o.allow) {
        auto suffix = Name::parse(text);
        if (!suffix.ok())
            return make_error(ErrorCategory::usage,
                              "invalid --allow '" + text +
                                  "': " + suffix.error().message);
        // A ClientName is never a wildcard, so a suffix starting with "*"
        // could match no client at all.
        if (suffix->is_wildcard())
            return make_error(ErrorCategory::usage,
                              "invalid --allow '" + text +
                                  "': a suffix is a plain domain such as "
                                  "example.com, without \"*\": it already "
                                  "covers every name below it");
        config.allowed_suffixes.push_back(*suffix);
    }

    if (o.on_failure == "unauthenticated")
        config.on_failure = FailurePolicy::unauthenticated;
    else if (o.on_failure != "abort")
        return make_error(ErrorCategory::usage,
                          "invalid --on-failure '" + o.on_failure +
                              "': choose abort or unauthenticated");

    config.require_dane = o.require_dane;
    config.echo = o.echo;
    config.log_json = o.log_json;
    config.max_connections = o.max_connections;
    config.handshake_timeout = to_milliseconds(o.handshake_timeout_seconds);
    return config;
}

TlsaAuthenticatorConfig make_authenticator_config(const ServeOptions& o) {
    TlsaAuthenticatorConfig config;
    config.resolver.upstreams = o.resolvers;
    config.resolver.trust_anchor_file = o.trust_anchor;
    config.resolver.timeout = to_milliseconds(o.timeout_seconds);
    config.resolver.tcp = o.tcp;
    config.max_lookups = o.max_lookups;
    return config;
}

int run_serve_command(const ServeOptions& options) {
    auto config = make_config(options);
    if (!config.ok()) {
        print_error(config.error());
        return exit_code_for(config.error().category);
    }
    auto authenticator =
        make_tlsa_authenticator(make_authenticator_config(options));
    if (!authenticator.ok()) {
        print_error(authenticator.error());
        return exit_code_for(authenticator.error().category);
    }

    install_signal_handlers();
    Status served = run_server(
        *config, *authenticator, stop_requested,
        [](const std::string& line) { std::cerr << line << std::endl; });
    if (!served.ok()) {
        print_error(served.error());
        return exit_code_for(served.error().category);
    }
    return exit_ok;
}

std::string serve_footer() {
    return "Each connection ends with one log line on standard error: "
           "peer, ClientName,\nverdict (authenticated, unauthenticated, "
           "rejected, failed), reason code,\nalert sent and timings. "
           "SIGINT or SIGTERM stops accepting and waits for\nconnections "
           "in progress.\nRaw public keys (RFC 7250) are not supported: "
           "they need OpenSSL 3.2 or later\nand this build uses " +
           tls_library_version() +
           ". Clients present a self-signed\ncertificate and publish a "
           "3 1 1 record, which matches the key alone.";
}

void add_resolver_options(CLI::App* app, ServeOptions& options) {
    app->add_option("--resolver", options.resolvers,
                    "Validating resolver ADDR[:PORT] or [ADDR6]:PORT to "
                    "query (repeatable; default: /etc/resolv.conf)");
    app->add_option("--trust-anchor", options.trust_anchor,
                    "DS or DNSKEY records of the trust anchor (default "
                    "/usr/share/dns/root.key)");
    app->add_option("--timeout", options.timeout_seconds,
                    "Limit in seconds for one TLSA lookup (default 5)");
    app->add_flag("--tcp", options.tcp, tcp_option_help);
}

} // namespace

Subcommand add_serve_command(CLI::App& parent) {
    auto options = std::make_shared<ServeOptions>();
    CLI::App* app = parent.add_subcommand(
        "serve", "Run a reference DANCE server that authenticates TLS "
                 "clients by dane_clientid and TLSA records");
    app->footer(serve_footer());

    app->add_option("--listen", options->listen,
                    "Numeric ADDR:PORT to listen on (default "
                    "127.0.0.1:8443)");
    app->add_option("--cert", options->certificate_file,
                    "Server certificate chain, PEM, leaf first")
        ->required();
    app->add_option("--key", options->key_file,
                    "Private key of the server certificate, PEM")
        ->required();
    app->add_option("--allow", options->allow,
                    "Accept only ClientNames equal to or under this suffix "
                    "(repeatable; checked before any DNS lookup)");
    app->add_option("--on-failure", options->on_failure,
                    "abort (handshake_failure) or unauthenticated (finish "
                    "the handshake without authentication) when DNSSEC, "
                    "matching or the allowlist fails (default abort)");
    app->add_flag("--require-dane", options->require_dane,
                  "Abort clients that send no dane_clientid extension or "
                  "no certificate");
    app->add_flag("--echo", options->echo,
                  "Send the verdict to the client as a line of "
                  "application data");
    app->add_flag("--log-json", options->log_json,
                  "Write log lines as JSON objects");
    add_resolver_options(app, *options);
    app->add_option("--clientid-codepoint", options->codepoint,
                    "TLS extension type of dane_clientid, decimal or 0x "
                    "hex (default 0xff5a, private use until IANA assigns "
                    "one)");
    app->add_option("--max-connections", options->max_connections,
                    "Connections handled at once; more wait in the listen "
                    "backlog (default 256)")
        ->check(CLI::Range(1LL, 2147483647LL));
    app->add_option("--max-lookups", options->max_lookups,
                    "TLSA lookups in flight at once (default 16)")
        ->check(CLI::Range(1LL, 2147483647LL));
    app->add_option("--handshake-timeout", options->handshake_timeout_seconds,
                    "Limit in seconds for one handshake, lookup included "
                    "(default 10)");

    return {app, [options] { return run_serve_command(*options); }};
}

} // namespace dance::cli
