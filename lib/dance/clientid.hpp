// The dane_clientid TLS extension (draft-ietf-dance-client-auth, the
// ClientName structure): encoding and strict decoding of its
// extension_data, with no TLS library types.
//
// extension_data is always one length octet followed by that many octets
// of ClientName. The server sends a zero-length ClientName (the single
// octet 00) in its CertificateRequest to say it supports the extension;
// a client answers in its Certificate with the TLSA owner name it claims,
// in presentation format without the trailing dot.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dance/error.hpp"

namespace dance {

// The IANA registration of dane_clientid has no value yet, so the default
// is a private-use codepoint (RFC 8446 section 4.2 reserves 0xFF00-0xFFFF
// for private use; 0xFF01 is renegotiation_info and is excluded). Both
// peers must agree on it. Change the default once IANA assigns the value.
inline constexpr std::uint16_t default_clientid_codepoint = 0xFF5A;

// Parses a codepoint given as decimal ("65370") or hex ("0xff5a"). Values
// 1 to 65535 are accepted except 0xFF01 (renegotiation_info). Types that
// the TLS library implements itself are rejected later, when the
// handshake layer registers the extension.
Result<std::uint16_t> parse_clientid_codepoint(std::string_view text);

// "0xff5a (65370)", as printed in diagnostics.
std::string format_clientid_codepoint(std::uint16_t codepoint);

// The TLS alert a receiver sends for a bad extension (RFC 8446 section 6).
enum class ClientIdAlert : std::uint8_t {
    handshake_failure = 40,
    decode_error = 50,
};

// Why decode_client_extension() or decode_server_extension() rejected
// extension_data.
enum class ClientIdProblem {
    empty_extension,  // extension_data has no octets at all
    length_mismatch,  // the length octet exceeds the octets that follow
    trailing_bytes,   // octets follow the ClientName
    zero_length_name, // a client sent the server's "no name" form
    bad_name_syntax,  // the ClientName text is not an acceptable name
    name_in_request,  // a CertificateRequest carried a non-empty name
};

// Short lowercase identifier: "length_mismatch".
const char* clientid_problem_name(ClientIdProblem problem);

struct ClientIdError {
    ClientIdProblem problem = ClientIdProblem::bad_name_syntax;
    ClientIdAlert alert = ClientIdAlert::handshake_failure;
    std::string detail; // what was wrong, with the offending value
};

// The decoded extension, or why it was rejected.
struct ClientIdDecode {
    std::optional<std::string> client_name; // set on success
    std::optional<ClientIdError> error;     // set on failure

    bool ok() const { return client_name.has_value(); }
};

// Checks a ClientName against the presentation rules of the extension:
// ASCII letters, digits, hyphen and underscore only (so A-labels, never
// U-labels, and no "\" escapes), labels of 1 to 63 characters, at most
// 253 characters in all, no trailing dot. Returns why it is unacceptable,
// or std::nullopt.
std::optional<std::string> client_name_syntax_problem(std::string_view name);

// extension_data of the server's CertificateRequest: the single octet 00.
std::vector<std::uint8_t> encode_server_extension();

// extension_data of the client's Certificate entry. The name must pass
// client_name_syntax_problem(); an input error says why it does not.
Result<std::vector<std::uint8_t>> encode_client_extension(
    std::string_view client_name);

// Decodes a client's extension_data. Framing faults give decode_error;
// a zero-length or ill-formed name gives handshake_failure.
ClientIdDecode decode_client_extension(std::span<const std::uint8_t> data);

// Decodes a server's CertificateRequest extension_data. Accepts the
// single octet 00 and, for peers of earlier drafts, empty
// extension_data; anything else is rejected. Returns std::nullopt when
// the data is acceptable.
std::optional<ClientIdError> decode_server_extension(
    std::span<const std::uint8_t> data);

} // namespace dance
