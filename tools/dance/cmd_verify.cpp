// dance verify: authenticate a client certificate or key and its name
// against live DNSSEC data, as a DANCE server would, or offline against
// records given on the command line.
//
// The handler checks the options, builds the presented credential and the
// resolver, calls the library's verify engine and renders its report. The
// batch mode lives in verify_batch.cpp.
#include "command.hpp"
#include "dance/credential.hpp"
#include "dance/message_text.hpp"
#include "dance/owner.hpp"
#include "dance/verify.hpp"
#include "dance/zone.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "resolver_help.hpp"
#include "verify_options.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dance::cli {

namespace {

const char* help_footer = R"(The client name:
  --name is the ClientName a client sends in its dane_clientid extension,
  which is also the TLSA owner name looked up, as is. --service/--client
  and --device/--org build it as 'dance owner' does.

Offline mode:
  --tlsa "3 1 1 <hex>" (repeatable) or --tlsa-file FILE (zone-file lines;
  every TLSA record in the file counts, whatever its owner) verifies
  without DNS. The records count as a secure answer only with
  --assume-secure; otherwise they are judged but never authenticate.

Reason codes (the verdict line and "reason" in --json):
  secure-match              a usable record in a secure answer matched
  no-match                  usable records, none matched
  weaker-digest-only        only a record set aside by digest agility
                            (RFC 7671 section 9) matched
  no-usable-records         every record is unusable (unknown parameter,
                            malformed data, PKIX usage without --ca-file)
  name-not-in-certificate   a DANE-TA or PKIX record matched, but the
                            name is not a dNSName of the leaf
  chain-invalid             a trust anchor matched, but the chain to it
                            does not validate at the current time
  invalid-credential        the certificate or key cannot be used
  invalid-client-name       the ClientName is a wildcard, which names no
                            single client
  insecure, bogus, indeterminate   DNSSEC status of the answer or denial
  nxdomain, nodata          proven absence of the name or its TLSA records
  timeout, lookup-failed    the lookup did not complete

Batch mode (--batch FILE, '-' for standard input): one client per line,
  JSON ({"name": ..., "cert": ...}; or "chain", "pubkey", "key") or CSV
  "name,path" (the credential kind is detected). Relative paths are
  relative to the batch file's folder; blank lines and lines starting with
  '#' are skipped, and a file without a client line is an input error.
  Output is JSON Lines in input order, each object with the input "line"
  number. At most --max-in-flight lookups run at once.

Examples:
  dance verify --name _smtp-client.device1.example.com --cert device.pem
  dance verify --device sensor7 --org example.com --chain sensor-chain.pem
  dance verify --name device1.example.com --pubkey device.spki.pem \
      --resolver 127.0.0.1:5353 --trust-anchor root.ds --json
  dance verify --name device1.example.com --key device.key \
      --tlsa "3 1 1 d2abde24...e971" --assume-secure

Exit codes: 0 authenticated, 1 not authenticated, 2 usage error, 3 input
error, 4 the lookup did not complete (reason timeout or lookup-failed),
70 internal error. A batch exits with the most severe code of its lines:
70, then 3, 4, 1 and 0.)";

void define_name_options(CLI::App& app, VerifyOptions& options) {
    app.add_option("--name", options.name,
                   "ClientName: the TLSA owner name to look up, as the "
                   "client sends it")
        ->type_name("NAME");
    app.add_option("--service", options.service,
                   "Service label of a _<service>.<client> name, such as "
                   "smtp-client (with --client)")
        ->type_name("SERVICE");
    app.add_option("--client", options.client,
                   "Client domain name of a _<service>.<client> name")
        ->type_name("NAME");
    app.add_option("--device", options.device,
                   "Device name of a <device>._device.<org> name (with "
                   "--org)")
        ->type_name("NAME");
    app.add_option("--org", options.org,
                   "Organisation domain of a <device>._device.<org> name")
        ->type_name("NAME");
}

