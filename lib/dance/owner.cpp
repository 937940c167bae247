#include "dance/owner.hpp"

#include "dance/message_text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace dance {

namespace {

constexpr std::size_t max_rfc6335_service_length = 15;

Error owner_error(const std::string& message) {
    return make_error(ErrorCategory::input, message);
}

// Rejects a root or wildcard base name, the part that a form appends its
// own labels to.
std::optional<Error> check_base(const Name& base, const char* role) {
    if (base.is_root())
        return owner_error(std::string("invalid ") + role +
                           " name \".\": give a domain name below the root");
    if (base.is_wildcard())
        return owner_error(std::string("invalid ") + role + " name " +
                           quote_for_message(base.to_text()) +
                           ": a wildcard \"*\" may only be the leftmost "
                           "label of the whole owner name");
    return std::nullopt;
}

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
    });
}

// The service without its optional leading underscore, checked to be one
// ASCII label. The label rules themselves are Name's.
Result<std::string> service_label(std::string_view service) {
    const std::string_view bare =
        service.starts_with('_') ? service.substr(1) : service;
    const std::string quoted = quote_for_message(service);

    if (bare.empty())
        return owner_error("invalid service " + quoted +
                           ": the service name is empty");
    if (bare.find('.') != std::string_view::npos)
        return owner_error("invalid service " + quoted +
                           ": a service is one label and has no dot");
    if (!is_ascii(bare))
        return owner_error("invalid service " + quoted +
                           ": service names are ASCII letters, digits and "
                           "hyphens (RFC 6335)");
    return "_" + std::string(bare);
}

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<std::string> describe_rfc6335_problem(std::string_view name) {
    if (name.empty())
        return "it is empty";
    if (name.size() > max_rfc6335_service_length)
        return "it has " + std::to_string(name.size()) +
               " characters, more than 15";
    const bool ldh = std::all_of(name.begin(), name.end(), [](char c) {
        return is_letter(c) || is_digit(c) || c == '-';
    });
    if (!ldh)
        return std::string("it has characters other than letters, digits "
                           "and hyphens");
    if (std::none_of(name.begin(), name.end(), is_letter))
        return std::string("it has no letter");
    if (name.front() == '-' || name.back() == '-')
        return std::string("it starts or ends with a hyphen");
    if (name.find("--") != std::string_view::npos)
        return std::string("it has two hyphens in a row");
    return std::nullopt;
}

// The first label that contains an underscore, if any.
std::optional<std::string>
find_underscore_label(const std::vector<std::string>& labels) {
    for (const std::string& label : labels) {
        if (label.find('_') != std::string::npos)
            return label;
    }
    return std::nullopt;
}

Result<Name> append_labels(std::vector<std::string> left, const Name& base) {
    left.insert(left.end(), base.labels().begin(), base.labels().end());
    return Name::from_labels(std::move(left));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) {
                          return std::tolower(static_cast<unsigned char>(x)) ==
                                 std::tolower(static_cast<unsigned char>(y));
                      });
}

} // namespace

Result<Name> service_owner(std::string_view service, const Name& client) {
    if (auto error = check_base(client, "client"))
        return *error;

    auto label = service_label(service);
    if (!label)
        return label.error();
    return client.prepend(*label);
}

Result<Name> device_owner(const Name& device, const Name& org) {
    if (device.is_root())
        return owner_error("invalid device name \".\": give the device's "
                           "own label, such as \"sensor7\"");
    if (auto error = check_base(org, "organization"))
        return *error;

    std::vector<std::string> labels = device.labels();
    labels.emplace_back("_device");
    return append_labels(std::move(labels), org);
}

Result<Name> freeform_owner(const Name& client) {
    if (auto error = check_base(client, "client"))
        return *error;

    // Format 3 has no underscore labels, so the name fits a dNSName.
    if (auto label = find_underscore_label(client.labels()))
        return owner_error(
            "invalid freeform client name " +
            quote_for_message(client.to_text()) + ": label " +
            quote_for_message(*label) +
            " contains an underscore, which a certificate's dNSName cannot "
            "carry (RFC 5280): use the service or device form instead");
    return client;
}

Result<Name> server_owner(std::uint16_t port, std::string_view proto,
                          const Name& host) {
    if (port == 0)
        return owner_error("invalid port 0: use a port from 1 to 65535");
    if (auto error = check_base(host, "host"))
        return *error;

    for (const char* known : {"tcp", "udp", "sctp"}) {
        if (equal_ignoring_case(proto, known))
            return append_labels(
                {"_" + std::to_string(port), "_" + std::string(known)}, host);
    }
    return owner_error("invalid transport protocol " +
                       quote_for_message(proto) + ": use tcp, udp or sctp");
}

std::optional<std::string> service_name_warning(std::string_view service) {
    const std::string_view bare =
        service.starts_with('_') ? service.substr(1) : service;
    auto problem = describe_rfc6335_problem(bare);
    if (!problem)
        return std::nullopt;
    return "service " + quote_for_message(bare) +
           " is not an RFC 6335 service name because " + *problem +
           ". The draft allows custom service strings, but check for a typo";
}

} // namespace dance
