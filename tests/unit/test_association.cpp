// TLSA association data. Expected values were computed independently with
// the openssl command line from the files in examples/devices/, e.g. for
// SPKI with SHA-256:
//   openssl x509 -in sensor1.pem -pubkey -noout |
//       openssl pkey -pubin -outform DER | openssl dgst -sha256
#include "dance/association.hpp"
#include "dance/credential.hpp"
#include "dance/hex.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using dance::Association;
using dance::AssociationRequest;
using dance::Credential;
using dance::ErrorCategory;
using dance::Result;

namespace {

const std::string devices =
    std::string(DANCE_SOURCE_ROOT) + "/examples/devices/";

constexpr const char* sensor1_cert_sha256 =
    "22ac9b356066805f86b25c741180f6e87e8414521d0ef77bdce8fe25b85d4ae8";
constexpr const char* sensor1_spki_sha256 =
    "8a983d688a660cd01d5acdf01766e237396682735c00354f3be9caf44e60b9a1";
constexpr const char* sensor1_spki_sha512 =
    "153c5cf2efe55b075d98d96d3c5d3edd5f180c39acb2411c25f97215bcc7bfcf"
    "c2e679dab63e8ee6a44458c2139f6aa62b2b5d9b5cb083dd626dab904b868cbf";
constexpr const char* gateway_spki_sha256 =
    "af71d6546c0e7b6d82d4408116495cae5549f9234ed292725850caed9d04f516";
constexpr const char* camera_spki_sha256 =
    "acf72b88190737415646e97b6776b51487c0a3d89e6089777e00523ae76a9611";
constexpr const char* ca_cert_sha256 =
    "87fca2a99b279000df262ee84cfdbd1770ad3260baf32eefbfb0c3e3e39f9ae6";
constexpr const char* ca_spki_sha256 =
    "f8a723288669922d020fc0a28257a91418627b39198ccb1dfd386907b1f4a459";

// 2030-01-01, inside every example certificate's validity period.
constexpr std::int64_t example_now = 1893456000;

Credential load(const std::string& file) {
    Result<Credential> credential = dance::load_credential(devices + file);
    REQUIRE(credential.ok());
    return std::move(*credential);
}

AssociationRequest request(std::uint8_t usage, std::uint8_t selector,
                           std::uint8_t matching_type) {
    AssociationRequest result;
    result.usage = usage;
    result.selector = selector;
    result.matching_type = matching_type;
    return result;
}

std::string data_hex(const Credential& credential,
                     const AssociationRequest& parameters) {
    Result<Association> association =
        dance::compute_association(credential, parameters);
    REQUIRE(association.ok());
    return dance::to_hex(association->record.data);
}

} // namespace

TEST_CASE("DANE-EE SPKI digests of each key type") {
    CHECK(data_hex(load("sensor1.pem"), request(3, 1, 1)) ==
          sensor1_spki_sha256);
    CHECK(data_hex(load("sensor1.pem"), request(3, 1, 2)) ==
          sensor1_spki_sha512);
    CHECK(data_hex(load("gateway.pem"), request(3, 1, 1)) ==
          gateway_spki_sha256);
    CHECK(data_hex(load("camera.pem"), request(3, 1, 1)) == camera_spki_sha256);
}

TEST_CASE("Cert selector hashes the whole certificate") {
    CHECK(data_hex(load("sensor1.pem"), request(3, 0, 1)) ==
          sensor1_cert_sha256);
    CHECK(data_hex(load("sensor1.pem"), request(1, 0, 1)) ==
          sensor1_cert_sha256);
}

TEST_CASE("Full matching type copies the octets") {
    Credential credential = load("sensor1.pem");
    Result<Association> cert_full =
        dance::compute_association(credential, request(3, 0, 0));
    Result<Association> spki_full =
        dance::compute_association(credential, request(3, 1, 0));
    REQUIRE(cert_full.ok());
    REQUIRE(spki_full.ok());
    CHECK(cert_full->record.data == credential.certificates[0].der);
    CHECK(spki_full->record.data == credential.spki_der);
}

TEST_CASE("result names the hashed certificate") {
    Credential chain = load("sensor1-chain.pem");
    Result<Association> leaf =
        dance::compute_association(chain, request(3, 1, 1));
    REQUIRE(leaf.ok());
    REQUIRE(leaf->certificate_index.has_value());
    CHECK(*leaf->certificate_index == 0);
    CHECK(leaf->subject ==
          "CN=sensor1._device.example.com,O=Example Devices Ltd");
    CHECK(dance::to_hex(leaf->sha256) == sensor1_cert_sha256);
}

