// Credential loading. Expected digests were computed independently with
// the openssl command line from the files in examples/devices/ and
// tests/data/credential/, for example:
//   openssl x509 -in sensor1.pem -outform DER | openssl dgst -sha256
#include "dance/credential.hpp"
#include "dance/hex.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using dance::Credential;
using dance::CredentialKind;
using dance::ErrorCategory;
using dance::ExpectedKind;
using dance::LoadOptions;
using dance::Result;

namespace {

const std::string source_root = DANCE_SOURCE_ROOT;
const std::string devices = source_root + "/examples/devices/";
const std::string data = source_root + "/tests/data/credential/";

constexpr const char* sensor1_cert_sha256 =
    "22ac9b356066805f86b25c741180f6e87e8414521d0ef77bdce8fe25b85d4ae8";
constexpr const char* ca_cert_sha256 =
    "87fca2a99b279000df262ee84cfdbd1770ad3260baf32eefbfb0c3e3e39f9ae6";
constexpr const char* gateway_cert_sha256 =
    "51c6c2e92114c80867d667136429a72b83824ceabf5d807835709f62f715d5b0";

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

Result<Credential> parse(const std::vector<std::uint8_t>& bytes,
                         ExpectedKind expected = ExpectedKind::any) {
    LoadOptions options;
    options.expected = expected;
    return dance::parse_credential(bytes, "input.pem", options);
}

} // namespace

TEST_CASE("PEM certificate facts") {
    Result<Credential> loaded = dance::load_credential(devices + "sensor1.pem");
    REQUIRE(loaded.ok());
    const Credential& credential = *loaded;
    CHECK(credential.kind == CredentialKind::certificates);
    CHECK(credential.encoding == dance::Encoding::pem);
    REQUIRE(credential.certificates.size() == 1);

    const dance::CertificateInfo& leaf = *credential.leaf();
    CHECK(dance::to_hex(leaf.sha256) == sensor1_cert_sha256);
    CHECK(leaf.subject ==
          "CN=sensor1._device.example.com,O=Example Devices Ltd");
    CHECK(leaf.issuer ==
          "CN=Example Devices Ltd device CA,O=Example Devices Ltd");
    REQUIRE(leaf.dns_names.size() == 1);
    CHECK(leaf.dns_names[0] == "sensor1._device.example.com");
    CHECK_FALSE(leaf.is_ca);
    CHECK_FALSE(leaf.self_issued);
    CHECK(leaf.key.description() == "ECDSA P-256");
    CHECK(leaf.key.bits == 256);
    CHECK(leaf.not_after - leaf.not_before == 3650LL * 86400);
    CHECK(credential.spki_der == leaf.spki_der);
    CHECK(credential.chains);
}

TEST_CASE("DER and PEM give the same certificate") {
    Result<Credential> pem = dance::load_credential(devices + "gateway.pem");
    Result<Credential> der = dance::load_credential(data + "gateway.der");
    REQUIRE(pem.ok());
    REQUIRE(der.ok());
    CHECK(der->encoding == dance::Encoding::der);
    CHECK(pem->certificates[0].der == der->certificates[0].der);
    CHECK(dance::to_hex(der->certificates[0].sha256) == gateway_cert_sha256);
    CHECK(der->key.description() == "RSA 2048");
}

TEST_CASE("bundle kept in order and chains") {
    Result<Credential> loaded =
        dance::load_credential(devices + "sensor1-chain.pem");
    REQUIRE(loaded.ok());
    REQUIRE(loaded->certificates.size() == 2);
    CHECK(dance::to_hex(loaded->certificates[0].sha256) == sensor1_cert_sha256);
    CHECK(dance::to_hex(loaded->certificates[1].sha256) == ca_cert_sha256);
    CHECK(loaded->certificates[1].is_ca);
    CHECK(loaded->certificates[1].self_issued);
    CHECK(loaded->chains);
    CHECK(loaded->chain_problem.empty());
}

TEST_CASE("bundle in wrong order does not chain") {
    std::vector<std::uint8_t> bytes = read_bytes(devices + "ca.pem");
    std::vector<std::uint8_t> leaf = read_bytes(devices + "sensor1.pem");
    bytes.insert(bytes.end(), leaf.begin(), leaf.end());
    Result<Credential> loaded = parse(bytes);
    REQUIRE(loaded.ok());
    CHECK_FALSE(loaded->chains);
    CHECK(loaded->chain_problem ==
          "certificate 0 is not issued by certificate 1: its issuer name "
          "differs from the next subject");
}

