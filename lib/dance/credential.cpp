#include "dance/credential.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <memory>
#include <utility>

namespace dance {

namespace {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// ---- GnuTLS handles -------------------------------------------------------

struct CrtDeleter {
    void operator()(gnutls_x509_crt_t crt) const {
        gnutls_x509_crt_deinit(crt);
    }
};
struct PubkeyDeleter {
    void operator()(gnutls_pubkey_t key) const { gnutls_pubkey_deinit(key); }
};
struct X509PrivkeyDeleter {
    void operator()(gnutls_x509_privkey_t key) const {
        gnutls_x509_privkey_deinit(key);
    }
};
struct PrivkeyDeleter {
    void operator()(gnutls_privkey_t key) const { gnutls_privkey_deinit(key); }
};

using CrtHandle = std::unique_ptr<gnutls_x509_crt_int, CrtDeleter>;
using PubkeyHandle = std::unique_ptr<gnutls_pubkey_st, PubkeyDeleter>;
using X509PrivkeyHandle =
    std::unique_ptr<gnutls_x509_privkey_int, X509PrivkeyDeleter>;
using PrivkeyHandle = std::unique_ptr<gnutls_privkey_st, PrivkeyDeleter>;

// Owns a gnutls_datum_t allocated by GnuTLS.
struct Datum {
    gnutls_datum_t datum{nullptr, 0};

    Datum() = default;
    Datum(const Datum&) = delete;
    Datum& operator=(const Datum&) = delete;
    ~Datum() { gnutls_free(datum.data); }

    Bytes bytes() const { return Bytes(datum.data, datum.data + datum.size); }
    std::string text() const {
        return std::string(reinterpret_cast<const char*>(datum.data),
                           datum.size);
    }
};

gnutls_datum_t datum_of(ByteView bytes) {
    return gnutls_datum_t{const_cast<unsigned char*>(bytes.data()),
                          static_cast<unsigned int>(bytes.size())};
}

Error input_error(std::string_view source, std::string detail) {
    return make_error(ErrorCategory::input,
                      std::string(source) + ": " + std::move(detail));
}

Error internal_error(std::string_view what, int code) {
    return make_error(ErrorCategory::internal,
                      std::string(what) + ": " + gnutls_strerror(code));
}

// ---- DER structure --------------------------------------------------------

namespace tag {
constexpr std::uint8_t integer = 0x02;
constexpr std::uint8_t bit_string = 0x03;
constexpr std::uint8_t octet_string = 0x04;
constexpr std::uint8_t sequence = 0x30;
constexpr std::uint8_t version = 0xa0; // [0] EXPLICIT in TBSCertificate
} // namespace tag

// One DER element: its tag and where its header and content lie.
struct Tlv {
    std::uint8_t tag = 0;
    std::size_t header_size = 0;
    std::size_t content_size = 0;
    // False when the header announces more content than `bytes` holds.
    bool complete = false;