void define_credential_options(CLI::App& app, VerifyOptions& options) {
    app.add_option("--cert", options.cert,
                   "Client certificate, or bundle leaf first, PEM or DER")
        ->type_name("FILE");
    app.add_option("--chain", options.chain,
                   "Presented chain, leaf first; with --cert, the issuers "
                   "sent after it")
        ->type_name("FILE");
    app.add_option("--pubkey", options.pubkey,
                   "Raw public key (RFC 7250), SubjectPublicKeyInfo PEM or "
                   "DER")
        ->type_name("FILE");
    app.add_option("--key", options.key,
                   "Private key; its public key is presented as a raw "
                   "public key")
        ->type_name("FILE");
    app.add_option("--ca-file", options.ca_file,
                   "CA certificates trusted for PKIX-TA (0) and PKIX-EE (1) "
                   "records; without it those records are unusable")
        ->type_name("FILE");
}

void define_dns_options(CLI::App& app, VerifyOptions& options) {
    app.add_option("--resolver", options.resolvers,
                   "Validating resolver to query, ADDR[:PORT] or "
                   "[ADDR6]:PORT; repeatable (default: /etc/resolv.conf)")
        ->type_name("ADDR[:PORT]");
    app.add_option("--trust-anchor", options.trust_anchor,
                   "DS or DNSKEY records of the DNSSEC trust anchor "
                   "(default: /usr/share/dns/root.key)")
        ->type_name("FILE");
    app.add_option("--timeout", options.timeout_seconds,
                   "Limit for one lookup, validation included, in seconds "
                   "(default 5)")
        ->type_name("SECONDS");
    app.add_flag("--tcp", options.tcp, tcp_option_help);
}

void define_mode_options(CLI::App& app, VerifyOptions& options) {
    app.add_option("--tlsa", options.tlsa,
                   "Offline: a TLSA RDATA such as \"3 1 1 <hex>\" instead "
                   "of a lookup; repeatable")
        ->type_name("RDATA");
    app.add_option("--tlsa-file", options.tlsa_file,
                   "Offline: zone-file lines with TLSA records")
        ->type_name("FILE");
    app.add_flag("--assume-secure", options.assume_secure,
                 "Offline: treat the given records as a DNSSEC-secure "
                 "answer");
    app.add_flag("--no-digest-agility", options.no_digest_agility,
                 "Count records with weaker digests too (RFC 7671 section "
                 "9 off); for diagnostics");
    app.add_flag("--json", options.json,
                 "Write the report as one JSON object (--batch always "
                 "writes JSON Lines)");
    app.add_option("--batch", options.batch,
                   "Verify many clients: JSON Lines or CSV name,path lines; "
                   "'-' reads standard input")
        ->type_name("FILE");
    app.add_option("--max-in-flight", options.max_in_flight,
                   "Batch: lookups outstanding at once (default 32)")
        ->type_name("N")
        ->check(CLI::Range(1, 1024));
    app.add_option("--threads", options.threads,
                   "Batch: threads, each with its own resolver (default: "
                   "the number of CPU cores, at most 8); never more than "
                   "--max-in-flight")
        ->type_name("N")
        ->check(CLI::Range(1, 64));
}

// ---- Checking the options -------------------------------------------------

bool offline_mode(const VerifyOptions& options) {
    return !options.tlsa.empty() || !options.tlsa_file.empty();
}

