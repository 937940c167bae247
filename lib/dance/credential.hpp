// Credentials read from files: X.509 certificates and bundles, bare public
// keys (SubjectPublicKeyInfo) and private keys, in PEM or DER.
//
// The format is detected from the content, never from the file name. The
// result carries the DER of every certificate and of every SPKI, so callers
// (TLSA association data, the DANE matcher) need no GnuTLS type. Private
// key material is used only to derive the public key and is not kept.
#pragma once

#include "dance/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

// Default cap on the size of one credential file or standard input.
inline constexpr std::size_t default_max_credential_size = 1024 * 1024;

// A public key's algorithm and size, as certtool and openssl print them.
struct KeyInfo {
    std::string algorithm; // "RSA", "RSA-PSS", "ECDSA", "Ed25519", "Ed448"
    std::string curve;     // "P-256", "P-384", "P-521"; empty when none
    unsigned bits = 0;     // modulus or curve size

    // "RSA 2048", "ECDSA P-256", "Ed25519".
    std::string description() const;
};

// One parsed X.509 certificate.
struct CertificateInfo {
    std::vector<std::uint8_t> der;
    std::vector<std::uint8_t> spki_der; // the certificate's own SPKI octets
    std::string subject;                // RFC 4514 string
    std::string issuer; // RFC 4514 string; empty unless all_names was set
    std::vector<std::uint8_t> sha256; // SHA-256 of der
    // subjectAltName dNSName entries; empty unless all_names was set.
    std::vector<std::string> dns_names;
    std::int64_t not_before = 0; // Unix time
    std::int64_t not_after = 0;  // Unix time
    bool is_ca = false;          // basicConstraints cA is TRUE
    bool self_issued = false;    // subject equals issuer
    KeyInfo key;
};

// The kind of credential a file was found to contain.
enum class CredentialKind {
    certificates, // one certificate or a bundle
    public_key,   // a bare SubjectPublicKeyInfo
    private_key,  // a private key; only its public half is kept
};

// The kind of credential a caller expects. `any` accepts whatever the
// file contains. The others reject a file of another kind, with a message
// naming the caller's option for the kind found when it has one (see
// KindOptions).
enum class ExpectedKind { any, certificates, public_key, private_key };

// The names under which a caller's interface takes each kind of
// credential, such as "--cert" or "the \"cert\" field". A message about a file of an
// unexpected kind ends in "pass it with <option> instead". An empty
// option leaves that hint out, so the library names no tool's options.
struct KindOptions {
    std::string certificates;
    std::string public_key;
    std::string private_key;
};

enum class Encoding { pem, der };

struct Credential {
    std::string source; // file name, or "standard input"
    CredentialKind kind = CredentialKind::certificates;
    Encoding encoding = Encoding::pem;

    // In file order. A bundle is expected leaf first, each certificate
    // issued by the one after it, as in a TLS Certificate message.
    std::vector<CertificateInfo> certificates;

    // SPKI DER of the leaf certificate, of the bare public key, or derived
    // from the private key.
    std::vector<std::uint8_t> spki_der;
    KeyInfo key;

    // True when every certificate is issued by the next one: issuer DN
    // equals the next subject and the signature verifies with its key.
    // Also true for a single certificate.
    bool chains = true;
    // The reason the bundle does not chain, naming the positions. Empty
    // when it chains.
    std::string chain_problem;

    bool is_bare_key() const { return kind != CredentialKind::certificates; }

    // The first certificate; nullptr for a bare key.
    const CertificateInfo* leaf() const {
        return certificates.empty() ? nullptr : &certificates.front();
    }
};

struct LoadOptions {
    ExpectedKind expected = ExpectedKind::any;
    std::size_t max_size = default_max_credential_size;

    // Read each certificate's issuer DN and dNSNames. A caller that needs
    // neither (only the subject, key, dates and DER) sets this to false and
    // saves about a fifth of the time per certificate.
    bool all_names = true;

    // The options named when the file contains another kind than expected.
    KindOptions kind_options{};
};

// Reads a credential from a file, or from standard input when path is
// "-". Errors have category input and name the file and the problem:
// missing, unreadable, a directory, empty, too large, no certificate or key
// found, truncated or trailing data, encrypted private key.
Result<Credential> load_credential(const std::string& path,
                                   const LoadOptions& options = {});

// Parses credential bytes already in memory. `source` names them in error
// messages. options.max_size applies here too.
Result<Credential> parse_credential(std::span<const std::uint8_t> bytes,
                                    std::string_view source,
                                    const LoadOptions& options = {});

// Whether a certificate is within its validity period at Unix time `now`.
enum class Validity { valid, not_yet_valid, expired };
Validity check_validity(const CertificateInfo& certificate, std::int64_t now);

} // namespace dance