    std::size_t total() const { return header_size + content_size; }
};

// Reads the header of the element at the start of `bytes`. Accepts only
// the definite-length forms DER allows, with lengths up to 4 octets.
std::optional<Tlv> read_tlv(ByteView bytes) {
    if (bytes.size() < 2)
        return std::nullopt;

    Tlv tlv;
    tlv.tag = bytes[0];
    std::uint8_t first = bytes[1];
    if ((tlv.tag & 0x1f) == 0x1f)
        return std::nullopt; // multi-octet tags do not occur here
    if (first < 0x80) {
        tlv.header_size = 2;
        tlv.content_size = first;
    } else {
        std::size_t octets = first & 0x7f;
        if (octets == 0 || octets > 4 || bytes.size() < 2 + octets)
            return std::nullopt;
        std::size_t length = 0;
        for (std::size_t i = 0; i < octets; ++i)
            length = (length << 8) | bytes[2 + i];
        tlv.header_size = 2 + octets;
        tlv.content_size = length;
    }
    tlv.complete = tlv.content_size <= bytes.size() - tlv.header_size;
    return tlv;
}

// The tags of the complete elements directly inside a constructed element's
// content, in order; stops at the first malformed one.
std::vector<std::pair<std::uint8_t, ByteView>> children(ByteView content) {
    std::vector<std::pair<std::uint8_t, ByteView>> result;
    while (!content.empty()) {
        std::optional<Tlv> tlv = read_tlv(content);
        if (!tlv || !tlv->complete)
            break;
        result.emplace_back(tlv->tag, content.first(tlv->total()));
        content = content.subspan(tlv->total());
    }
    return result;
}

ByteView content_of(ByteView element) {
    std::optional<Tlv> tlv = read_tlv(element);
    return element.subspan(tlv->header_size, tlv->content_size);
}

enum class DerKind {
    certificate,
    public_key,
    private_key,
    encrypted_private_key,
    unknown
};

// Classifies a DER object by the tags of its top-level elements:
//   Certificate           SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }
//   SubjectPublicKeyInfo  SEQUENCE { SEQUENCE, BIT STRING }
//   EncryptedPrivateKeyInfo SEQUENCE { SEQUENCE, OCTET STRING }
//   PKCS#8, PKCS#1 RSA, SEC1 EC and DSA private keys start with INTEGER.
DerKind classify_der(ByteView object) {
    auto elements = children(content_of(object));
    if (elements.size() == 3 && elements[0].first == tag::sequence &&
        elements[1].first == tag::sequence &&
        elements[2].first == tag::bit_string)
        return DerKind::certificate;
    if (elements.size() == 2 && elements[0].first == tag::sequence) {
        if (elements[1].first == tag::bit_string)
            return DerKind::public_key;
        if (elements[1].first == tag::octet_string)
            return DerKind::encrypted_private_key;
    }
    if (elements.size() >= 3 && elements[0].first == tag::integer)
        return DerKind::private_key;
    return DerKind::unknown;
}

// The SubjectPublicKeyInfo element of a certificate, copied octet for
// octet, so that TLSA data never depends on re-encoding the key.
std::optional<Bytes> certificate_spki(ByteView certificate) {
    auto outer = children(content_of(certificate));
    if (outer.empty())
        return std::nullopt;
    auto fields = children(content_of(outer[0].second));

    // TBSCertificate: [0] version (optional), serialNumber, signature,
    // issuer, validity, subject, subjectPublicKeyInfo, ...
    std::size_t index = 5;
    if (!fields.empty() && fields[0].first == tag::version)
        index = 6;
    if (fields.size() <= index || fields[index].first != tag::sequence)
        return std::nullopt;
    ByteView spki = fields[index].second;
    return Bytes(spki.begin(), spki.end());
}

// ---- Parsed pieces before assembly ----------------------------------------

struct PemBlock {
    std::string label;
    std::size_t line = 0; // line of the BEGIN boundary, from 1
    Bytes der;
};

struct Pieces {
    std::vector<Bytes> certificates;
    std::vector<Bytes> public_keys;
    std::vector<Bytes> private_keys;
    std::vector<std::string> skipped_labels; // PEM blocks with other labels
    Encoding encoding = Encoding::pem;
};

std::size_t line_number(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i)
        line += text[i] == '\n';
    return line;
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Decodes the base64 body of one PEM block (boundaries included).
Result<Bytes> decode_pem_body(std::string_view block, std::string_view source,
                              std::size_t line) {
    gnutls_datum_t input{
        reinterpret_cast<unsigned char*>(const_cast<char*>(block.data())),
        static_cast<unsigned int>(block.size())};
    Datum output;
    int rc = gnutls_pem_base64_decode2(nullptr, &input, &output.datum);
    if (rc < 0)
        return input_error(source, "invalid base64 in the PEM block at line " +
                                       std::to_string(line));
    Bytes der = output.bytes();
    gnutls_memset(output.datum.data, 0, output.datum.size);
    return der;
}

Status reject_encrypted(std::string_view source, std::size_t line) {
    return input_error(
        source,
        "the private key at line " + std::to_string(line) +
            " is encrypted, which is not supported: decrypt it first with "
            "'openssl pkey -in KEY -out PLAIN.pem' or "
            "'certtool --load-privkey KEY --to-p8 --null-password', or "
            "give the certificate or public key instead");
}

// Splits PEM text into blocks. Text before a BEGIN line is explanatory
// text, which parsers must tolerate (RFC 7468 section 2). Anything but
// white space after the last END line is rejected as trailing data.
Result<std::vector<PemBlock>> split_pem(std::string_view text,
                                        std::string_view source) {
    static constexpr std::string_view begin_marker = "-----BEGIN ";
    std::vector<PemBlock> blocks;
    std::size_t position = 0;

    while (true) {
        std::size_t begin = text.find(begin_marker, position);
        if (begin == std::string_view::npos)
            break;
        std::size_t line = line_number(text, begin);
        std::size_t label_start = begin + begin_marker.size();
        std::size_t label_end = text.find("-----", label_start);
        std::size_t eol = text.find('\n', label_start);
        if (label_end == std::string_view::npos || label_end > eol)
            return input_error(source, "malformed PEM BEGIN line at line " +
                                           std::to_string(line));
        std::string label(text.substr(label_start, label_end - label_start));

        std::string end_line = "-----END " + label + "-----";
        std::size_t end = text.find(end_line, label_end);
        if (end == std::string_view::npos)
            return input_error(source,
                               "the PEM block '" + label + "' at line " +
                                   std::to_string(line) +
                                   " has no END line (truncated file?)");
        std::size_t after = end + end_line.size();
        std::string_view block = text.substr(begin, after - begin);

        bool encrypted =
            label == "ENCRYPTED PRIVATE KEY" ||
            block.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
        if (encrypted)
            return reject_encrypted(source, line).error();

        Result<Bytes> der = decode_pem_body(block, source, line);
        if (!der)
            return der.error();
        blocks.push_back(PemBlock{std::move(label), line, std::move(*der)});
        position = after;
    }

    if (blocks.empty())
        return input_error(source, "no PEM block found (the file contains "
                                   "'-----BEGIN' but no complete block)");
    if (!is_blank(text.substr(position)))
        return input_error(
            source,
            "unexpected data after the last PEM block, at "
            "line " +
                std::to_string(line_number(
                    text, text.find_first_not_of(" \t\r\n", position))));
    return blocks;
}

// Checks that a decoded PEM body is exactly one DER element.
Status check_single_der(const Bytes& der, std::string_view source,
                        const PemBlock& block) {
    std::optional<Tlv> tlv = read_tlv(der);
    std::string where = "the PEM block '" + block.label + "' at line " +
                        std::to_string(block.line);
    if (!tlv || tlv->tag != tag::sequence)
        return input_error(source, where + " does not contain DER data");
    if (!tlv->complete)
        return input_error(source, where + " contains truncated DER data");
    return Ok{};
}

Status sort_pem_block(PemBlock& block, std::string_view source,
                      Pieces& pieces) {
    const std::string& label = block.label;
    bool known = label == "CERTIFICATE" || label == "X509 CERTIFICATE" ||
                 label == "TRUSTED CERTIFICATE" || label == "PUBLIC KEY" ||
                 label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" ||
                 label == "EC PRIVATE KEY" || label == "DSA PRIVATE KEY";
    if (label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST")
        return input_error(source,
                           "line " + std::to_string(block.line) +
                               " holds a certificate request, not a "
                               "certificate: use the issued certificate, or "
                               "extract the public key with 'openssl req -in "
                               "FILE -pubkey -noout'");
    if (label == "RSA PUBLIC KEY")
        return input_error(source,
                           "line " + std::to_string(block.line) +
                               " holds a PKCS#1 RSA public key: convert it to "
                               "SubjectPublicKeyInfo with 'openssl rsa "
                               "-RSAPublicKey_in -in FILE -pubout'");
    if (!known) {
        pieces.skipped_labels.push_back(label);
        return Ok{};
    }

    Status single = check_single_der(block.der, source, block);
    if (!single)
        return single;

    // OpenSSL's TRUSTED CERTIFICATE appends trust settings after the
    // certificate; keep only the certificate element.
    if (label == "TRUSTED CERTIFICATE")
        block.der.resize(read_tlv(block.der)->total());

    if (label.ends_with("CERTIFICATE"))
        pieces.certificates.push_back(std::move(block.der));
    else if (label == "PUBLIC KEY")
        pieces.public_keys.push_back(std::move(block.der));
    else
        pieces.private_keys.push_back(std::move(block.der));
    return Ok{};
}

Result<Pieces> read_pem(std::string_view text, std::string_view source) {
    Result<std::vector<PemBlock>> blocks = split_pem(text, source);
    if (!blocks)
        return blocks.error();

    Pieces pieces;
    for (PemBlock& block : *blocks) {
        Status sorted = sort_pem_block(block, source, pieces);
        if (!sorted)
            return sorted.error();
    }
    return pieces;
}

Result<Pieces> read_der(ByteView bytes, std::string_view source) {
    std::optional<Tlv> tlv = read_tlv(bytes);
    if (!tlv || tlv->tag != tag::sequence)
        return input_error(source,
                           "not a certificate or key: neither PEM (no "
                           "'-----BEGIN' line) nor DER (no ASN.1 SEQUENCE at "
                           "the start)");
    if (!tlv->complete)
        return input_error(source,
                           "truncated DER: the outer SEQUENCE announces " +
                               std::to_string(tlv->total()) +
                               " octets but the input has " +
                               std::to_string(bytes.size()));
    if (tlv->total() != bytes.size())
        return input_error(source, std::to_string(bytes.size() - tlv->total()) +
                                       " octets of trailing data after the DER "
                                       "object of " +
                                       std::to_string(tlv->total()) +
                                       " octets");

    Pieces pieces;
    pieces.encoding = Encoding::der;
    Bytes der(bytes.begin(), bytes.end());
    switch (classify_der(bytes)) {
    case DerKind::certificate:
        pieces.certificates.push_back(std::move(der));
        break;
    case DerKind::public_key:
        pieces.public_keys.push_back(std::move(der));
        break;
    case DerKind::private_key:
        pieces.private_keys.push_back(std::move(der));
        break;
    case DerKind::encrypted_private_key:
        return reject_encrypted(source, 1).error();
    case DerKind::unknown:
        return input_error(source, "the DER object is not an X.509 "
                                   "certificate, a public key or a private "
                                   "key");
    }
    return pieces;
}

// ---- Facts about keys and certificates ------------------------------------

std::string curve_name(gnutls_ecc_curve_t curve) {
    switch (curve) {
    case GNUTLS_ECC_CURVE_SECP256R1:
        return "P-256";
    case GNUTLS_ECC_CURVE_SECP384R1:
        return "P-384";
    case GNUTLS_ECC_CURVE_SECP521R1:
        return "P-521";
    default: {
        const char* name = gnutls_ecc_curve_get_name(curve);
        return name ? name : "unknown curve";
    }
    }
}

// Names an algorithm with its size; `curve` is used for ECDSA only.
KeyInfo key_info(int algorithm, unsigned bits, gnutls_ecc_curve_t curve) {
    KeyInfo info;
    info.bits = bits;
    switch (algorithm) {
    case GNUTLS_PK_RSA:
        info.algorithm = "RSA";
        break;
    case GNUTLS_PK_RSA_PSS:
        info.algorithm = "RSA-PSS";
        break;
    case GNUTLS_PK_DSA:
        info.algorithm = "DSA";
        break;
    case GNUTLS_PK_EDDSA_ED25519:
        info.algorithm = "Ed25519";
        break;
    case GNUTLS_PK_EDDSA_ED448:
        info.algorithm = "Ed448";
        break;
    case GNUTLS_PK_ECDSA:
        info.algorithm = "ECDSA";
        info.curve = curve_name(curve);
        break;
    default: {
        const char* name = gnutls_pk_algorithm_get_name(
            static_cast<gnutls_pk_algorithm_t>(algorithm));
        info.algorithm = name ? name : "unknown";
    }
    }
    return info;
}

KeyInfo describe_key(gnutls_pubkey_t key) {
    unsigned bits = 0;
    int algorithm = gnutls_pubkey_get_pk_algorithm(key, &bits);
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (algorithm == GNUTLS_PK_ECDSA) {
        Datum x, y;
        gnutls_pubkey_export_ecc_raw2(key, &curve, &x.datum, &y.datum, 0);
    }
    return key_info(algorithm, bits, curve);
}

// The same facts read from a certificate, which saves importing its key
// a second time. GnuTLS reports an ECDSA key's size as its curve's, so the
// curve is only exported when the size leaves it open.
KeyInfo describe_key(gnutls_x509_crt_t crt) {
    unsigned bits = 0;
    int algorithm = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (algorithm == GNUTLS_PK_ECDSA) {
        if (bits == 256)
            curve = GNUTLS_ECC_CURVE_SECP256R1;
        else if (bits == 384)
            curve = GNUTLS_ECC_CURVE_SECP384R1;
        else if (bits == 521)
            curve = GNUTLS_ECC_CURVE_SECP521R1;
        else {
            Datum x, y;
            gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x.datum, &y.datum);
        }
    }
    return key_info(algorithm, bits, curve);
}

Result<PubkeyHandle> import_spki(ByteView der, std::string_view source) {
    gnutls_pubkey_t raw = nullptr;
    int rc = gnutls_pubkey_init(&raw);
    if (rc < 0)
        return internal_error("initialising a public key", rc);
    PubkeyHandle key(raw);
    gnutls_datum_t input = datum_of(der);
    rc = gnutls_pubkey_import(key.get(), &input, GNUTLS_X509_FMT_DER);
    if (rc < 0)
        return input_error(source, std::string("invalid public key: ") +
                                       gnutls_strerror(rc));
    return key;
}

// Derives the SPKI of a private key. The key's octets are wiped by the
// caller; GnuTLS clears its own copy when the handle is released.
Result<Bytes> spki_from_private_key(ByteView der, std::string_view source) {
    gnutls_x509_privkey_t raw_x509 = nullptr;
    int rc = gnutls_x509_privkey_init(&raw_x509);
    if (rc < 0)
        return internal_error("initialising a private key", rc);
    X509PrivkeyHandle x509_key(raw_x509);

    gnutls_datum_t input = datum_of(der);
    rc = gnutls_x509_privkey_import2(x509_key.get(), &input,
                                     GNUTLS_X509_FMT_DER, nullptr, 0);
    if (rc < 0)
        return input_error(source, std::string("invalid private key: ") +
                                       gnutls_strerror(rc));

    gnutls_privkey_t raw_key = nullptr;
    gnutls_pubkey_t raw_public = nullptr;
    if ((rc = gnutls_privkey_init(&raw_key)) < 0)
        return internal_error("initialising a private key", rc);
    PrivkeyHandle key(raw_key);
    if ((rc = gnutls_pubkey_init(&raw_public)) < 0)
        return internal_error("initialising a public key", rc);
    PubkeyHandle public_key(raw_public);

    rc = gnutls_privkey_import_x509(key.get(), x509_key.get(), 0);
    if (rc >= 0)
        rc = gnutls_pubkey_import_privkey(public_key.get(), key.get(), 0, 0);
    if (rc < 0)
        return input_error(source,
                           std::string("cannot derive the public key from "
                                       "the private key: ") +
                               gnutls_strerror(rc));

    Datum spki;
    rc = gnutls_pubkey_export2(public_key.get(), GNUTLS_X509_FMT_DER,
                               &spki.datum);
    if (rc < 0)
        return internal_error("exporting the public key", rc);
    return spki.bytes();
}

std::vector<std::string> dns_names(gnutls_x509_crt_t crt) {
    std::vector<std::string> names;
    for (unsigned index = 0;; ++index) {
        char buffer[512];
        std::size_t size = sizeof buffer;
        unsigned type = 0;
        int rc = gnutls_x509_crt_get_subject_alt_name2(crt, index, buffer,
                                                       &size, &type, nullptr);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue; // longer than any DNS name can be
        if (rc < 0)
            break;
        if (rc == GNUTLS_SAN_DNSNAME)
            names.emplace_back(buffer, size);
    }
    return names;
}

Result<std::string> distinguished_name(gnutls_x509_crt_t crt, bool issuer) {
    Datum dn;
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn.datum, 0)
                    : gnutls_x509_crt_get_dn3(crt, &dn.datum, 0);
    // An empty name is legal: RFC 5280 section 4.1.2.6 allows an empty
    // subject when a critical subjectAltName names the entity. GnuTLS
    // reports it with either of these codes.
    if (rc == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND ||
        rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        return std::string();
    if (rc < 0)
        return internal_error("reading a distinguished name", rc);
    return dn.text();
}

Result<CrtHandle> import_certificate(ByteView der, std::string_view source,
                                     std::size_t position) {
    gnutls_x509_crt_t raw = nullptr;
    int rc = gnutls_x509_crt_init(&raw);
    if (rc < 0)
        return internal_error("initialising a certificate", rc);
    CrtHandle crt(raw);
    gnutls_datum_t input = datum_of(der);
    rc = gnutls_x509_crt_import(crt.get(), &input, GNUTLS_X509_FMT_DER);
    if (rc < 0)
        return input_error(source, "certificate " + std::to_string(position) +
                                       " is invalid: " + gnutls_strerror(rc));
    return crt;
}

Status fill_names(gnutls_x509_crt_t crt, CertificateInfo& info,
                  bool all_names) {
    Result<std::string> subject = distinguished_name(crt, false);
    if (!subject)
        return subject.error();
    info.subject = std::move(*subject);
    info.self_issued = gnutls_x509_crt_check_issuer(crt, crt) == 1;
    if (!all_names)
        return Ok{};

    Result<std::string> issuer = distinguished_name(crt, true);
    if (!issuer)
        return issuer.error();
    info.issuer = std::move(*issuer);
    info.dns_names = dns_names(crt);
    return Ok{};
}

Result<CertificateInfo> describe_certificate(gnutls_x509_crt_t crt, Bytes der,
                                             std::string_view source,
                                             std::size_t position,
                                             bool all_names) {
    CertificateInfo info;
    std::optional<Bytes> spki = certificate_spki(der);
    if (!spki)
        return input_error(source, "certificate " + std::to_string(position) +
                                       " has no readable public key");
    info.spki_der = std::move(*spki);
    info.der = std::move(der);

    Status named = fill_names(crt, info, all_names);
    if (!named)
        return named.error();

    info.sha256.resize(32);
    int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, info.der.data(),
                              info.der.size(), info.sha256.data());
    if (rc < 0)
        return internal_error("hashing a certificate", rc);

