// dance owner: the TLSA owner name for a client identity or a server, and
// the ClientName a client sends in dane_clientid.
#include "command.hpp"
#include "dance/clientid.hpp"
#include "dance/hex.hpp"
#include "dance/message_text.hpp"
#include "dance/name.hpp"
#include "dance/owner.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dance::cli {

namespace {

struct OwnerOptions {
    std::string service, client; // _service.client, or client alone
    std::string device, org;     // device._device.org
    std::string port, proto, host;
    bool json = false;
    bool quiet = false;
};

enum class OwnerForm { service, device, freeform, server };

const char* form_name(OwnerForm form) {
    switch (form) {
    case OwnerForm::service:
        return "service";
    case OwnerForm::device:
        return "device";
    case OwnerForm::freeform:
        return "freeform";
    case OwnerForm::server:
        return "server";
    }
    return "service";
}

struct OwnerResult {
    OwnerForm form = OwnerForm::service;
    Name owner;
    std::vector<std::string> warnings;
};

Error usage_error(const std::string& message) {
    return make_error(ErrorCategory::usage, message);
}

// Selects the form from the options. Exactly one of --service, --device,
// --port, or --client on its own selects it, and each needs its partners.
Result<OwnerForm> select_form(const OwnerOptions& o) {
    const int forms = !o.service.empty() + !o.device.empty() + !o.port.empty();
    if (forms > 1)
        return usage_error("give only one of --service, --device and --port: "
                           "each selects a different owner-name form");
    if (!o.service.empty() && o.client.empty())
        return usage_error("--service needs --client NAME: the owner name is "
                           "_SERVICE.CLIENT");
    if (!o.device.empty() && o.org.empty())
        return usage_error("--device needs --org NAME: the owner name is "
                           "DEVICE._device.ORG");
    if (o.device.empty() && !o.org.empty())
        return usage_error("--org goes with --device DEVICE");
    if (!o.device.empty() && !o.client.empty())
        return usage_error("--client does not go with --device: use --org "
                           "for the organization's domain");
    if (!o.port.empty() && o.host.empty())
        return usage_error("--port needs --host NAME: the owner name is "
                           "_PORT._PROTO.HOST");
    if (o.port.empty() && (!o.host.empty() || !o.proto.empty()))
        return usage_error("--host and --proto go with --port PORT");
    if (!o.port.empty() && !o.client.empty())
        return usage_error("--client does not go with --port: use --host "
                           "for the server's name");

    if (!o.service.empty())
        return OwnerForm::service;
    if (!o.device.empty())
        return OwnerForm::device;
    if (!o.port.empty())
        return OwnerForm::server;
    if (!o.client.empty())
        return OwnerForm::freeform;
    return usage_error("no owner-name form given: use --service with "
                       "--client, --device with --org, --client alone, or "
                       "--port with --host (see 'dance owner --help')");
}

Result<Name> parse_name_option(const char* option, const std::string& text) {
    auto name = Name::parse(text);
    if (!name)
        return usage_error(std::string(option) + ": " + name.error().message);
    return name;
}

Result<std::uint16_t> parse_port(const std::string& text) {
    const bool digits =
        !text.empty() && text.size() <= 5 &&
        text.find_first_not_of("0123456789") == std::string::npos;
    const unsigned long port = digits ? std::stoul(text) : 0;
    if (port < 1 || port > 65535)
        return usage_error("invalid --port " + quote_for_message(text) +
                           ": use a port number from 1 to 65535");
    return static_cast<std::uint16_t>(port);
}

// Runs the owner-name function of the form on the parsed names.
Result<Name> build_owner(OwnerForm form, const OwnerOptions& o) {
    if (form == OwnerForm::device) {
        auto device = parse_name_option("--device", o.device);
        if (!device)
            return device.error();
        auto org = parse_name_option("--org", o.org);
        if (!org)
            return org.error();
        return device_owner(*device, *org);
    }
    if (form == OwnerForm::server) {
        auto port = parse_port(o.port);
        if (!port)
            return port.error();
        auto host = parse_name_option("--host", o.host);
        if (!host)
            return host.error();
        return server_owner(*port, o.proto.empty() ? "tcp" : o.proto, *host);
    }

    auto client = parse_name_option("--client", o.client);
    if (!client)
        return client.error();
    if (form == OwnerForm::service)
        return service_owner(o.service, *client);
    return freeform_owner(*client);
}

Result<OwnerResult> make_owner(const OwnerOptions& o) {
    auto form = select_form(o);
    if (!form)
        return form.error();
    auto owner = build_owner(*form, o);
    if (!owner)
        return usage_error(owner.error().message);

    OwnerResult result{*form, std::move(*owner), {}};
    if (*form == OwnerForm::service) {
        if (auto warning = service_name_warning(o.service))
            result.warnings.push_back(*warning);
    }
    return result;
}

// Why the owner name is not a ClientName, or std::nullopt when a client
// sends it as it is.
std::optional<std::string> no_clientid_reason(const OwnerResult& result) {
    if (result.form == OwnerForm::server)
        return "server owner names are not sent in dane_clientid";
    if (result.owner.is_wildcard())
        return "a wildcard owner name covers many clients, and each sends "
               "its own name";
    return std::nullopt;
}

nlohmann::json to_json(const OwnerResult& result) {
    nlohmann::json json = {
        {"form", form_name(result.form)},
        {"owner", result.owner.to_string()},
        {"clientid", nullptr},
        {"extension_data", nullptr},
        {"warnings", result.warnings},
    };
    if (auto reason = no_clientid_reason(result)) {
        json["clientid_note"] = *reason;
        return json;
    }

    const std::string client_name = result.owner.to_text();
    json["clientid"] = client_name;
    // Every valid non-root name fits a ClientName, so a failure is a bug.
    auto extension = encode_client_extension(client_name);
    if (!extension)
        throw std::logic_error(extension.error().message);
    json["extension_data"] = to_hex(*extension);
    return json;
}

void print_text(const OwnerResult& result, bool quiet) {
    std::cout << (quiet ? "" : "owner: ") << result.owner.to_string() << '\n';
    if (quiet)
        return;
    if (auto reason = no_clientid_reason(result))
        std::cout << "clientid: none (" << *reason << ")\n";
    else
        std::cout << "clientid: " << result.owner.to_text() << '\n';
}

int run_owner_command(const OwnerOptions& options) {
    auto result = make_owner(options);
    if (!result) {
        print_error(result.error());
        return exit_code_for(result.error().category);
    }
    for (const std::string& warning : result->warnings)
        print_warning(warning);

    if (options.json)
        std::cout << dump_json(to_json(*result), 2) << '\n';
    else
        print_text(*result, options.quiet);
    return exit_ok;
}

const char* owner_footer = R"(Owner-name forms:
  --service S --client C    _S.C        one record set per service (format 1)
  --device D --org O        D._device.O device identities (format 2)
  --client C                C           no underscores, fits a certificate
                                        dNSName from a public CA (format 3)
  --port P [--proto tcp] --host H
                            _P._tcp.H   a server's TLSA name (RFC 6698)
Output: "owner:" with the trailing dot, as a zone file writes it, and
"clientid:", the ClientName a client sends in dane_clientid (no trailing
dot). Unicode labels become A-labels, and names are lowercased.

Examples:
  dance owner --service smtp-client --client device1.example.com
  dance owner --device sensor7 --org example.com
  dance owner --device '*' --org example.com -q
  dance owner --client bücher.example --json
  dance owner --port 443 --host www.example.com

Exit codes: 0 success, 2 invalid or conflicting options or names.)";

} // namespace