Status check_mode_options(const VerifyOptions& options) {
    bool dns_option = !options.resolvers.empty() ||
                      !options.trust_anchor.empty() || options.tcp ||
                      options.has_option("--timeout");
    if (offline_mode(options) && dns_option)
        return make_error(ErrorCategory::usage,
                          "--resolver, --trust-anchor, --timeout and --tcp "
                          "apply to DNS lookups, but --tlsa and --tlsa-file "
                          "verify offline: drop one or the other");
    if (options.assume_secure && !offline_mode(options))
        return make_error(ErrorCategory::usage,
                          "--assume-secure applies only to records given "
                          "with --tlsa or --tlsa-file");
    if (!options.batch.empty() && offline_mode(options))
        return make_error(ErrorCategory::usage,
                          "--batch looks up every name in DNS and cannot be "
                          "combined with --tlsa or --tlsa-file");
    if ((options.has_option("--max-in-flight") ||
         options.has_option("--threads")) &&
        options.batch.empty())
        return make_error(ErrorCategory::usage,
                          "--max-in-flight and --threads apply only to "
                          "--batch");
    if (options.has_option("--timeout") &&
        !(options.timeout_seconds > 0 && options.timeout_seconds <= 3600))
        return make_error(ErrorCategory::usage,
                          "invalid --timeout " +
                              std::to_string(options.timeout_seconds) +
                              ": give seconds between 0 and 3600, such as "
                              "2 or 0.5");
    return Ok{};
}

Result<Name> with_category(Result<Name> result, ErrorCategory category) {
    if (!result)
        return make_error(category, result.error().message);
    return result;
}

Result<Name> parse_name_option(const std::string& option,
                               const std::string& text) {
    auto name = Name::parse(text);
    if (!name)
        return make_error(ErrorCategory::usage,
                          "invalid " + option + ": " + name.error().message);
    return name;
}

// The ClientName from --name, --service/--client or --device/--org.
Result<Name> client_name_from(const VerifyOptions& options) {
    bool service_form = !options.service.empty() || !options.client.empty();
    bool device_form = !options.device.empty() || !options.org.empty();
    int forms = !options.name.empty() + service_form + device_form;
    if (forms == 0)
        return make_error(ErrorCategory::usage,
                          "no client name given: pass --name, --service with "
                          "--client, or --device with --org");
    if (forms > 1)
        return make_error(ErrorCategory::usage,
                          "give the client name one way: --name, "
                          "--service/--client or --device/--org");

    if (!options.name.empty())
        return parse_name_option("--name", options.name);

    if (service_form) {
        if (options.service.empty() || options.client.empty())
            return make_error(ErrorCategory::usage,
                              "--service and --client go together");
        auto client = parse_name_option("--client", options.client);
        if (!client)
            return client.error();
        return with_category(service_owner(options.service, *client),
                             ErrorCategory::usage);
    }

    if (options.device.empty() || options.org.empty())
        return make_error(ErrorCategory::usage,
                          "--device and --org go together");
    auto device = parse_name_option("--device", options.device);
    auto org = parse_name_option("--org", options.org);
    if (!device)
        return device.error();
    if (!org)
        return org.error();
    return with_category(device_owner(*device, *org), ErrorCategory::usage);
}

// ---- Credentials and records ----------------------------------------------

// The options that take each kind of client credential, named in the
// error when a file contains another kind than its option expects.
KindOptions credential_options() {
    return {"--cert or --chain", "--pubkey", "--key"};
}

// Loads the certificates of `path`. `kinds` names the options to suggest
// when the file contains a key instead.
Result<std::vector<DerBytes>> load_certificates(const std::string& path,
                                                const KindOptions& kinds) {
    LoadOptions load;
    load.expected = ExpectedKind::certificates;
    load.kind_options = kinds;
    auto credential = load_credential(path, load);
    if (!credential)
        return credential.error();

    std::vector<DerBytes> chain;
    for (const CertificateInfo& certificate : credential->certificates)
        chain.push_back(certificate.der);
    return chain;
}

Result<DerBytes> load_public_key(const std::string& path,
                                 ExpectedKind expected) {
    LoadOptions load;
    load.expected = expected;
    load.kind_options = credential_options();
    auto credential = load_credential(path, load);
    if (!credential)
        return credential.error();
    return credential->spki_der;
}