TEST_CASE("bundle with a wrong issuer key does not chain") {
    // impostor-ca.pem has the example CA's name but another key.
    std::vector<std::uint8_t> bytes = read_bytes(devices + "sensor1.pem");
    std::vector<std::uint8_t> impostor = read_bytes(data + "impostor-ca.pem");
    bytes.insert(bytes.end(), impostor.begin(), impostor.end());
    Result<Credential> loaded = parse(bytes);
    REQUIRE(loaded.ok());
    CHECK_FALSE(loaded->chains);
    CHECK(loaded->chain_problem ==
          "certificate 0 is not issued by certificate 1: its authority key "
          "identifier differs from the next subject key identifier");
}

TEST_CASE("bare public key in PEM and DER") {
    Result<Credential> pem = dance::load_credential(data + "camera-spki.pem");
    Result<Credential> der = dance::load_credential(data + "camera-spki.der");
    REQUIRE(pem.ok());
    REQUIRE(der.ok());
    CHECK(pem->kind == CredentialKind::public_key);
    CHECK(pem->is_bare_key());
    CHECK(pem->leaf() == nullptr);
    CHECK(pem->spki_der == der->spki_der);
    CHECK(pem->key.description() == "Ed25519");

    Result<Credential> certificate =
        dance::load_credential(devices + "camera.pem");
    REQUIRE(certificate.ok());
    CHECK(certificate->spki_der == pem->spki_der);
}

TEST_CASE("private keys in every form give the certificate's SPKI") {
    struct Case {
        std::string key;
        std::string certificate;
        const char* description;
    };
    const Case cases[] = {
        {devices + "sensor1.key", devices + "sensor1.pem", "ECDSA P-256"},
        {devices + "gateway.key", devices + "gateway.pem", "RSA 2048"},
        {devices + "camera.key", devices + "camera.pem", "Ed25519"},
        {data + "gateway-rsa-traditional.pem", devices + "gateway.pem",
         "RSA 2048"},
        {data + "sensor1-ec-traditional.pem", devices + "sensor1.pem",
         "ECDSA P-256"},
        {data + "sensor1-pkcs8.der", devices + "sensor1.pem", "ECDSA P-256"},
        {data + "camera-pkcs8.der", devices + "camera.pem", "Ed25519"},
    };
    for (const Case& test : cases) {
        CAPTURE(test.key);
        Result<Credential> key = dance::load_credential(test.key);
        Result<Credential> certificate =
            dance::load_credential(test.certificate);
        REQUIRE(key.ok());
        REQUIRE(certificate.ok());
        CHECK(key->kind == CredentialKind::private_key);
        CHECK(key->spki_der == certificate->spki_der);
        CHECK(key->key.description() == test.description);
    }
}

TEST_CASE("expected kind mismatch names no tool") {
    Result<Credential> loaded = dance::load_credential(
        devices + "sensor1.key", LoadOptions{ExpectedKind::certificates});
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().category == ErrorCategory::input);
    CHECK(loaded.error().message ==
          devices +
              "sensor1.key: expected a certificate but found a private key");
}

TEST_CASE("expected kind mismatch names the caller's option") {
    LoadOptions options{ExpectedKind::certificates};
    options.kind_options = {"--cert", "--pubkey", "--key"};
    Result<Credential> key =
        dance::load_credential(devices + "sensor1.key", options);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().message ==
          devices +
              "sensor1.key: expected a certificate but found a private key: "
              "pass it with --key instead");

    options.expected = ExpectedKind::private_key;
    Result<Credential> certificate =
        dance::load_credential(devices + "sensor1.pem", options);
    REQUIRE_FALSE(certificate.ok());
    CHECK(certificate.error().message ==
          devices +
              "sensor1.pem: expected a private key but found a certificate: "
              "pass it with --cert instead");
}

TEST_CASE("certificate and key in one file") {
    std::vector<std::uint8_t> bytes = read_bytes(devices + "sensor1.pem");
    std::vector<std::uint8_t> key = read_bytes(devices + "sensor1.key");
    bytes.insert(bytes.end(), key.begin(), key.end());

    Result<Credential> as_any = parse(bytes);
    REQUIRE(as_any.ok());
    CHECK(as_any->kind == CredentialKind::certificates);

    Result<Credential> as_key = parse(bytes, ExpectedKind::private_key);
    REQUIRE(as_key.ok());
    CHECK(as_key->kind == CredentialKind::private_key);
    CHECK(as_key->spki_der == as_any->spki_der);
}