    info.not_before = gnutls_x509_crt_get_activation_time(crt);
    info.not_after = gnutls_x509_crt_get_expiration_time(crt);

    unsigned critical = 0, ca = 0;
    int path_length = 0;
    info.is_ca = gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca,
                                                       &path_length) >= 0 &&
                 ca != 0;

    info.key = describe_key(crt);
    return info;
}

// Whether the issuer name of `child` equals the subject of `parent`,
// compared as DER octets.
bool same_name(gnutls_x509_crt_t child, gnutls_x509_crt_t parent) {
    gnutls_datum_t issuer{nullptr, 0};
    gnutls_datum_t subject{nullptr, 0};
    if (gnutls_x509_crt_get_raw_issuer_dn(child, &issuer) < 0)
        return false;
    bool same = gnutls_x509_crt_get_raw_dn(parent, &subject) >= 0 &&
                issuer.size == subject.size &&
                std::memcmp(issuer.data, subject.data, issuer.size) == 0;
    gnutls_free(issuer.data);
    gnutls_free(subject.data);
    return same;
}

// Why certificate `child` is not issued by `parent`, or an empty string
// when it is: the issuer name must match and the signature must verify
// with the parent's key. Validity dates and key usage are not checked.
std::string issuance_problem(gnutls_x509_crt_t child, gnutls_x509_crt_t parent,
                             std::size_t child_position) {
    std::string pair = "certificate " + std::to_string(child_position) +
                       " is not issued by certificate " +
                       std::to_string(child_position + 1);
    if (!same_name(child, parent))
        return pair + ": its issuer name differs from the next subject";
    if (gnutls_x509_crt_check_issuer(child, parent) != 1)
        return pair + ": its authority key identifier differs from the next "
                      "subject key identifier";

    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                     GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                     GNUTLS_VERIFY_ALLOW_BROKEN |
                     GNUTLS_VERIFY_ALLOW_X509_V1_CA_CRT;
    int rc = gnutls_x509_crt_verify(child, &parent, 1, flags, &status);
    if (rc < 0 || (status & GNUTLS_CERT_SIGNATURE_FAILURE))
        return pair + ": the signature does not verify with the next key";
    if (status & GNUTLS_CERT_SIGNER_NOT_CA)
        return pair + ": the next certificate is not a CA";
    return "";
}

