// Fuzzes the strict certificate reader of dance tlsa's fast path against
// GnuTLS and the library's own loader: whatever it accepts, they must
// accept too, with the same public key (SPKI octets), validity dates and
// key algorithm and size.
#include "../../tools/dance/fast_certificate.hpp"
#include "dance/credential.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

using dance::cli::CertificateFacts;
using dance::cli::KeyAlgorithm;
using Bytes = std::vector<std::uint8_t>;

void require(bool condition) {
    if (!condition)
        std::abort();
}

bool same(std::span<const std::uint8_t> a, const gnutls_datum_t& b) {
    return a.size() == b.size &&
           (a.empty() || std::memcmp(a.data(), b.data, a.size()) == 0);
}

// The PEM decoder must agree with GnuTLS's, which the full path uses.
void check_pem(std::span<const std::uint8_t> text, const Bytes& der) {
    gnutls_datum_t input{const_cast<unsigned char*>(text.data()),
                         static_cast<unsigned>(text.size())};
    gnutls_datum_t decoded{nullptr, 0};
    require(gnutls_pem_base64_decode2(nullptr, &input, &decoded) >= 0);
    require(same(der, decoded));
    gnutls_free(decoded.data);
}

int expected_algorithm(KeyAlgorithm algorithm) {
    switch (algorithm) {
    case KeyAlgorithm::rsa:
        return GNUTLS_PK_RSA;
    case KeyAlgorithm::ecdsa:
        return GNUTLS_PK_ECDSA;
    case KeyAlgorithm::ed25519:
        return GNUTLS_PK_EDDSA_ED25519;
    case KeyAlgorithm::ed448:
        return GNUTLS_PK_EDDSA_ED448;
    }
    return GNUTLS_PK_UNKNOWN;
}

void check_with_gnutls(const Bytes& der, const CertificateFacts& facts) {
    gnutls_x509_crt_t crt = nullptr;
    require(gnutls_x509_crt_init(&crt) >= 0);
    gnutls_datum_t input{const_cast<unsigned char*>(der.data()),
                         static_cast<unsigned>(der.size())};
    require(gnutls_x509_crt_import(crt, &input, GNUTLS_X509_FMT_DER) >= 0);

    require(gnutls_x509_crt_get_activation_time(crt) == facts.not_before);
    require(gnutls_x509_crt_get_expiration_time(crt) == facts.not_after);
    unsigned bits = 0;
    require(gnutls_x509_crt_get_pk_algorithm(crt, &bits) ==
            expected_algorithm(facts.algorithm));
    if (facts.algorithm == KeyAlgorithm::rsa)
        require(bits == facts.rsa_bits);

    gnutls_pubkey_t key = nullptr;
    require(gnutls_pubkey_init(&key) >= 0);
    require(gnutls_pubkey_import_x509(key, crt, 0) >= 0);
    gnutls_datum_t spki{nullptr, 0};
    require(gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, &spki) >= 0);
    require(same(facts.spki, spki));
    gnutls_free(spki.data);
    gnutls_pubkey_deinit(key);
    gnutls_x509_crt_deinit(crt);
}

// The library loader, as dance tlsa's full path calls it on the file.
void check_with_loader(std::span<const std::uint8_t> file,
                       const CertificateFacts& facts) {
    dance::LoadOptions options;
    options.all_names = false;
    dance::Result<dance::Credential> credential =
        dance::parse_credential(file, "fuzz input", options);
    require(credential.ok());
    require(credential->certificates.size() == 1);
    const dance::CertificateInfo& certificate = credential->certificates[0];
    require(std::equal(facts.spki.begin(), facts.spki.end(),
                       certificate.spki_der.begin(),
                       certificate.spki_der.end()));
    require(certificate.not_before == facts.not_before);
    require(certificate.not_after == facts.not_after);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    std::optional<Bytes> der =
        dance::cli::certificate_file_der(Bytes(input.begin(), input.end()));
    if (!der)
        return 0;
    if (input[0] == '-')
        check_pem(input, *der);

    std::optional<CertificateFacts> facts = dance::cli::read_certificate(*der);
    if (!facts)
        return 0;
    check_with_gnutls(*der, *facts);
    check_with_loader(input, *facts);
    return 0;
}
