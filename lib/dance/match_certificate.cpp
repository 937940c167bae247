// X.509 helpers of the DANE matcher: DER certificates parsed with GnuTLS,
// the exact SPKI and tbsCertificate octets, association data matching,
// and chain checks at a given time.
#include "dance/match_internal.hpp"
#include "dance/message_text.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <stdexcept>

namespace dance::match_detail {

namespace {

// A DER element: where its contents start and how long the whole TLV is.
struct DerElement {
    std::size_t header = 0;
    std::size_t length = 0; // header plus contents
};

// Reads the tag and definite length at the start of `bytes`. Only the
// forms X.509 DER uses are accepted: one-octet tags and lengths of at most
// four octets.
std::optional<DerElement> read_element(Bytes bytes) {
    if (bytes.size() < 2 || (bytes[0] & 0x1f) == 0x1f)
        return std::nullopt;

    std::size_t header = 2;
    std::size_t content = bytes[1];
    if (content & 0x80) {
        std::size_t octets = content & 0x7f;
        if (octets == 0 || octets > 4 || bytes.size() < 2 + octets)
            return std::nullopt;
        content = 0;
        for (std::size_t i = 0; i < octets; ++i)
            content = (content << 8) | bytes[2 + i];
        header += octets;
    }

    if (content > bytes.size() - header)
        return std::nullopt;
    return DerElement{header, header + content};
}

// The contents of the SEQUENCE at the start of `bytes`.
std::optional<Bytes> sequence_contents(Bytes bytes) {
    auto element = read_element(bytes);
    if (!element || bytes[0] != 0x30)
        return std::nullopt;
    return bytes.subspan(element->header, element->length - element->header);
}

// The whole TLV of the `index`-th element inside `contents`.
std::optional<Bytes> nth_element(Bytes contents, std::size_t index) {
    for (std::size_t i = 0;; ++i) {
        auto element = read_element(contents);
        if (!element)
            return std::nullopt;
        if (i == index)
            return contents.first(element->length);
        contents = contents.subspan(element->length);
    }
}

// The subjectPublicKeyInfo TLV, exactly as encoded in the certificate
// (RFC 5280 section 4.1: after version, serialNumber, signature, issuer,
// validity and subject).
std::optional<Bytes> certificate_spki(Bytes certificate) {
    auto tbs = tbs_certificate(certificate);
    if (!tbs)
        return std::nullopt;
    auto fields = sequence_contents(*tbs);
    if (!fields || fields->empty())
        return std::nullopt;

    bool has_version = (*fields)[0] == 0xa0;
    return nth_element(*fields, has_version ? 6 : 5);
}

std::vector<std::string> dns_names_of(gnutls_x509_crt_t crt) {
    std::vector<std::string> names;
    std::vector<char> buffer(256);
    for (unsigned seq = 0;; ++seq) {
        std::size_t size = buffer.size();
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buffer.data(),
                                                        &size, nullptr);
        if (type == GNUTLS_E_SHORT_MEMORY_BUFFER) {
            buffer.resize(size + 1);
            --seq;
            continue;
        }
        if (type < 0)
            break;
        if (type == GNUTLS_SAN_DNSNAME)
            names.emplace_back(buffer.data(), size);
    }
    return names;
}

DerBytes digest(Bytes bytes, gnutls_digest_algorithm_t algorithm) {
    DerBytes out(gnutls_hash_get_len(algorithm));
    if (gnutls_hash_fast(algorithm, bytes.data(), bytes.size(), out.data()) < 0)
        throw std::runtime_error("GnuTLS digest computation failed");
    return out;
}

std::string ascii_lowercase(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

std::string gnutls_status_text(unsigned status) {
    gnutls_datum_t text{};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
                                                     &text, 0) < 0)
        return "verification failed";
    std::string out(reinterpret_cast<const char*>(text.data), text.size);
    gnutls_free(text.data);
    return out;
}

} // namespace

gnutls_datum_t datum(Bytes bytes) {
    // GnuTLS takes a non-const pointer but only reads through it here.
    return {const_cast<unsigned char*>(bytes.data()),
            static_cast<unsigned>(bytes.size())};
}

Crt import_certificate(Bytes der) {
    gnutls_x509_crt_t raw = nullptr;
    if (gnutls_x509_crt_init(&raw) < 0)
        throw std::bad_alloc();
    Crt crt(raw);

    gnutls_datum_t data = datum(der);
    if (gnutls_x509_crt_import(crt.get(), &data, GNUTLS_X509_FMT_DER) < 0)
        return nullptr;
    return crt;
}

Pubkey import_spki(Bytes der) {
    gnutls_pubkey_t raw = nullptr;
    if (gnutls_pubkey_init(&raw) < 0)
        throw std::bad_alloc();
    Pubkey key(raw);

    gnutls_datum_t data = datum(der);
    if (gnutls_pubkey_import(key.get(), &data, GNUTLS_X509_FMT_DER) < 0)
        return nullptr;
    return key;
}

// The tbsCertificate TLV of a DER certificate.
std::optional<Bytes> tbs_certificate(Bytes certificate) {
    auto outer = sequence_contents(certificate);
    if (!outer)
        return std::nullopt;
    return nth_element(*outer, 0);
}