TEST_CASE("trust-anchor usages hash the top CA") {
    Credential chain = load("sensor1-chain.pem");
    for (std::uint8_t usage : {0, 2}) {
        CAPTURE(usage);
        Result<Association> ca =
            dance::compute_association(chain, request(usage, 0, 1));
        REQUIRE(ca.ok());
        CHECK(*ca->certificate_index == 1);
        CHECK(dance::to_hex(ca->record.data) == ca_cert_sha256);
        CHECK(dance::to_hex(ca->sha256) == ca_cert_sha256);
    }
    CHECK(data_hex(chain, request(2, 1, 1)) == ca_spki_sha256);
    CHECK(data_hex(load("ca.pem"), request(2, 0, 1)) == ca_cert_sha256);
}

TEST_CASE("ca_index picks the element") {
    Credential chain = load("sensor1-chain.pem");
    AssociationRequest parameters = request(2, 0, 1);
    parameters.ca_index = 1;
    CHECK(data_hex(chain, parameters) == ca_cert_sha256);

    parameters.ca_index = 2;
    Result<Association> out_of_range =
        dance::compute_association(chain, parameters);
    REQUIRE_FALSE(out_of_range.ok());
    CHECK(out_of_range.error().category == ErrorCategory::input);
    CHECK(out_of_range.error().message ==
          devices + "sensor1-chain.pem: --ca-index 2 is out of range: the "
                    "bundle has 2 certificate(s), positions 0 (leaf) to 1");
}

TEST_CASE("DANE-TA on a non-CA is rejected unless forced") {
    Credential leaf = load("sensor1.pem");
    Result<Association> rejected =
        dance::compute_association(leaf, request(2, 0, 1));
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.error().category == ErrorCategory::input);
    CHECK(rejected.error().message.find(
              "usage 2 needs a CA certificate, but certificate 0 "
              "(CN=sensor1._device.example.com,O=Example Devices Ltd) is not "
              "a CA") != std::string::npos);

    AssociationRequest forced = request(2, 0, 1);
    forced.force = true;
    CHECK(data_hex(leaf, forced) == sensor1_cert_sha256);

    AssociationRequest leaf_of_chain = request(2, 0, 1);
    leaf_of_chain.ca_index = 0;
    CHECK_FALSE(
        dance::compute_association(load("sensor1-chain.pem"), leaf_of_chain)
            .ok());
}

TEST_CASE("bare keys give SPKI data only") {
    for (const char* file : {"camera.key", "sensor1.key"}) {
        CAPTURE(file);
        Credential key = load(file);
        Credential certificate = load(
            std::string(file).replace(std::string(file).size() - 4, 4, ".pem"));
        CHECK(data_hex(key, request(3, 1, 1)) ==
              data_hex(certificate, request(3, 1, 1)));
        CHECK(data_hex(key, request(3, 1, 2)) ==
              data_hex(certificate, request(3, 1, 2)));
        CHECK(data_hex(key, request(2, 1, 1)) ==
              data_hex(certificate, request(3, 1, 1)));

        Result<Association> whole =
            dance::compute_association(key, request(3, 0, 1));
        REQUIRE_FALSE(whole.ok());
        CHECK(whole.error().category == ErrorCategory::input);
        CHECK(whole.error().message ==
              devices + file +
                  ": selector 0 (Cert) needs a certificate, but the file "
                  "holds a private key: use selector 1 (SPKI), or give the "
                  "certificate with --cert");

        Result<Association> pkix =
            dance::compute_association(key, request(1, 1, 1));
        REQUIRE_FALSE(pkix.ok());
        CHECK(pkix.error().message.find("usage 1 (PKIX) needs a certificate") !=
              std::string::npos);
    }
}

TEST_CASE("unassigned parameters are usage errors") {
    Credential credential = load("sensor1.pem");
    struct Case {
        AssociationRequest parameters;
        const char* message;
    };
    const Case cases[] = {
        {request(4, 1, 1), "usage 4 is not assigned: use 0 (PKIX-TA), 1 "
                           "(PKIX-EE), 2 (DANE-TA) or 3 (DANE-EE)"},
        {request(3, 2, 1),
         "selector 2 is not assigned: use 0 (Cert) or 1 (SPKI)"},
        {request(3, 1, 255), "matching type 255 is not assigned: use 0 "
                             "(Full), 1 (SHA2-256) or 2 (SHA2-512)"},
    };
    for (const Case& test : cases) {
        Result<Association> result =
            dance::compute_association(credential, test.parameters);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().category == ErrorCategory::usage);
        CHECK(result.error().message == test.message);
    }
}

TEST_CASE("warnings for PKIX-EE owner not in SANs") {
    Credential credential = load("sensor1.pem");
    Result<Association> association =
        dance::compute_association(credential, request(1, 1, 1));
    REQUIRE(association.ok());

    Result<dance::Name> listed =
        dance::Name::parse("sensor1._device.example.com");
    Result<dance::Name> other = dance::Name::parse("_smtp.sensor1.example");
    REQUIRE(listed.ok());
    REQUIRE(other.ok());

    CHECK(dance::association_warnings(credential, *association, *listed,
                                      example_now)
              .empty());
    std::vector<std::string> warnings = dance::association_warnings(
        credential, *association, *other, example_now);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("usage 1 requires the client name "
                           "_smtp.sensor1.example to be a dNSName") == 0);
    CHECK(warnings[0].find("publish a usage 3 (DANE-EE) record instead") !=
          std::string::npos);
}

