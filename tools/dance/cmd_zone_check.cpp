// dance zone-check: checks TLSA records in zone files before they ship,
// alone and against the credentials they should publish.
#include "command.hpp"
#include "dance/input_file.hpp"
#include "dance/zone.hpp"
#include "dance/zone_check.hpp"
#include "dance/zone_report.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <charconv>
#include <ctime>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#ifndef DANCE_VERSION
#define DANCE_VERSION "unknown"
#endif

namespace dance::cli {

namespace {

constexpr const char* zone_check_footer = R"(Examples:
  Check a zone and its $INCLUDEs, failing the build on errors:
    dance zone-check zones/example.com.zone
  Stricter gate, with policy and suppressions from a file:
    dance zone-check --fail-on warning --config zone-policy.conf db.*
  Check that every device certificate is published, and warn 14 days
  before a certificate or a signature expires:
    dance zone-check --certs devices/ --map devices/owners.txt \
        --expiry-days 14 --signature-days 14 signed.zone
  Annotate a pull request, or feed code scanning:
    dance zone-check --format github zone.db
    dance zone-check --format sarif zone.db > zone.sarif
  Read standard input, with a fixed clock for reproducible output:
    dnssec-signzone -f - ... | dance zone-check --now 2026-12-01 -

Policy file (key = value, or the same keys in a JSON object):
  ttl-ceiling = 3600          # seconds
  expiry-days = 30            # certificates
  signature-days = 7          # RRSIGs
  owner-shapes = service,device,freeform   # add 'server' for _443._tcp
  suppress = digest-agility                # everywhere
  suppress = ttl-ceiling:legacy.example.com.@zones/legacy.zone

Each finding reads "FILE:LINE: SEVERITY: [CHECK-ID] message"; run
--list-checks for the IDs. Exit codes: 0 no finding at or above --fail-on,
1 findings at or above it, 2 usage error, 3 a zone file or credential that
cannot be read, or a record that does not parse (zone-syntax).)";

struct ZoneCheckCommandOptions {
    std::vector<std::string> files;
    std::string origin = ".";
    std::string format = "text";
    std::string fail_on = "error";
    std::string config;
    std::string now;
    std::string certs;
    std::string map;
    std::optional<std::uint32_t> ttl_ceiling;
    std::optional<unsigned> expiry_days;
    std::optional<unsigned> signature_days;
    std::string owner_shapes;
    std::vector<std::string> suppressions;
    bool list_checks = false;
};

// Unix seconds, or a UTC date "YYYY-MM-DD" with an optional "THH:MM:SSZ".
std::optional<std::int64_t> parse_time(const std::string& text) {
    if (!text.empty() &&
        text.find_first_not_of("0123456789") == std::string::npos) {
        std::int64_t seconds = 0;
        auto [end, status] =
            std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (status != std::errc())
            return std::nullopt;
        return seconds;
    }

    std::tm parts{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    if (end == nullptr || *end != '\0') {
        parts = std::tm{};
        end = strptime(text.c_str(), "%Y-%m-%d", &parts);
    }
    if (end == nullptr || *end != '\0')
        return std::nullopt;
    return static_cast<std::int64_t>(timegm(&parts));
}

Result<ZonePolicy> build_policy(const ZoneCheckCommandOptions& options) {
    ZonePolicy policy;
    if (!options.config.empty()) {
        Result<ZonePolicy> loaded = load_zone_policy(options.config);
        if (!loaded)
            return loaded.error();
        policy = std::move(*loaded);
    }
    if (options.ttl_ceiling)
        policy.ttl_ceiling = *options.ttl_ceiling;
    if (options.expiry_days)
        policy.expiry_days = *options.expiry_days;
    if (options.signature_days)
        policy.signature_days = *options.signature_days;
    if (!options.owner_shapes.empty()) {
        Result<ZonePolicy> shapes = parse_zone_policy(
            "owner-shapes = " + options.owner_shapes, "--owner-shapes");
        if (!shapes)
            return make_error(ErrorCategory::usage, shapes.error().message);
        policy.owner_shapes = shapes->owner_shapes;
    }
    for (const std::string& text : options.suppressions) {
        Result<Suppression> suppression = parse_suppression(text);
        if (!suppression)
            return make_error(ErrorCategory::usage,
                              "invalid --suppress: " +
                                  suppression.error().message);
        policy.suppressions.push_back(*suppression);
    }
    return policy;
}

void list_checks() {
    for (const CheckInfo& check : zone_checks()) {
        std::cout << check.id << " (" << severity_name(check.severity)
                  << "): " << check.summary << "\n";
    }
}

Status read_input(const std::string& file, const ZoneReadOptions& options,
                  ZoneChecker& checker) {
    if (file != "-") {
        checker.add_file(file);
        return read_zone_file(file, options, checker);
    }
    // Far above any real zone of TLSA records; it stops an endless stream.
    constexpr std::size_t max_stdin_zone_size = 256 * 1024 * 1024;
    auto text = read_input_file(file, "zone", max_stdin_zone_size);
    if (!text)
        return text.error();
    checker.add_file("<stdin>");
    return read_zone_text(*text, "<stdin>", options, checker);
}

void print_summary(const ZoneChecker& checker,
                   const std::vector<Diagnostic>& diagnostics,
                   std::size_t files) {
    std::size_t counts[3] = {0, 0, 0};
    for (const Diagnostic& diagnostic : diagnostics)
        ++counts[static_cast<int>(diagnostic.severity)];
    const ZoneCheckStats& stats = checker.stats();
    std::cerr << "dance: zone-check: " << stats.records << " records, "
              << stats.tlsa_records << " TLSA, in " << files
              << (files == 1 ? " file" : " files") << ": " << counts[2]
              << " errors, " << counts[1] << " warnings, " << counts[0]
              << " notices\n";
}

int run_zone_check(const ZoneCheckCommandOptions& options) {
    if (options.list_checks) {
        list_checks();
        return exit_ok;
    }
    if (options.files.empty()) {
        print_error("no zone file given: name one or more files, or '-' "
                    "for standard input");
        return exit_usage;
    }

    Result<ZonePolicy> policy = build_policy(options);
    if (!policy) {
        print_error(policy.error());
        return exit_code_for(policy.error().category);
    }
    std::optional<std::int64_t> now =
        options.now.empty() ? std::optional<std::int64_t>(std::time(nullptr))
                            : parse_time(options.now);
    if (!now) {
        print_error("invalid --now '" + options.now +
                    "': use Unix seconds or a UTC date such as 2026-12-01 "
                    "or 2026-12-01T12:00:00Z");
        return exit_usage;
    }

    std::optional<CredentialSet> credentials;
    if (!options.certs.empty()) {
        Result<CredentialSet> loaded =
            load_credential_set(options.certs, options.map);
        if (!loaded) {
            print_error(loaded.error());
            return exit_code_for(loaded.error().category);
        }
        credentials = std::move(*loaded);
    } else if (!options.map.empty()) {
        print_error("--map needs --certs DIR: give the credential directory");
        return exit_usage;
    }

    ZoneChecker checker(
        ZoneCheckOptions{*policy, *now, credentials ? &*credentials : nullptr});
    ZoneReadOptions read_options;
    read_options.origin = options.origin;
    for (const std::string& file : options.files) {
        Status read = read_input(file, read_options, checker);
        if (!read) {
            print_error(read.error());
            return exit_code_for(read.error().category);
        }
    }

    std::vector<Diagnostic> diagnostics = checker.finish();
    ReportFormat format = *parse_report_format(options.format);
    Severity threshold = *parse_severity(options.fail_on);
    ReportContext context{DANCE_VERSION, options.files, checker.stats().records,
                          checker.stats().tlsa_records, threshold};
    std::cout << render_report(diagnostics, format, context) << std::flush;
    if (format == ReportFormat::text)
        print_summary(checker, diagnostics, options.files.size());

    if (checker.stats().syntax_errors > 0)
        return exit_input;
    for (const Diagnostic& diagnostic : diagnostics) {
        if (diagnostic.severity >= threshold)
            return exit_negative;
    }
    return exit_ok;
}

} // namespace

Subcommand add_zone_check_command(CLI::App& parent) {
    auto options = std::make_shared<ZoneCheckCommandOptions>();
    CLI::App* app = parent.add_subcommand(
        "zone-check",
        "Check TLSA records in zone files before they are published: RDATA, "
        "owner names, duplicates, digest agility, TTLs, DNSSEC signatures "
        "and, with --certs, the credentials they should match.");
    app->footer(zone_check_footer);

    app->add_option("files", options->files,
                    "Zone files in RFC 1035 master format ('-' for "
                    "standard input); $INCLUDE paths are relative to the "
                    "including file")
        ->type_name("FILE");
    app->add_option("--origin", options->origin,
                    "Origin before any $ORIGIN line (default: the root)")
        ->type_name("NAME");
    app->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"text", "json", "sarif", "junit", "github"}))
        ->type_name("FORMAT");
    app->add_option("--fail-on", options->fail_on,
                    "Lowest severity that makes the exit code 1 "
                    "(default: error)")
        ->check(CLI::IsMember({"error", "warning", "notice"}))
        ->type_name("SEVERITY");
    app->add_option("--config", options->config,
                    "Policy file: key = value lines or JSON (see below)")
        ->type_name("FILE");
    app->add_option("--ttl-ceiling", options->ttl_ceiling,
                    "Highest TLSA TTL accepted, in seconds (default 3600)")
        ->type_name("SECONDS");
    app->add_option("--expiry-days", options->expiry_days,
                    "Warn about certificates expiring within this many days "
                    "(default 30)")
        ->type_name("DAYS");
    app->add_option("--signature-days", options->signature_days,
                    "Warn about RRSIGs expiring within this many days "
                    "(default 7)")
        ->type_name("DAYS");
    app->add_option("--owner-shapes", options->owner_shapes,
                    "Allowed owner-name forms, comma-separated: service, "
                    "device, freeform, server (default: the first three)")
        ->type_name("LIST");
    app->add_option("--suppress", options->suppressions,
                    "Drop findings of a check, optionally only for one "
                    "owner name and/or file; repeatable")
        ->allow_extra_args(false)
        ->type_name("CHECK[:OWNER][@FILE]");
    app->add_option("--certs", options->certs,
                    "Directory of certificates or public keys to check "
                    "against the zone; keys in its next/ folder are the "
                    "next keys of a rollover")
        ->type_name("DIR");
    app->add_option("--map", options->map,
                    "Lines 'FILE OWNER [next]' naming each credential's "
                    "owner name (default: the certificate's dNSNames)")
        ->type_name("FILE");
    app->add_option("--now", options->now,
                    "Time at which lifetimes are judged: Unix seconds or a "
                    "UTC date (default: the current time)")
        ->type_name("TIME");
    app->add_flag("--list-checks", options->list_checks,
                  "List every check ID with its usual severity and exit");

    return {app, [options] { return run_zone_check(*options); }};
}

} // namespace dance::cli