Subcommand add_owner_command(CLI::App& parent) {
    auto options = std::make_shared<OwnerOptions>();
    CLI::App* app = parent.add_subcommand(
        "owner", "Build the TLSA owner name of a client identity or a "
                 "server, and the ClientName a client sends");
    app->footer(owner_footer);

    app->add_option("--service", options->service,
                    "Service label of _SERVICE.CLIENT, such as smtp-client "
                    "(the underscore is added)")
        ->type_name("SERVICE");
    app->add_option("--client", options->client,
                    "Client domain name, for _SERVICE.CLIENT or alone as a "
                    "freeform name")
        ->type_name("NAME");
    app->add_option("--device", options->device,
                    "Device part of DEVICE._device.ORG, one or more labels, "
                    "or '*' for all devices")
        ->type_name("DEVICE");
    app->add_option("--org", options->org,
                    "Organization domain name of DEVICE._device.ORG")
        ->type_name("NAME");
    app->add_option("--port", options->port,
                    "Server port, 1 to 65535, for _PORT._PROTO.HOST")
        ->type_name("PORT");
    app->add_option("--proto", options->proto,
                    "Transport of _PORT._PROTO.HOST: tcp, udp or sctp "
                    "(default tcp)")
        ->type_name("PROTO");
    app->add_option("--host", options->host,
                    "Server host name of _PORT._PROTO.HOST")
        ->type_name("NAME");
    app->add_flag("--json", options->json,
                  "Write the form, owner, clientid and extension_data "
                  "(hex of the length octet and ClientName) as JSON");
    app->add_flag("-q,--quiet", options->quiet,
                  "Write only the owner name, with its trailing dot")
        ->excludes("--json");

    return {app, [options] { return run_owner_command(*options); }};
}

} // namespace dance::cli