// The certificates of --cert followed by those of --chain, with the leaf
// left out of --chain when it repeats the --cert leaf.
Result<PresentedCredential> load_chain(const VerifyOptions& options) {
    PresentedCredential presented;
    for (const std::string* path : {&options.cert, &options.chain}) {
        if (path->empty())
            continue;
        auto certificates = load_certificates(*path, credential_options());
        if (!certificates)
            return certificates.error();
        for (DerBytes& der : *certificates) {
            if (!presented.chain.empty() && der == presented.chain.front())
                continue;
            presented.chain.push_back(std::move(der));
        }
    }
    return presented;
}

Result<PresentedCredential> load_presented(const VerifyOptions& options) {
    bool certificate = !options.cert.empty() || !options.chain.empty();
    int forms = certificate + !options.pubkey.empty() + !options.key.empty();
    if (forms == 0)
        return make_error(ErrorCategory::usage,
                          "no credential given: pass --cert or --chain for a "
                          "certificate, --pubkey or --key for a raw public "
                          "key");
    if (forms > 1)
        return make_error(ErrorCategory::usage,
                          "give one credential: --cert/--chain (a "
                          "certificate chain), --pubkey or --key (a raw "
                          "public key)");

    if (certificate)
        return load_chain(options);

    PresentedCredential presented;
    auto key = options.pubkey.empty()
                   ? load_public_key(options.key, ExpectedKind::private_key)
                   : load_public_key(options.pubkey, ExpectedKind::public_key);
    if (!key)
        return key.error();
    presented.raw_public_key = std::move(*key);
    return presented;
}

// Collects the TLSA records of a zone file, whatever their owner.
class TlsaCollector : public ZoneVisitor {
public:
    void on_record(const ZoneRecord& record) override {
        if (record.type != rr_type_tlsa)
            return;
        if (record.rdata.size() < 3) {
            error_at(record.line, "TLSA RDATA shorter than 3 octets");
            return;
        }
        TlsaRecord tlsa{record.rdata[0],
                        record.rdata[1],
                        record.rdata[2],
                        {record.rdata.begin() + 3, record.rdata.end()}};
        records.push_back(std::move(tlsa));
    }

    void on_syntax_error(const ZoneSyntaxError& error) override {
        error_at(error.line, error.message);
    }

    std::vector<TlsaRecord> records;
    std::string first_error;

private:
    void error_at(std::uint64_t line, const std::string& message) {
        if (first_error.empty())
            first_error = "line " + std::to_string(line) + ": " + message;
    }
};

Result<std::vector<TlsaRecord>> read_tlsa_file(const std::string& path,
                                               const Name& client_name) {
    ZoneReadOptions read_options;
    read_options.origin = client_name.to_string();
    TlsaCollector collector;
    Status read = read_zone_file(path, read_options, collector);
    if (!read)
        return read.error();
    if (!collector.first_error.empty())
        return make_error(ErrorCategory::input, "invalid --tlsa-file " + path +
                                                    ": " +
                                                    collector.first_error);
    if (collector.records.empty())
        return make_error(ErrorCategory::input,
                          "--tlsa-file " + path +
                              " contains no TLSA record: write zone-file "
                              "lines such as '<owner>. IN TLSA 3 1 1 <hex>'");
    return collector.records;
}

Result<std::vector<TlsaRecord>> offline_records(const VerifyOptions& options,
                                                const Name& client_name) {
    std::vector<TlsaRecord> records;
    for (const std::string& text : options.tlsa) {
        auto record = parse_tlsa_rdata(text);
        if (!record)
            return make_error(ErrorCategory::usage,
                              "invalid --tlsa: " + record.error().message);
        records.push_back(std::move(*record));
    }
    if (!options.tlsa_file.empty()) {
        auto from_file = read_tlsa_file(options.tlsa_file, client_name);
        if (!from_file)
            return from_file.error();
        records.insert(records.end(), from_file->begin(), from_file->end());
    }
    return records;
}

