#include "dance/hex.hpp"
#include "dance/tlsa.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using dance::ErrorCategory;
using dance::Name;
using dance::TlsaRecord;

namespace {

// A self-signed ECDSA P-256 certificate made with certtool for these tests,
// and its SubjectPublicKeyInfo.
const char* const certificate_hex =
    "3082015e30820105a0030201020214792683f16d6c6782ec6a6813f0ce4de48f"
    "eafbc9300a06082a8648ce3d040302300f310d300b0603550403130474657374"
    "301e170d3236313230343136323135355a170d3237303130333136323135355a"
    "300f310d300b06035504031304746573743059301306072a8648ce3d02010608"
    "2a8648ce3d030107034200041d437bdd50c1109a46185b07b92b26dccfec7db0"
    "e23ea8e5be70031cf00548da641caa4e8dadd84cc0bf484b33e0b9525ea883d4"
    "17ec2fd11467c68d5da5e3f0a33f303d300c0603551d130101ff04023000300e"
    "0603551d0f0101ff040403020780301d0603551d0e04160414dfe8d9ee6708a8"
    "d31f985581ce7332d87d648e10300a06082a8648ce3d04030203470030440220"
    "6899e1016a132ce59258cfa72a8f496596bceba27453f1c945f1ea6d3e6fc0f8"
    "02202405808403a1869446ff3d5f4620e826a7a50ff8cc17e29aa87a1021548f"
    "6f6a";
const char* const spki_hex =
    "3059301306072a8648ce3d020106082a8648ce3d030107034200041d437bdd50"
    "c1109a46185b07b92b26dccfec7db0e23ea8e5be70031cf00548da641caa4e8d"
    "add84cc0bf484b33e0b9525ea883d417ec2fd11467c68d5da5e3f0";

// SHA2-512 association data of the device example in the DANCE draft.
const char* const sha512_hex =
    "0f8b48ff5fd94117f21b6550aaee89c8d8adbc3f433c8e587a85a14e54667b25"
    "f4dcd8c4ae6162121ea9166984831b57b408534451fd1b9702f8de0532ecd03c";

const char* const sha256_hex =
    "20efa254ecd5b646e701211095bc3fe4423e21941b0b29efb21da57ec944a9b5";

std::vector<std::uint8_t> bytes(const char* hex) {
    auto decoded = dance::decode_hex(hex);
    REQUIRE(decoded.ok());
    return *decoded;
}

TlsaRecord record(std::uint8_t usage, std::uint8_t selector,
                  std::uint8_t matching_type, const char* hex) {
    return TlsaRecord{usage, selector, matching_type, bytes(hex)};
}

Name name(const char* text) {
    auto parsed = Name::parse(text);
    REQUIRE(parsed.ok());
    return *parsed;
}

std::string rdata_error(const std::string& text) {
    auto parsed = dance::parse_tlsa_rdata(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().category == ErrorCategory::input);
    return parsed.error().message;
}

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

} // namespace

TEST_CASE("parameters parse by number") {
    CHECK(*dance::parse_usage("0") == 0);
    CHECK(*dance::parse_usage("3") == 3);
    CHECK(*dance::parse_usage("255") == 255);
    CHECK(*dance::parse_usage("003") == 3);
    CHECK(*dance::parse_selector("1") == 1);
    CHECK(*dance::parse_matching_type("2") == 2);
    CHECK(*dance::parse_matching_type("17") == 17);
}

TEST_CASE("parameters parse by mnemonic in any case") {
    CHECK(*dance::parse_usage("PKIX-TA") == 0);
    CHECK(*dance::parse_usage("pkix-ee") == 1);
    CHECK(*dance::parse_usage("Dane-TA") == 2);
    CHECK(*dance::parse_usage("dane-ee") == 3);
    CHECK(*dance::parse_usage("PrivCert") == 255);
    CHECK(*dance::parse_selector("cert") == 0);
    CHECK(*dance::parse_selector("SPKI") == 1);
    CHECK(*dance::parse_matching_type("full") == 0);
    CHECK(*dance::parse_matching_type("SHA2-256") == 1);
    CHECK(*dance::parse_matching_type("sha2-512") == 2);
}