Status add_certificates(const std::vector<Bytes>& ders, std::string_view source,
                        bool all_names, Credential& credential) {
    std::vector<CrtHandle> handles;
    for (std::size_t i = 0; i < ders.size(); ++i) {
        Result<CrtHandle> crt = import_certificate(ders[i], source, i);
        if (!crt)
            return crt.error();
        Result<CertificateInfo> info =
            describe_certificate(crt->get(), ders[i], source, i, all_names);
        if (!info)
            return info.error();
        credential.certificates.push_back(std::move(*info));
        handles.push_back(std::move(*crt));
    }

    for (std::size_t i = 0; i + 1 < handles.size(); ++i) {
        std::string problem =
            issuance_problem(handles[i].get(), handles[i + 1].get(), i);
        if (!problem.empty()) {
            credential.chains = false;
            credential.chain_problem = std::move(problem);
            break;
        }
    }

    const CertificateInfo& leaf = credential.certificates.front();
    credential.spki_der = leaf.spki_der;
    credential.key = leaf.key;
    return Ok{};
}

Status set_public_key(Bytes spki, std::string_view source,
                      Credential& credential) {
    Result<PubkeyHandle> key = import_spki(spki, source);
    if (!key)
        return key.error();
    credential.key = describe_key(key->get());
    credential.spki_der = std::move(spki);
    return Ok{};
}

