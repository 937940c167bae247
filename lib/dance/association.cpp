#include "dance/association.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

namespace dance {

namespace {

using Bytes = std::vector<std::uint8_t>;

Result<Bytes> digest(gnutls_digest_algorithm_t algorithm,
                     std::span<const std::uint8_t> input) {
    Bytes output(gnutls_hash_get_len(algorithm));
    int rc =
        gnutls_hash_fast(algorithm, input.data(), input.size(), output.data());
    if (rc < 0)
        return make_error(ErrorCategory::internal,
                          std::string("hashing failed: ") +
                              gnutls_strerror(rc));
    return output;
}

Status check_parameters(const AssociationRequest& request) {
    if (request.usage > 3)
        return make_error(ErrorCategory::usage,
                          "usage " + std::to_string(request.usage) +
                              " is not assigned: use 0 (PKIX-TA), 1 "
                              "(PKIX-EE), 2 (DANE-TA) or 3 (DANE-EE)");
    if (request.selector > 1)
        return make_error(ErrorCategory::usage,
                          "selector " + std::to_string(request.selector) +
                              " is not assigned: use 0 (Cert) or 1 (SPKI)");
    if (request.matching_type > 2)
        return make_error(ErrorCategory::usage,
                          "matching type " +
                              std::to_string(request.matching_type) +
                              " is not assigned: use 0 (Full), 1 "
                              "(SHA2-256) or 2 (SHA2-512)");
    return Ok{};
}

Error input_error(const Credential& credential, std::string detail) {
    return make_error(ErrorCategory::input,
                      credential.source + ": " + std::move(detail));
}

// The certificate a trust-anchor usage hashes: the one at ca_index, or the
// last of the bundle. It must be a CA unless the caller forces it.
Result<std::size_t> pick_ca(const Credential& credential,
                            const AssociationRequest& request) {
    std::size_t count = credential.certificates.size();
    std::size_t index = request.ca_index.value_or(count - 1);
    if (index >= count)
        return input_error(credential,
                           "--ca-index " + std::to_string(index) +
                               " is out of range: the bundle has " +
                               std::to_string(count) +
                               " certificate(s), positions 0 (leaf) to " +
                               std::to_string(count - 1));

    const CertificateInfo& ca = credential.certificates[index];
    // RFC 7671 section 5.2: a trust-anchor record names a CA that issued
    // the chain, so a certificate without cA=TRUE is almost surely the
    // wrong element of the bundle.
    if (!ca.is_ca && !request.force)
        return input_error(
            credential,
            "usage " + std::to_string(request.usage) +
                " needs a CA certificate, but certificate " +
                std::to_string(index) + " (" + ca.subject +
                ") is not a CA (no basicConstraints cA=TRUE): give the CA "
                "certificate or a bundle that ends with it, choose it with "
                "--ca-index, use usage 3 (DANE-EE) for the leaf, or pass "
                "--force");
    return index;
}

Result<Association> compute_for_key(const Credential& credential,
                                    const AssociationRequest& request) {
    std::string kind = credential.kind == CredentialKind::public_key
                           ? "a bare public key"
                           : "a private key";
    if (request.selector == 0)
        return input_error(
            credential,
            "selector 0 (Cert) needs a certificate, but the file holds " +
                kind +
                ": use selector 1 (SPKI), or give the certificate "
                "with --cert");
    if (request.usage == 0 || request.usage == 1)
        return input_error(credential,
                           "usage " + std::to_string(request.usage) +
                               " (PKIX) needs a certificate, but the file "
                               "holds " +
                               kind +
                               ": use usage 3 (DANE-EE), or give the "
                               "certificate with --cert");

    Association association;
    Result<Bytes> data =
        association_data(credential.spki_der, request.matching_type);
    if (!data)
        return data.error();
    Result<Bytes> fingerprint = digest(GNUTLS_DIG_SHA256, credential.spki_der);
    if (!fingerprint)
        return fingerprint.error();
    association.record = TlsaRecord{request.usage, request.selector,
                                    request.matching_type, std::move(*data)};
    association.sha256 = std::move(*fingerprint);
    return association;
}

} // namespace

Result<std::vector<std::uint8_t>>
association_data(std::span<const std::uint8_t> selected,
                 std::uint8_t matching_type) {
    switch (matching_type) {
    case 0:
        return Bytes(selected.begin(), selected.end());
    case 1:
        return digest(GNUTLS_DIG_SHA256, selected);
    case 2:
        return digest(GNUTLS_DIG_SHA512, selected);
    default:
        return make_error(ErrorCategory::usage,
                          "matching type " + std::to_string(matching_type) +
                              " is not assigned: use 0, 1 or 2");
    }
}

Result<Association> compute_association(const Credential& credential,
                                        const AssociationRequest& request) {
    Status valid = check_parameters(request);
    if (!valid)
        return valid.error();
    if (credential.is_bare_key())
        return compute_for_key(credential, request);

    std::size_t index = 0;
    bool trust_anchor = request.usage == 0 || request.usage == 2;
    if (trust_anchor) {
        Result<std::size_t> picked = pick_ca(credential, request);
        if (!picked)
            return picked.error();
        index = *picked;
    }

    const CertificateInfo& certificate = credential.certificates[index];
    const Bytes& selected =
        request.selector == 0 ? certificate.der : certificate.spki_der;
    Result<Bytes> data = association_data(selected, request.matching_type);
    if (!data)
        return data.error();

    Association association;
    association.record = TlsaRecord{request.usage, request.selector,
                                    request.matching_type, std::move(*data)};
    association.certificate_index = index;
    association.subject = certificate.subject;
    association.sha256 = certificate.sha256;
    return association;
}

} // namespace dance
