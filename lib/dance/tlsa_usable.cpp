// Whether a TLSA record can take part in DANE matching at all.
#include "dance/tlsa.hpp"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

namespace dance {

namespace {

constexpr std::size_t sha2_256_octets = 32;
constexpr std::size_t sha2_512_octets = 64;

std::string describe_value(std::uint8_t value, const char* mnemonic) {
    std::string text = std::to_string(value);
    if (mnemonic != nullptr)
        text += std::string(" (") + mnemonic + ")";
    return text;
}

// RFC 6698 section 4.1: a record with a parameter the client does not
// understand is unusable. Value 255 is private use, so its meaning is
// unknown here too.
std::optional<std::string> check_parameter(const char* field,
                                           std::uint8_t value,
                                           std::uint8_t highest_assigned,
                                           const char* mnemonic) {
    if (value <= highest_assigned)
        return std::nullopt;
    if (value == 255)
        return std::string(field) + " " + describe_value(value, mnemonic) +
               " is reserved for private use and has no agreed meaning";
    return std::string(field) + " " + std::to_string(value) + " is unassigned";
}

std::optional<std::string> check_digest_length(const TlsaRecord& record) {
    const std::size_t expected =
        record.matching_type == 1 ? sha2_256_octets : sha2_512_octets;
    if (record.data.size() == expected)
        return std::nullopt;
    return std::string(matching_type_mnemonic(record.matching_type)) +
           " data is " + std::to_string(record.data.size()) +
           " octets, but a " + matching_type_mnemonic(record.matching_type) +
           " digest is " + std::to_string(expected) + " octets";
}

gnutls_datum_t datum_of(const std::vector<std::uint8_t>& data) {
    // GnuTLS takes a non-const pointer but only reads the input.
    return {const_cast<unsigned char*>(data.data()),
            static_cast<unsigned>(data.size())};
}

bool parses_as_certificate(const std::vector<std::uint8_t>& der) {
    gnutls_x509_crt_t certificate = nullptr;
    if (gnutls_x509_crt_init(&certificate) < 0)
        return false;
    const gnutls_datum_t datum = datum_of(der);
    const int rc =
        gnutls_x509_crt_import(certificate, &datum, GNUTLS_X509_FMT_DER);
    gnutls_x509_crt_deinit(certificate);
    return rc >= 0;
}

// NOTE: GnuTLS also rejects a well-formed SubjectPublicKeyInfo whose
// algorithm it does not support, so such a key is reported as not parsing.
bool parses_as_spki(const std::vector<std::uint8_t>& der) {
    gnutls_pubkey_t key = nullptr;
    if (gnutls_pubkey_init(&key) < 0)
        return false;
    const gnutls_datum_t datum = datum_of(der);
    const int rc = gnutls_pubkey_import(key, &datum, GNUTLS_X509_FMT_DER);
    gnutls_pubkey_deinit(key);
    return rc >= 0;
}

std::optional<std::string> check_full_data(const TlsaRecord& record) {
    if (record.data.size() > 0xffffffffu)
        return "Full data is too large";
    if (record.selector == 0 && !parses_as_certificate(record.data))
        return "Full data with selector 0 (Cert) does not parse as a DER "
               "X.509 certificate";
    if (record.selector == 1 && !parses_as_spki(record.data))
        return "Full data with selector 1 (SPKI) does not parse as a DER "
               "SubjectPublicKeyInfo";
    return std::nullopt;
}

} // namespace

std::optional<std::string> tlsa_unusable_reason(const TlsaRecord& record) {
    if (auto reason = check_parameter("certificate usage", record.usage, 3,
                                      usage_mnemonic(record.usage)))
        return reason;
    if (auto reason = check_parameter("selector", record.selector, 1,
                                      selector_mnemonic(record.selector)))
        return reason;
    if (auto reason =
            check_parameter("matching type", record.matching_type, 2,
                            matching_type_mnemonic(record.matching_type)))
        return reason;

    if (record.matching_type == 0)
        return check_full_data(record);
    return check_digest_length(record);
}

} // namespace dance
