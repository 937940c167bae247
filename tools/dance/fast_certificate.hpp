// A strict reader for the one input the fast path of dance tlsa takes: a
// single X.509 certificate, in DER or in one PEM "CERTIFICATE" block.
//
// It accepts only a narrow, canonical subset of what GnuTLS accepts and
// reports everything else as unreadable, so that the caller can hand the
// input to the full path. It needs no library beyond the C++ runtime, and
// the fuzz target fast_certificate checks it against GnuTLS.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace dance::cli {

enum class KeyAlgorithm { rsa, ecdsa, ed25519, ed448 };

// The facts of a certificate that its records and the full path's
// warnings depend on.
struct CertificateFacts {
    std::span<const std::uint8_t> spki; // SubjectPublicKeyInfo element
    std::int64_t not_before = 0;        // Unix time
    std::int64_t not_after = 0;         // Unix time
    KeyAlgorithm algorithm = KeyAlgorithm::rsa;
    unsigned rsa_bits = 0; // modulus size; 0 for other algorithms
};

// Reads one DER certificate, which must fill `der` exactly. Besides DER's
// own rules (definite minimal lengths, exact nesting) it requires a v3
// certificate, or a v1 one without extensions, with matching signature
// algorithms, validity dates of the usual fixed form from 1970 to 9998,
// no unique identifiers, no repeated extension, a non-empty subject with
// no empty attribute value, object identifiers of ordinary size, and an
// RSA, ECDSA (P-256, P-384, P-521), Ed25519 or Ed448 key in its canonical
// encoding.
// std::nullopt for anything else.
std::optional<CertificateFacts>
read_certificate(std::span<const std::uint8_t> der);

// Decodes a file that is exactly one PEM block labelled CERTIFICATE: the
// BEGIN line first, lines of base64 only (canonical, padded at the end),
// the END line, then white space at most. std::nullopt for anything else,
// explanatory text before the block included.
std::optional<std::vector<std::uint8_t>>
decode_certificate_pem(std::span<const std::uint8_t> text);

// The DER of a certificate file's content: the decoded PEM block, or the
// content itself when it is DER. The full path reads every file that
// contains "-----BEGIN " as PEM, so DER that contains it gives
// std::nullopt, as does every PEM file decode_certificate_pem() refuses.
std::optional<std::vector<std::uint8_t>>
certificate_file_der(std::vector<std::uint8_t> content);

} // namespace dance::cli