TEST_CASE("DANE-EE has no name warnings") {
    Credential credential = load("sensor1.pem");
    Result<Association> association =
        dance::compute_association(credential, request(3, 1, 1));
    REQUIRE(association.ok());
    Result<dance::Name> other = dance::Name::parse("_smtp.sensor1.example");
    REQUIRE(other.ok());
    CHECK(dance::association_warnings(credential, *association, *other,
                                      example_now)
              .empty());
}

TEST_CASE("validity warnings") {
    Credential credential = load("sensor1.pem");
    std::int64_t after_expiry = credential.certificates[0].not_after + 1;
    std::int64_t before_start = credential.certificates[0].not_before - 1;

    Result<Association> dane_ee =
        dance::compute_association(credential, request(3, 1, 1));
    REQUIRE(dane_ee.ok());
    std::vector<std::string> expired = dance::association_warnings(
        credential, *dane_ee, std::nullopt, after_expiry);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].find("certificate 0 (CN=sensor1._device.example.com,O="
                          "Example Devices Ltd) expired on 2036-") == 0);
    CHECK(expired[0].find("informational: DANE-EE ignores validity dates") !=
          std::string::npos);

    Result<Association> pkix_ee =
        dance::compute_association(credential, request(1, 1, 1));
    REQUIRE(pkix_ee.ok());
    std::vector<std::string> early = dance::association_warnings(
        credential, *pkix_ee, std::nullopt, before_start);
    REQUIRE(early.size() == 1);
    CHECK(early[0].find("is not valid before 2026-") != std::string::npos);
    CHECK(early[0].find("informational") == std::string::npos);
}

TEST_CASE("Cert+Full warning") {
    Credential credential = load("sensor1.pem");
    Result<Association> association =
        dance::compute_association(credential, request(3, 0, 0));
    REQUIRE(association.ok());
    std::vector<std::string> warnings = dance::association_warnings(
        credential, *association, std::nullopt, example_now);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "a Cert+Full record (3 0 0) carries the whole certificate (" +
              std::to_string(credential.certificates[0].der.size()) +
              " octets), which makes large DNS responses: prefer matching "
              "type 1 (SHA2-256)");
}

TEST_CASE("weak RSA key and several dNSNames") {
    // A self-signed RSA 1024 certificate for weak.example and
    // www.weak.example, made with openssl req -x509.
    Result<Credential> loaded = dance::load_credential(
        std::string(DANCE_SOURCE_ROOT) +
        "/tests/data/credential/weak-rsa1024-two-sans.pem");
    REQUIRE(loaded.ok());
    Result<dance::Name> owner = dance::Name::parse("weak.example");
    REQUIRE(owner.ok());

    Result<Association> pkix_ee =
        dance::compute_association(*loaded, request(1, 1, 1));
    REQUIRE(pkix_ee.ok());
    std::vector<std::string> warnings =
        dance::association_warnings(*loaded, *pkix_ee, *owner, example_now);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0] == "certificate 0 (CN=weak.example) has a 1024-bit RSA "
                         "key, below the 2048 bits now considered the "
                         "minimum: replace the key");
    CHECK(warnings[1] ==
          "certificate 0 (CN=weak.example) has 2 dNSNames: the server takes "
          "the one equal to the ClientName the client sends, and rejects the "
          "client when none is");

    Result<Association> dane_ee =
        dance::compute_association(*loaded, request(3, 1, 1));
    REQUIRE(dane_ee.ok());
    CHECK(dance::association_warnings(*loaded, *dane_ee, *owner, example_now)
              .size() == 1);
}

TEST_CASE("bundle out of order warns") {
    // The CA first and the leaf second: the CA would be hashed as the
    // leaf of a DANE-EE record.
    std::vector<std::uint8_t> bytes;
    for (const char* file : {"ca.pem", "sensor1.pem"}) {
        std::ifstream in(devices + file, std::ios::binary);
        bytes.insert(bytes.end(), std::istreambuf_iterator<char>(in), {});
    }
    Result<Credential> loaded = dance::parse_credential(bytes, "bundle.pem");
    REQUIRE(loaded.ok());
    Result<Association> association =
        dance::compute_association(*loaded, request(3, 1, 1));
    REQUIRE(association.ok());
    std::vector<std::string> warnings = dance::association_warnings(
        *loaded, *association, std::nullopt, example_now);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "the bundle does not chain (certificate 0 is not issued by "
          "certificate 1: its issuer name differs from the next subject), so "
          "check that the leaf comes first: the first certificate is taken "
          "as the leaf");
}
