// Fuzzes the credential loader with arbitrary file contents, detected as
// PEM or DER, and checks the invariants callers rely on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dance/association.hpp"
#include "dance/credential.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

void check_invariants(const dance::Credential& credential) {
    // Every credential yields the SPKI that DANE-EE records hash.
    if (credential.spki_der.empty())
        std::abort();
    if (credential.is_bare_key() != credential.certificates.empty())
        std::abort();
    if (!credential.is_bare_key() &&
        credential.spki_der != credential.certificates.front().spki_der)
        std::abort();
    if (credential.chains != credential.chain_problem.empty())
        std::abort();
    for (const dance::CertificateInfo& certificate : credential.certificates)
        if (certificate.der.empty() || certificate.sha256.size() != 32)
            std::abort();

    // The default record can always be computed from what was loaded.
    dance::AssociationRequest request;
    if (!dance::compute_association(credential, request).ok())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    dance::Result<dance::Credential> credential =
        dance::parse_credential(input, "fuzz input");
    if (credential.ok()) {
        check_invariants(*credential);
    } else if (credential.error().category != dance::ErrorCategory::input) {
        std::abort();
    }
    return 0;
}
