#include "dance/clientid.hpp"

#include <charconv>
#include <cstdio>

namespace dance {

namespace {

// The presentation form without escapes and without the trailing dot of
// a name that fits the 255-octet wire limit of RFC 1035 section 2.3.4.
constexpr std::size_t max_client_name_length = 253;
constexpr std::size_t max_label_length = 63;
constexpr std::uint16_t renegotiation_info = 0xFF01;

bool is_name_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string describe_octet(unsigned char c) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%02x", c);
    return buffer;
}

std::optional<std::string> character_problem(std::string_view name) {
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c == '.' || is_name_character(name[i]))
            continue;

        std::string where = " at offset " + std::to_string(i);
        if (c >= 0x80)
            return "non-ASCII octet " + describe_octet(c) + where +
                   " (internationalised labels must be A-labels)";
        if (c == '\\')
            return "escape sequence" + where + " (escapes are not allowed)";
        return "character " + describe_octet(c) + where +
               " (only letters, digits, '-' and '_' are allowed)";
    }
    return std::nullopt;
}

std::optional<std::string> label_problem(std::string_view name) {
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::size_t end = dot == std::string_view::npos ? name.size()
                                                              : dot;
        const std::size_t length = end - start;
        if (length == 0)
            return "empty label at offset " + std::to_string(start);
        if (length > max_label_length)
            return "label at offset " + std::to_string(start) + " has " +
                   std::to_string(length) + " characters (maximum 63)";
        if (dot == std::string_view::npos)
            return std::nullopt;
        start = dot + 1;
    }
}

ClientIdError make_problem(ClientIdProblem problem, std::string detail) {
    const bool framing = problem == ClientIdProblem::empty_extension ||
                         problem == ClientIdProblem::length_mismatch ||
                         problem == ClientIdProblem::trailing_bytes;
    return ClientIdError{problem,
                         framing ? ClientIdAlert::decode_error
                                 : ClientIdAlert::handshake_failure,
                         std::move(detail)};
}

// Checks the one-octet length prefix against the octets present.
std::optional<ClientIdError> framing_problem(
    std::span<const std::uint8_t> data) {
    if (data.empty())
        return make_problem(ClientIdProblem::empty_extension,
                            "extension_data is empty (expected a length "
                            "octet and a ClientName)");

    const std::size_t declared = data[0];
    const std::size_t present = data.size() - 1;
    if (declared > present)
        return make_problem(ClientIdProblem::length_mismatch,
                            "ClientName length octet is " +
                                std::to_string(declared) + " but only " +
                                std::to_string(present) + " octets follow");
    if (declared < present)
        return make_problem(ClientIdProblem::trailing_bytes,
                            std::to_string(present - declared) +
                                " octets follow the ClientName");
    return std::nullopt;
}

} // namespace

Result<std::uint16_t> parse_clientid_codepoint(std::string_view text) {
    std::string_view digits = text;
    int base = 10;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
        digits.remove_prefix(2);
        base = 16;
    }

    unsigned value = 0;
    const auto [end, error] = std::from_chars(
        digits.data(), digits.data() + digits.size(), value, base);
    const bool parsed = !digits.empty() && error == std::errc{} &&
                        end == digits.data() + digits.size();
    if (!parsed || value == 0 || value > 0xFFFF)
        return make_error(ErrorCategory::usage,
                          "invalid extension codepoint '" + std::string(text) +
                              "': give a number from 1 to 65535, decimal or "
                              "0x-prefixed hex, e.g. 0xff5a");
    if (value == renegotiation_info)
        return make_error(ErrorCategory::usage,
                          "invalid extension codepoint '" + std::string(text) +
                              "': 0xff01 is renegotiation_info; pick another "
                              "value in the private-use range 0xff00-0xffff");
    return static_cast<std::uint16_t>(value);
}

std::string format_clientid_codepoint(std::uint16_t codepoint) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "0x%04x (%u)", codepoint,
                  static_cast<unsigned>(codepoint));
    return buffer;
}

const char* clientid_problem_name(ClientIdProblem problem) {
    switch (problem) {
    case ClientIdProblem::empty_extension:
        return "empty_extension";
    case ClientIdProblem::length_mismatch:
        return "length_mismatch";
    case ClientIdProblem::trailing_bytes:
        return "trailing_bytes";
    case ClientIdProblem::zero_length_name:
        return "zero_length_name";
    case ClientIdProblem::bad_name_syntax:
        return "bad_name_syntax";
    case ClientIdProblem::name_in_request:
        return "name_in_request";
    }
    return "unknown";
}

std::optional<std::string> client_name_syntax_problem(std::string_view name) {
    if (name.empty())
        return "the name is empty";
    if (name.size() > max_client_name_length)
        return "the name has " + std::to_string(name.size()) +
               " characters (maximum 253)";
    if (auto problem = character_problem(name))
        return problem;
    if (name.back() == '.')
        return std::string("the name ends with a dot (send it without the "
                           "trailing dot)");
    return label_problem(name);
}

std::vector<std::uint8_t> encode_server_extension() { return {0x00}; }

Result<std::vector<std::uint8_t>> encode_client_extension(
    std::string_view client_name) {
    if (auto problem = client_name_syntax_problem(client_name))
        return make_error(ErrorCategory::input,
                          "invalid ClientName '" + std::string(client_name) +
                              "': " + *problem);

    std::vector<std::uint8_t> data;
    data.reserve(1 + client_name.size());
    data.push_back(static_cast<std::uint8_t>(client_name.size()));
    data.insert(data.end(), client_name.begin(), client_name.end());
    return data;
}

ClientIdDecode decode_client_extension(std::span<const std::uint8_t> data) {
    if (auto problem = framing_problem(data))
        return ClientIdDecode{std::nullopt, std::move(problem)};

    // draft-ietf-dance-client-auth section 8.2: a zero-length ClientName
    // from a client is a protocol violation answered with
    // handshake_failure.
    if (data[0] == 0)
        return ClientIdDecode{
            std::nullopt,
            make_problem(ClientIdProblem::zero_length_name,
                         "the client sent a zero-length ClientName")};

    const std::string name(data.begin() + 1, data.end());
    if (auto problem = client_name_syntax_problem(name))
        return ClientIdDecode{
            std::nullopt,
            make_problem(ClientIdProblem::bad_name_syntax, *problem)};
    return ClientIdDecode{name, std::nullopt};
}

std::optional<ClientIdError> decode_server_extension(
    std::span<const std::uint8_t> data) {
    // Earlier drafts signalled support with empty extension_data.
    if (data.empty())
        return std::nullopt;
    if (auto problem = framing_problem(data))
        return problem;

    // The server never sends a name of its own (section 7 of the draft).
    if (data[0] != 0)
        return make_problem(ClientIdProblem::name_in_request,
                            "the CertificateRequest carried a non-empty "
                            "ClientName");
    return std::nullopt;
}

} // namespace dance