std::optional<Certificate> parse_certificate(Bytes der) {
    Crt crt = import_certificate(der);
    auto spki = certificate_spki(der);
    if (!crt || !spki)
        return std::nullopt;

    Certificate certificate;
    certificate.der.assign(der.begin(), der.end());
    certificate.spki.assign(spki->begin(), spki->end());
    certificate.dns_names = dns_names_of(crt.get());
    certificate.not_before = gnutls_x509_crt_get_activation_time(crt.get());
    certificate.not_after = gnutls_x509_crt_get_expiration_time(crt.get());
    certificate.crt = std::move(crt);
    return certificate;
}

std::string format_time(std::int64_t unix_time) {
    std::time_t time = static_cast<std::time_t>(unix_time);
    std::tm parts{};
    gmtime_r(&time, &parts);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text.data();
}

// Why a certificate is not valid at `now`, or std::nullopt when it is.
std::optional<std::string> validity_problem(const Certificate& certificate,
                                            std::int64_t now) {
    if (now < certificate.not_before)
        return "is not valid before " + format_time(certificate.not_before);
    if (now > certificate.not_after)
        return "expired on " + format_time(certificate.not_after);
    return std::nullopt;
}

// Whether the selected bytes (a certificate or an SPKI) match the record's
// certificate association data under its matching type.
bool association_matches(Bytes selected, const TlsaRecord& record) {
    Bytes expected(record.data);
    switch (static_cast<MatchingType>(record.matching_type)) {
    case MatchingType::full:
        return std::ranges::equal(selected, expected);
    case MatchingType::sha2_256:
        return std::ranges::equal(digest(selected, GNUTLS_DIG_SHA256),
                                  expected);
    case MatchingType::sha2_512:
        return std::ranges::equal(digest(selected, GNUTLS_DIG_SHA512),
                                  expected);
    }
    return false;
}

bool certificate_matches(const Certificate& certificate,
                         const TlsaRecord& record) {
    bool spki = record.selector == static_cast<std::uint8_t>(Selector::spki);
    return association_matches(spki ? certificate.spki : certificate.der,
                               record);
}

// draft-ietf-dance-client-auth: under usages 0 to 2 the ClientName must
// be a dNSName of the leaf. Compared as ASCII without case; wildcard
// dNSNames and the subject CN never count.
bool leaf_names(const Certificate& leaf, const Name& client_name) {
    std::string expected = client_name.to_text();
    return std::ranges::any_of(leaf.dns_names, [&](const std::string& san) {
        return ascii_lowercase(san) == expected;
    });
}

std::string list_names(const std::vector<std::string>& names) {
    if (names.empty())
        return "none";
    std::string out;
    // The names come from the client's certificate and end up in verdict
    // details, on terminals and in logs, so control bytes are escaped.
    for (const std::string& name : names)
        out += (out.empty() ? "" : ", ") + escape_for_log(name);
    return out;
}

TrustList make_trust_list() {
    gnutls_x509_trust_list_t raw = nullptr;
    if (gnutls_x509_trust_list_init(&raw, 0) < 0)
        throw std::bad_alloc();
    return TrustList(raw);
}

// Adds a copy of `certificate` to `list`, which then owns the copy.
void add_anchor(gnutls_x509_trust_list_t list, const Certificate& certificate) {
    Crt copy = import_certificate(certificate.der);
    gnutls_x509_crt_t raw = copy.get();
    if (!copy || gnutls_x509_trust_list_add_cas(list, &raw, 1, 0) != 1)
        throw std::runtime_error("GnuTLS could not add a trust anchor");
    copy.release();
}

// Checks signatures, CA flags and path constraints of `path` (leaf first)
// up to a CA in `anchors`. Dates are left to the caller, so that they are
// checked at the requested time rather than the system clock.
std::optional<std::string>
verify_signatures(std::span<const Certificate* const> path,
                  gnutls_x509_trust_list_t anchors) {
    std::vector<gnutls_x509_crt_t> crts;
    for (const Certificate* certificate : path)
        crts.push_back(certificate->crt.get());

    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                     GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
    int rc = gnutls_x509_trust_list_verify_crt2(
        anchors, crts.data(), static_cast<unsigned>(crts.size()), nullptr, 0,
        flags, &status, nullptr);
    if (rc < 0)
        return std::string(gnutls_strerror(rc));
    if (status != 0)
        return gnutls_status_text(status);
    return std::nullopt;
}

// The date check that verify_signatures() leaves out, over `path` and
// the anchor. Positions are 1-based as in the presented chain.
std::optional<std::string>
verify_dates(std::span<const Certificate* const> path, std::int64_t now) {
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (auto problem = validity_problem(*path[i], now))
            return "certificate " + std::to_string(i + 1) + " " + *problem;
    }
    return std::nullopt;
}

// Whether `key` made the signature on `certificate`.
bool signed_by(const Certificate& certificate, gnutls_pubkey_t key) {
    auto tbs = tbs_certificate(certificate.der);
    int algorithm =
        gnutls_x509_crt_get_signature_algorithm(certificate.crt.get());
    if (!tbs || algorithm < 0)
        return false;

    std::vector<unsigned char> signature(1024);
    std::size_t size = signature.size();
    if (gnutls_x509_crt_get_signature(certificate.crt.get(),
                                      reinterpret_cast<char*>(signature.data()),
                                      &size) < 0)
        return false;

    gnutls_datum_t data = datum(*tbs);
    gnutls_datum_t sig = {signature.data(), static_cast<unsigned>(size)};
    return gnutls_pubkey_verify_data2(
               key, static_cast<gnutls_sign_algorithm_t>(algorithm), 0, &data,
               &sig) >= 0;
}

} // namespace dance::match_detail
