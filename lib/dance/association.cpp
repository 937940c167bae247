#include "dance/association.hpp"

#include <ctime>
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

namespace dance {

namespace {

// Smallest RSA modulus considered adequate (NIST SP 800-57 part 1).
constexpr unsigned min_rsa_bits = 2048;

std::string utc_date(std::int64_t when) {
    std::time_t seconds = static_cast<std::time_t>(when);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
    return text;
}

std::string describe(const CertificateInfo& certificate, std::size_t position) {
    return "certificate " + std::to_string(position) + " (" +
           certificate.subject + ")";
}

void check_validity_period(const CertificateInfo& certificate,
                           std::size_t position, std::uint8_t usage,
                           std::int64_t now,
                           std::vector<std::string>& warnings) {
    Validity validity = check_validity(certificate, now);
    if (validity == Validity::valid)
        return;

    std::string text = describe(certificate, position);
    if (validity == Validity::expired)
        text += " expired on " + utc_date(certificate.not_after);
    else
        text += " is not valid before " + utc_date(certificate.not_before);
    // RFC 7671 section 5.1: DANE-EE authentication ignores the validity
    // period, so the record still works for peers that follow it.
    if (usage == 3)
        text += " (informational: DANE-EE ignores validity dates, but peers "
                "that also apply PKIX checks will reject it)";
    warnings.push_back(text);
}

void check_key_size(const KeyInfo& key, const std::string& what,
                    std::vector<std::string>& warnings) {
    bool rsa = key.algorithm == "RSA" || key.algorithm == "RSA-PSS";
    if (rsa && key.bits < min_rsa_bits)
        warnings.push_back(what + " has a " + std::to_string(key.bits) +
                           "-bit RSA key, below the 2048 bits now considered "
                           "the minimum: replace the key");
}

bool name_in_sans(const CertificateInfo& certificate, const Name& owner) {
    std::string client_name = owner.to_text();
    for (const std::string& san : certificate.dns_names) {
        Result<Name> parsed = Name::parse(san);
        if (parsed && *parsed == owner)
            return true;
        if (san == client_name)
            return true;
    }
    return false;
}

// The DANCE draft requires the ClientName to appear as a SAN dNSName when
// the usage is 0, 1 or 2, and to pick one when there are several.
void check_client_name(const CertificateInfo& leaf, std::uint8_t usage,
                       const std::optional<Name>& owner,
                       std::vector<std::string>& warnings) {
    if (owner && !owner->is_wildcard() && !name_in_sans(leaf, *owner))
        warnings.push_back(
            "usage " + std::to_string(usage) + " requires the client name " +
            owner->to_text() +
            " to be a dNSName in the certificate's "
            "subjectAltName, but " +
            describe(leaf, 0) +
            (leaf.dns_names.empty() ? " has none" : " does not list it") +
            ": publish a usage 3 (DANE-EE) record instead, or use the "
            "freeform owner form (the client's host name), because names "
            "with underscore labels cannot be SAN dNSNames from a public CA");
    if (leaf.dns_names.size() > 1)
        warnings.push_back(
            describe(leaf, 0) + " has " +
            std::to_string(leaf.dns_names.size()) +
            " dNSNames: the server takes the one equal to the ClientName "
            "the client sends, and rejects the client when none is");
}

} // namespace

std::vector<std::string> association_warnings(const Credential& credential,
                                              const Association& association,
                                              const std::optional<Name>& owner,
                                              std::int64_t now) {
    std::vector<std::string> warnings;
    const TlsaRecord& record = association.record;
    if (record.selector == 0 && record.matching_type == 0)
        warnings.push_back(
            "a Cert+Full record (" + std::to_string(record.usage) +
            " 0 0) carries the whole certificate (" +
            std::to_string(record.data.size()) +
            " octets), which makes large DNS responses: prefer matching type "
            "1 (SHA2-256)");

    if (credential.is_bare_key()) {
        check_key_size(credential.key, credential.source + ": the key",
                       warnings);
        return warnings;
    }

    std::size_t index = association.certificate_index.value_or(0);
    const CertificateInfo& hashed = credential.certificates[index];
    check_validity_period(hashed, index, record.usage, now, warnings);
    check_key_size(hashed.key, describe(hashed, index), warnings);

    bool trust_anchor = record.usage == 0 || record.usage == 2;
    if (!credential.chains)
        warnings.push_back(
            "the bundle does not chain (" + credential.chain_problem + "), " +
            (trust_anchor ? "so the hashed CA may not have issued the leaf"
                          : "so check that the leaf comes first: the first "
                            "certificate is taken as the leaf"));

    // The name checks concern the end-entity certificate, which a
    // trust-anchor record only reaches when the bundle includes it.
    bool leaf_present = record.usage == 1 || (trust_anchor && index != 0);
    if (leaf_present && record.usage != 3) {
        const CertificateInfo& leaf = credential.certificates.front();
        if (index != 0)
            check_validity_period(leaf, 0, record.usage, now, warnings);
        check_client_name(leaf, record.usage, owner, warnings);
    }
    return warnings;
}

} // namespace dance