TEST_CASE("bad parameters are rejected with the choices") {
    auto usage = dance::parse_usage("DANE");
    REQUIRE_FALSE(usage.ok());
    CHECK(usage.error().message ==
          "invalid certificate usage \"DANE\": use a number from 0 to 255 or "
          "one of PKIX-TA, PKIX-EE, DANE-TA, DANE-EE");

    auto selector = dance::parse_selector("256");
    REQUIRE_FALSE(selector.ok());
    CHECK(selector.error().message ==
          "invalid selector \"256\": use a number from 0 to 255 or one of "
          "Cert, SPKI");

    auto matching = dance::parse_matching_type("-1");
    REQUIRE_FALSE(matching.ok());
    CHECK(matching.error().message ==
          "invalid matching type \"-1\": use a number from 0 to 255 or one "
          "of Full, SHA2-256, SHA2-512");

    CHECK_FALSE(dance::parse_usage("").ok());
    CHECK_FALSE(dance::parse_usage("+3").ok());
    CHECK_FALSE(dance::parse_usage("1000").ok());
}

TEST_CASE("mnemonics of parameter values") {
    CHECK(std::string(dance::usage_mnemonic(2)) == "DANE-TA");
    CHECK(std::string(dance::usage_mnemonic(255)) == "PrivCert");
    CHECK(dance::usage_mnemonic(4) == nullptr);
    CHECK(std::string(dance::selector_mnemonic(0)) == "Cert");
    CHECK(dance::selector_mnemonic(2) == nullptr);
    CHECK(std::string(dance::matching_type_mnemonic(1)) == "SHA2-256");
    CHECK(std::string(dance::matching_type_mnemonic(255)) == "PrivMatch");
    CHECK(dance::matching_type_mnemonic(3) == nullptr);
}

TEST_CASE("presentation RDATA parses") {
    auto parsed = dance::parse_tlsa_rdata(std::string("3 1 2 ") + sha512_hex);
    REQUIRE(parsed.ok());
    CHECK(*parsed == record(3, 1, 2, sha512_hex));
}

TEST_CASE("presentation RDATA with mnemonics, case, breaks and comments") {
    const std::string text = "DANE-TA cert SHA2-256 (\n"
                             "  20EFA254ECD5B646E701211095BC3FE4 ; first half\n"
                             "  423e21941b0b29efb21da57ec944a9b5 )  ; second\n";
    auto parsed = dance::parse_tlsa_rdata(text);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    CHECK(*parsed == record(2, 0, 1, sha256_hex));
}

TEST_CASE("generic RDATA parses") {
    auto parsed = dance::parse_tlsa_rdata("\\# 7 030101 deadBEEF");
    REQUIRE(parsed.ok());
    CHECK(*parsed == record(3, 1, 1, "deadbeef"));

    auto empty_data = dance::parse_tlsa_rdata("\\# 3 030100");
    REQUIRE(empty_data.ok());
    CHECK(*empty_data == TlsaRecord{3, 1, 0, {}});
}

TEST_CASE("bad presentation RDATA is rejected with the reason") {
    CHECK(rdata_error("3 1 1 abc") ==
          "invalid TLSA RDATA \"3 1 1 abc\": certificate association data: "
          "odd number of hex digits (3): each octet takes two digits");
    CHECK(rdata_error("3 1 1 abzz") ==
          "invalid TLSA RDATA \"3 1 1 abzz\": certificate association data: "
          "character \"z\" at position 3 is not a hex digit");
    CHECK(rdata_error("3 1 1") ==
          "invalid TLSA RDATA \"3 1 1\": expected usage, selector, matching "
          "type and hex data, got 3 field(s)");
    CHECK(rdata_error("") == "invalid TLSA RDATA \"\": empty: expected "
                             "\"3 1 1 <hex>\"");
    CHECK(rdata_error("  ; only a comment") ==
          "invalid TLSA RDATA \"  ; only a comment\": empty: expected "
          "\"3 1 1 <hex>\"");
    CHECK(contains(rdata_error("DANE 1 1 00"),
                   ": invalid certificate usage \"DANE\""));
    CHECK(contains(rdata_error("3 x 1 00"), ": invalid selector \"x\""));
    CHECK(contains(rdata_error("3 1 SHA3 00"),
                   ": invalid matching type \"SHA3\""));
}