// ---- Choosing what the file provides --------------------------------------

std::string list_labels(const std::vector<std::string>& labels) {
    std::string text;
    for (const std::string& label : labels)
        text += (text.empty() ? "" : ", ") + label;
    return text;
}

Error nothing_found(const Pieces& pieces, std::string_view source) {
    std::string detail = "no certificate or key found";
    if (!pieces.skipped_labels.empty())
        detail +=
            " (PEM blocks present: " + list_labels(pieces.skipped_labels) + ")";
    return input_error(source, detail);
}

Error wrong_kind(std::string_view source, const LoadOptions& options,
                 const Pieces& pieces) {
    const KindOptions& kinds = options.kind_options;
    std::string found = "a public key";
    std::string option = kinds.public_key;
    if (!pieces.certificates.empty()) {
        found = "a certificate";
        option = kinds.certificates;
    } else if (!pieces.private_keys.empty()) {
        found = "a private key";
        option = kinds.private_key;
    }
    std::string expected_text =
        options.expected == ExpectedKind::certificates ? "a certificate"
        : options.expected == ExpectedKind::public_key ? "a public key"
                                                       : "a private key";

    std::string detail = "expected " + expected_text + " but found " + found;
    if (!option.empty())
        detail += ": pass it with " + option + " instead";
    return input_error(source, detail);
}