TEST_CASE("bad inputs give input errors naming the problem") {
    std::vector<std::uint8_t> der = read_bytes(data + "gateway.der");
    std::vector<std::uint8_t> truncated(der.begin(), der.end() - 10);
    std::vector<std::uint8_t> trailing = der;
    trailing.push_back(0);
    trailing.push_back(1);
    std::vector<std::uint8_t> pem_junk = read_bytes(devices + "sensor1.pem");
    for (char c : std::string_view("junk after the block\n"))
        pem_junk.push_back(static_cast<std::uint8_t>(c));
    std::vector<std::uint8_t> pem = read_bytes(devices + "sensor1.pem");
    std::vector<std::uint8_t> pem_cut(pem.begin(), pem.begin() + 200);

    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        std::string message;
    };
    const Case cases[] = {
        {"empty", {}, "input.pem: is empty"},
        {"white space", bytes_of(" \n\t\n"), "input.pem: is empty"},
        {"garbage", bytes_of("hello world"),
         "input.pem: not a certificate or key: neither PEM (no '-----BEGIN' "
         "line) nor DER (no ASN.1 SEQUENCE at the start)"},
        {"truncated DER", truncated,
         "input.pem: truncated DER: the outer SEQUENCE announces 744 octets "
         "but the input has 734"},
        {"trailing DER", trailing,
         "input.pem: 2 octets of trailing data after the DER object of 744 "
         "octets"},
        {"trailing PEM", pem_junk,
         "input.pem: unexpected data after the last PEM block, at line 15"},
        {"truncated PEM", pem_cut,
         "input.pem: the PEM block 'CERTIFICATE' at line 1 has no END line "
         "(truncated file?)"},
        {"CRL only",
         bytes_of("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"),
         "input.pem: no certificate or key found (PEM blocks present: X509 "
         "CRL)"},
        {"bad base64",
         bytes_of("-----BEGIN CERTIFICATE-----\n!!!!\n"
                  "-----END CERTIFICATE-----\n"),
         "input.pem: invalid base64 in the PEM block at line 1"},
        {"DER of another type",
         std::vector<std::uint8_t>{0x30, 0x03, 0x02, 0x01, 0x00},
         "input.pem: the DER object is not an X.509 certificate, a public "
         "key or a private key"},
    };
    for (const Case& test : cases) {
        CAPTURE(test.name);
        Result<Credential> loaded = parse(test.bytes);
        REQUIRE_FALSE(loaded.ok());
        CHECK(loaded.error().category == ErrorCategory::input);
        CHECK(loaded.error().message == test.message);
    }
}

TEST_CASE("encrypted private keys are rejected with the fix") {
    const char* files[] = {"sensor1-encrypted-pkcs8.pem",
                           "sensor1-encrypted-pkcs8.der",
                           "sensor1-encrypted-traditional.pem"};
    for (const char* file : files) {
        CAPTURE(file);
        Result<Credential> loaded = dance::load_credential(data + file);
        REQUIRE_FALSE(loaded.ok());
        CHECK(loaded.error().category == ErrorCategory::input);
        CHECK(loaded.error().message.find("is encrypted, which is not "
                                          "supported: decrypt it first with "
                                          "'openssl pkey") !=
              std::string::npos);
    }
}

TEST_CASE("file errors name the file") {
    Result<Credential> missing =
        dance::load_credential(data + "no-such-file.pem");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == data + "no-such-file.pem: no such file");

    Result<Credential> directory = dance::load_credential(data);
    REQUIRE_FALSE(directory.ok());
    CHECK(directory.error().message ==
          data + ": is a directory, not a credential file");
}

TEST_CASE("size limit applies") {
    std::vector<std::uint8_t> bytes = read_bytes(devices + "gateway.pem");
    LoadOptions options;
    options.max_size = 100;
    Result<Credential> loaded =
        dance::parse_credential(bytes, "gateway.pem", options);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message ==
          "gateway.pem: larger than the limit of 100 octets for a credential "
          "file; raise it with --max-input-size if this is expected");
}

TEST_CASE("validity check") {
    dance::CertificateInfo certificate;
    certificate.not_before = 1000;
    certificate.not_after = 2000;
    CHECK(dance::check_validity(certificate, 999) ==
          dance::Validity::not_yet_valid);
    CHECK(dance::check_validity(certificate, 1500) == dance::Validity::valid);
    CHECK(dance::check_validity(certificate, 2001) == dance::Validity::expired);
}