TEST_CASE("zone line in place of RDATA is rejected") {
    CHECK(contains(rdata_error("example. 3600 IN TLSA 3 1 1 00"),
                   "give only the RDATA that follows \"TLSA\", such as "
                   "\"3 1 1 <hex>\""));
}

TEST_CASE("parentheses must balance") {
    CHECK(contains(rdata_error("3 1 1 ( 00"), ": missing ')'"));
    CHECK(contains(rdata_error("3 1 1 00 )"), ": unbalanced ')'"));
    CHECK(contains(rdata_error("3 1 1 (( 00 ))"),
                   ": nested '(': RDATA takes one pair of parentheses"));
}

TEST_CASE("bad generic RDATA is rejected with the reason") {
    CHECK(contains(rdata_error("\\# 8 030101deadbeef"),
                   ": the length says 8 octets but the hex data has 7"));
    CHECK(contains(rdata_error("\\# 2 0301"),
                   ": TLSA RDATA needs at least 3 octets (usage, selector, "
                   "matching type), got 2"));
    CHECK(contains(rdata_error("\\#"),
                   ": \"\\#\" must be followed by the RDATA length"));
    CHECK(contains(rdata_error("\\# x 00"),
                   ": RDATA length \"x\" is not a number from 0 to 65535"));
    CHECK(contains(rdata_error("\\# 65536 00"),
                   ": RDATA length 65536 exceeds 65535 octets"));
    CHECK(contains(rdata_error("\\# 4 0301010"),
                   ": odd number of hex digits (7)"));
    CHECK(contains(rdata_error("\\# 4 030101gg"),
                   ": character \"g\" at position 7 is not a hex digit"));
}

TEST_CASE("oversized presentation data is rejected") {
    const std::string hex(2 * 65533, 'a');
    CHECK(contains(rdata_error("3 1 1 " + hex),
                   "certificate association data is 65533 octets, more than "
                   "an RDATA can carry (65532)"));
}

TEST_CASE("usable records have no reason") {
    CHECK_FALSE(dance::tlsa_unusable_reason(record(3, 1, 1, sha256_hex)));
    CHECK_FALSE(dance::tlsa_unusable_reason(record(2, 0, 2, sha512_hex)));
    CHECK_FALSE(dance::tlsa_unusable_reason(record(3, 0, 0, certificate_hex)));
    CHECK_FALSE(dance::tlsa_unusable_reason(record(3, 1, 0, spki_hex)));
}

TEST_CASE("unknown parameters make a record unusable") {
    CHECK(dance::tlsa_unusable_reason(record(4, 1, 1, sha256_hex)) ==
          "certificate usage 4 is unassigned");
    CHECK(dance::tlsa_unusable_reason(record(255, 1, 1, sha256_hex)) ==
          "certificate usage 255 (PrivCert) is reserved for private use and "
          "has no agreed meaning");
    CHECK(dance::tlsa_unusable_reason(record(3, 2, 1, sha256_hex)) ==
          "selector 2 is unassigned");
    CHECK(dance::tlsa_unusable_reason(record(3, 255, 1, sha256_hex)) ==
          "selector 255 (PrivSel) is reserved for private use and has no "
          "agreed meaning");
    CHECK(dance::tlsa_unusable_reason(record(3, 1, 3, sha256_hex)) ==
          "matching type 3 is unassigned");
}

TEST_CASE("digest length must fit the matching type") {
    CHECK(dance::tlsa_unusable_reason(record(3, 1, 1, sha512_hex)) ==
          "SHA2-256 data is 64 octets, but a SHA2-256 digest is 32 octets");
    CHECK(dance::tlsa_unusable_reason(record(3, 1, 2, sha256_hex)) ==
          "SHA2-512 data is 32 octets, but a SHA2-512 digest is 64 octets");
    CHECK(dance::tlsa_unusable_reason(TlsaRecord{3, 1, 1, {}}) ==
          "SHA2-256 data is 0 octets, but a SHA2-256 digest is 32 octets");
}