Result<CredentialKind> choose_kind(const Pieces& pieces,
                                   const LoadOptions& options,
                                   std::string_view source) {
    bool has_certificates = !pieces.certificates.empty();
    bool has_public = !pieces.public_keys.empty();
    bool has_private = !pieces.private_keys.empty();

    switch (options.expected) {
    case ExpectedKind::any:
        if (has_certificates)
            return CredentialKind::certificates;
        if (has_private)
            return CredentialKind::private_key;
        if (has_public)
            return CredentialKind::public_key;
        return nothing_found(pieces, source);
    case ExpectedKind::certificates:
        if (has_certificates)
            return CredentialKind::certificates;
        break;
    case ExpectedKind::public_key:
        if (has_public)
            return CredentialKind::public_key;
        break;
    case ExpectedKind::private_key:
        if (has_private)
            return CredentialKind::private_key;
        break;
    }
    if (!has_certificates && !has_public && !has_private)
        return nothing_found(pieces, source);
    return wrong_kind(source, options, pieces);
}

Status check_one_key(const std::vector<Bytes>& keys, std::string_view what,
                     std::string_view source) {
    if (keys.size() == 1)
        return Ok{};
    return input_error(source, "contains " + std::to_string(keys.size()) + " " +
                                   std::string(what) +
                                   "s: give one key per file");
}