Result<MatchOptions> match_options(const VerifyOptions& options) {
    MatchOptions match;
    match.now = static_cast<std::int64_t>(std::time(nullptr));
    match.digest_agility = !options.no_digest_agility;
    if (!options.ca_file.empty()) {
        // A key given as a CA file is no client credential, so the error
        // suggests no other option.
        auto anchors = load_certificates(options.ca_file, {});
        if (!anchors)
            return anchors.error();
        match.pkix_trust_anchors = std::move(*anchors);
    }
    return match;
}

// ---- Running --------------------------------------------------------------

int write_report(const VerifyReport& report, bool json) {
    if (json)
        std::cout << dump_json(verify_report_to_json(report)) << '\n';
    else
        std::cout << verify_report_to_text(report);
    std::cout << std::flush;
    return exit_code_for_report(report);
}

int fail(const Error& error) {
    print_error(error);
    return exit_code_for(error.category);
}

int run_single(const VerifyOptions& options) {
    auto client_name = client_name_from(options);
    if (!client_name)
        return fail(client_name.error());
    auto presented = load_presented(options);
    if (!presented)
        return fail(presented.error());
    auto match = match_options(options);
    if (!match)
        return fail(match.error());

    if (offline_mode(options)) {
        auto records = offline_records(options, *client_name);
        if (!records)
            return fail(records.error());
        return write_report(verify_offline(*client_name, std::move(*records),
                                           options.assume_secure, *presented,
                                           *match),
                            options.json);
    }

    auto resolver = make_resolver(options);
    if (!resolver)
        return fail(resolver.error());
    auto report = verify_client(*resolver, *client_name, *presented, *match);
    if (!report)
        return fail(report.error());
    return write_report(*report, options.json);
}

Status check_batch_options(const VerifyOptions& options) {
    bool single_input = !options.name.empty() || !options.service.empty() ||
                        !options.client.empty() || !options.device.empty() ||
                        !options.org.empty() || !options.cert.empty() ||
                        !options.chain.empty() || !options.pubkey.empty() ||
                        !options.key.empty();
    if (single_input)
        return make_error(ErrorCategory::usage,
                          "--batch takes names and credentials from its "
                          "file: drop --name, --cert and the other "
                          "single-client options");
    return Ok{};
}

int run(const VerifyOptions& options) {
    Status mode = check_mode_options(options);
    if (!mode)
        return fail(mode.error());
    if (options.batch.empty())
        return run_single(options);

    Status batch = check_batch_options(options);
    if (!batch)
        return fail(batch.error());
    auto match = match_options(options);
    if (!match)
        return fail(match.error());
    return run_batch(options, *match);
}

} // namespace

int exit_code_for_report(const VerifyReport& report) {
    if (report.verdict.authenticated)
        return exit_ok;
    switch (report.verdict.reason) {
    case MatchReason::timeout:
    case MatchReason::lookup_failed:
        return exit_temporary;
    default:
        return exit_negative;
    }
}

ResolverConfig resolver_config(const VerifyOptions& options) {
    ResolverConfig config;
    config.upstreams = options.resolvers;
    config.trust_anchor_file = options.trust_anchor;
    config.tcp = options.tcp;
    if (options.has_option("--timeout"))
        config.timeout = std::chrono::milliseconds(
            std::llround(options.timeout_seconds * 1000));
    return config;
}

Result<Resolver> make_resolver(const VerifyOptions& options) {
    return Resolver::create(resolver_config(options));
}

Subcommand add_verify_command(CLI::App& parent) {
    auto options = std::make_shared<VerifyOptions>();
    CLI::App* app = parent.add_subcommand(
        "verify", "Authenticate a client certificate or key and its name "
                  "against DNSSEC-signed TLSA records");
    options->app = app;
    app->footer(help_footer);

    define_name_options(*app, *options);
    define_credential_options(*app, *options);
    define_dns_options(*app, *options);
    define_mode_options(*app, *options);

    return {app, [options] { return run(*options); }};
}

} // namespace dance::cli