TEST_CASE("Full data must parse for its selector") {
    const char* cert_reason = "Full data with selector 0 (Cert) does not "
                              "parse as a DER X.509 certificate";
    const char* spki_reason = "Full data with selector 1 (SPKI) does not "
                              "parse as a DER SubjectPublicKeyInfo";
    CHECK(dance::tlsa_unusable_reason(record(3, 0, 0, spki_hex)) ==
          cert_reason);
    CHECK(dance::tlsa_unusable_reason(record(3, 1, 0, certificate_hex)) ==
          spki_reason);
    CHECK(dance::tlsa_unusable_reason(record(3, 0, 0, "deadbeef")) ==
          cert_reason);
    CHECK(dance::tlsa_unusable_reason(TlsaRecord{3, 1, 0, {}}) == spki_reason);

    // Trailing octets after the DER structure are not accepted.
    const std::string padded = std::string(spki_hex) + "00";
    CHECK(dance::tlsa_unusable_reason(record(3, 1, 0, padded.c_str())) ==
          spki_reason);
}

TEST_CASE("RDATA formats as lowercase unbroken hex") {
    CHECK(dance::format_tlsa_rdata(record(3, 1, 1, "DEADBEEF")) ==
          "3 1 1 deadbeef");
    CHECK(dance::format_tlsa_rdata(record(255, 254, 253, "00")) ==
          "255 254 253 00");
}

TEST_CASE("empty data formats in the generic form") {
    const TlsaRecord empty{3, 1, 1, {}};
    CHECK(dance::format_tlsa_rdata(empty) == "\\# 3 030101");
    auto parsed = dance::parse_tlsa_rdata(dance::format_tlsa_rdata(empty));
    REQUIRE(parsed.ok());
    CHECK(*parsed == empty);
}

TEST_CASE("zone, generic and nsupdate lines") {
    const Name owner = name("_smtp-client.Device1.example.com");
    const TlsaRecord r = record(3, 1, 1, "deadbeef");

    CHECK(dance::format_zone_line(owner, std::nullopt, r) ==
          "_smtp-client.device1.example.com. IN TLSA 3 1 1 deadbeef");
    CHECK(dance::format_zone_line(owner, 3600, r) ==
          "_smtp-client.device1.example.com. 3600 IN TLSA 3 1 1 deadbeef");
    CHECK(dance::format_generic_line(owner, std::nullopt, r) ==
          "_smtp-client.device1.example.com. IN TYPE52 \\# 7 030101deadbeef");
    CHECK(dance::format_generic_line(owner, 300, r) ==
          "_smtp-client.device1.example.com. 300 IN TYPE52 \\# 7 "
          "030101deadbeef");
    CHECK(dance::format_nsupdate(owner, 3600, r) ==
          "update add _smtp-client.device1.example.com. 3600 IN TLSA 3 1 1 "
          "deadbeef");
}

TEST_CASE("JSON form of a record") {
    const nlohmann::json json = dance::tlsa_to_json(record(3, 1, 2, "ABCD"));
    CHECK(json["usage"] == 3);
    CHECK(json["selector"] == 1);
    CHECK(json["matching_type"] == 2);
    CHECK(json["mnemonics"]["usage"] == "DANE-EE");
    CHECK(json["mnemonics"]["selector"] == "SPKI");
    CHECK(json["mnemonics"]["matching_type"] == "SHA2-512");
    CHECK(json["data"] == "abcd");

    const nlohmann::json unassigned =
        dance::tlsa_to_json(record(9, 9, 9, "00"));
    CHECK(unassigned["mnemonics"]["usage"].is_null());
    CHECK(unassigned["mnemonics"]["selector"].is_null());
    CHECK(unassigned["mnemonics"]["matching_type"].is_null());
}

TEST_CASE("formatted RDATA parses back to the same record") {
    const TlsaRecord records[] = {
        record(3, 1, 1, sha256_hex),
        record(2, 0, 0, certificate_hex),
        record(0, 255, 7, "00ff"),
        TlsaRecord{1, 1, 2, {}},
    };
    for (const TlsaRecord& original : records) {
        auto again =
            dance::parse_tlsa_rdata(dance::format_tlsa_rdata(original));
        REQUIRE(again.ok());
        CHECK(*again == original);

        const std::string generic =
            dance::format_generic_line(Name(), std::nullopt, original);
        const std::string rdata = generic.substr(generic.find("\\#"));
        auto from_generic = dance::parse_tlsa_rdata(rdata);
        REQUIRE(from_generic.ok());
        CHECK(*from_generic == original);
    }
}