void wipe(std::vector<Bytes>& secrets) {
    for (Bytes& secret : secrets)
        gnutls_memset(secret.data(), 0, secret.size());
}

Status assemble(Pieces& pieces, const LoadOptions& options,
                std::string_view source, Credential& credential) {
    Result<CredentialKind> kind = choose_kind(pieces, options, source);
    if (!kind)
        return kind.error();
    credential.kind = *kind;

    if (*kind == CredentialKind::certificates)
        return add_certificates(pieces.certificates, source, options.all_names,
                                credential);

    if (*kind == CredentialKind::public_key) {
        Status one = check_one_key(pieces.public_keys, "public key", source);
        if (!one)
            return one;
        return set_public_key(std::move(pieces.public_keys[0]), source,
                              credential);
    }

    Status one = check_one_key(pieces.private_keys, "private key", source);
    if (!one)
        return one;
    Result<Bytes> spki = spki_from_private_key(pieces.private_keys[0], source);
    if (!spki)
        return spki.error();
    return set_public_key(std::move(*spki), source, credential);
}

bool looks_like_pem(ByteView bytes) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
    return text.find("-----BEGIN ") != std::string_view::npos;
}

Error too_large(std::string_view source, std::size_t limit) {
    return input_error(source, "larger than the limit of " +
                                   std::to_string(limit) +
                                   " octets for a credential file; raise it "
                                   "with --max-input-size if this is expected");
}

Result<Bytes> read_stream(std::FILE* stream, std::string_view source,
                          std::size_t limit) {
    Bytes bytes;
    std::uint8_t buffer[16384];
    while (true) {
        std::size_t count = std::fread(buffer, 1, sizeof buffer, stream);
        bytes.insert(bytes.end(), buffer, buffer + count);
        if (bytes.size() > limit) {
            gnutls_memset(bytes.data(), 0, bytes.size());
            return too_large(source, limit);
        }
        if (count < sizeof buffer)
            break;
    }
    if (std::ferror(stream))
        return input_error(source,
                           std::string("read failed: ") + std::strerror(errno));
    return bytes;
}

Result<Bytes> read_file(const std::string& path, std::size_t limit) {
    namespace fs = std::filesystem;
    std::error_code code;
    fs::file_status status = fs::status(path, code);
    if (status.type() == fs::file_type::not_found)
        return input_error(path, "no such file");
    if (status.type() == fs::file_type::directory)
        return input_error(path, "is a directory, not a credential file");

    std::FILE* stream = std::fopen(path.c_str(), "rb");
    if (stream == nullptr)
        return input_error(path,
                           std::string("cannot open: ") + std::strerror(errno));
    Result<Bytes> bytes = read_stream(stream, path, limit);
    std::fclose(stream);
    return bytes;
}

} // namespace

std::string KeyInfo::description() const {
    if (!curve.empty())
        return algorithm + " " + curve;
    if (algorithm == "Ed25519" || algorithm == "Ed448")
        return algorithm;
    return algorithm + " " + std::to_string(bits);
}

Result<Credential> parse_credential(std::span<const std::uint8_t> bytes,
                                    std::string_view source,
                                    const LoadOptions& options) {
    if (bytes.size() > options.max_size)
        return too_large(source, options.max_size);
    std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
    if (is_blank(text))
        return input_error(source, "is empty");

    Result<Pieces> pieces = looks_like_pem(bytes) ? read_pem(text, source)
                                                  : read_der(bytes, source);
    if (!pieces)
        return pieces.error();

    Credential credential;
    credential.source = std::string(source);
    credential.encoding = pieces->encoding;
    Status assembled = assemble(*pieces, options, source, credential);
    wipe(pieces->private_keys);
    if (!assembled)
        return assembled.error();
    return credential;
}

Result<Credential> load_credential(const std::string& path,
                                   const LoadOptions& options) {
    bool from_stdin = path == "-";
    std::string source = from_stdin ? "standard input" : path;
    Result<Bytes> bytes = from_stdin
                              ? read_stream(stdin, source, options.max_size)
                              : read_file(path, options.max_size);
    if (!bytes)
        return bytes.error();

    Result<Credential> credential = parse_credential(*bytes, source, options);
    gnutls_memset(bytes->data(), 0, bytes->size());
    return credential;
}

Validity check_validity(const CertificateInfo& certificate, std::int64_t now) {
    if (now < certificate.not_before)
        return Validity::not_yet_valid;
    if (now > certificate.not_after)
        return Validity::expired;
    return Validity::valid;
}

} // namespace dance
