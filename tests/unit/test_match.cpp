// The DANE matcher against certificates in tests/data/match/ (made by
// generate.sh there), checked at a fixed clock. Record data is computed
// here from those files with GnuTLS digests, so regenerating the
// certificates needs no edit to this table.
#include "dance/match.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <fstream>
#include <gnutls/crypto.h>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace dance;

namespace {

// 2030-06-01 00:00:00 UTC: inside 2025-2035, after the 2021 expiry.
constexpr std::int64_t fixed_now = 1906502400;
// 2024-06-01 00:00:00 UTC: before every "good" certificate.
constexpr std::int64_t before_validity = 1717200000;

DerBytes read_data(const std::string& file) {
    std::string path =
        std::string(DANCE_SOURCE_ROOT) + "/tests/data/match/" + file;
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    return DerBytes(std::istreambuf_iterator<char>(in), {});
}

DerBytes hash(const DerBytes& bytes, gnutls_digest_algorithm_t algorithm) {
    DerBytes out(gnutls_hash_get_len(algorithm));
    REQUIRE(gnutls_hash_fast(algorithm, bytes.data(), bytes.size(),
                             out.data()) == 0);
    return out;
}

// One record: "U S M" and where its data comes from. `source` is a file
// under tests/data/match/ (hashed per the matching type, or taken whole
// for Full), or "junk:N" for N bytes that match nothing.
struct RecordSpec {
    std::uint8_t usage;
    std::uint8_t selector;
    std::uint8_t matching_type;
    std::string source;
};

TlsaRecord make_record(const RecordSpec& spec) {
    TlsaRecord record{spec.usage, spec.selector, spec.matching_type, {}};
    if (spec.source.starts_with("junk:")) {
        record.data.assign(std::stoul(spec.source.substr(5)), 0xab);
        return record;
    }

    DerBytes bytes = read_data(spec.source);
    switch (spec.matching_type) {
    case 1:
        record.data = hash(bytes, GNUTLS_DIG_SHA256);
        break;
    case 2:
        record.data = hash(bytes, GNUTLS_DIG_SHA512);
        break;
    default:
        record.data = bytes;
    }
    return record;
}

struct MatchCase {
    const char* name = "";
    std::vector<RecordSpec> records = {};
    std::vector<std::string> chain = {}; // files, leaf first
    std::string raw_key = {};            // SPKI file instead of a chain
    const char* client_name = "device1.example";
    LookupStatus status = LookupStatus::answer;
    DnssecStatus dnssec = DnssecStatus::secure;
    std::vector<std::string> ca_store = {};
    bool use_ca_store = false;
    bool digest_agility = true;
    std::int64_t now = fixed_now;

    const char* reason = "";
    std::vector<const char*> outcomes = {}; // per record, in order
    const char* action = nullptr;           // server action code, when checked
    const char* detail = nullptr;           // fragment of the verdict detail
    const char* warning = nullptr;          // fragment of the first warning
};

const MatchCase cases[] = {
    // DANE-EE (RFC 7671 section 5.1)
    {.name = "DANE-EE SPKI SHA2-256 record matches the leaf",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched"},
     .action = "accept",
     .detail = "record 1 matches the SPKI of the leaf certificate"},
    {.name = "DANE-EE record with wrong SPKI digest is rejected",
     .records = {{3, 1, 1, "raw.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "no-match",
     .outcomes = {"not-matched"},
     .action = "abort-or-unauthenticated"},
    {.name = "DANE-EE certificate SHA2-512 record matches the leaf",
     .records = {{3, 0, 2, "leaf.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "DANE-EE Full SPKI record matches the leaf",
     .records = {{3, 1, 0, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "DANE-EE record of an issuer does not match the leaf",
     .records = {{3, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "no-match",
     .outcomes = {"not-matched"}},
    {.name = "DANE-EE ignores a ClientName absent from the certificate",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .client_name = "unrelated.example",
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "DANE-EE expired leaf is accepted with a warning",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf-expired.der"},
     .reason = "secure-match",
     .outcomes = {"matched"},
     .warning = "the leaf certificate expired on 2021-01-01T00:00:00Z; "
                "DANE-EE ignores validity dates"},

    // Only a secure answer authenticates (RFC 6698 section 4.1)
    {.name = "insecure answer with a matching record is rejected",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .dnssec = DnssecStatus::insecure,
     .reason = "insecure",
     .outcomes = {"matched"},
     .action = "abort-or-unauthenticated"},
    {.name = "bogus answer with a matching record is rejected",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .dnssec = DnssecStatus::bogus,
     .reason = "bogus",
     .outcomes = {"matched"}},
    {.name = "indeterminate answer with a matching record is rejected",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .dnssec = DnssecStatus::indeterminate,
     .reason = "indeterminate",
     .outcomes = {"matched"}},
    {.name = "proven NXDOMAIN is rejected as nxdomain",
     .chain = {"leaf.der"},
     .status = LookupStatus::nxdomain,
     .reason = "nxdomain"},
    {.name = "proven NODATA is rejected as nodata",
     .chain = {"leaf.der"},
     .status = LookupStatus::nodata,
     .reason = "nodata"},
    {.name = "unsigned NXDOMAIN is rejected as insecure",
     .chain = {"leaf.der"},
     .status = LookupStatus::nxdomain,
     .dnssec = DnssecStatus::insecure,
     .reason = "insecure"},
    {.name = "bogus NODATA is rejected as bogus",
     .chain = {"leaf.der"},
     .status = LookupStatus::nodata,
     .dnssec = DnssecStatus::bogus,
     .reason = "bogus"},
    {.name = "lookup timeout is rejected as timeout",
     .chain = {"leaf.der"},
     .status = LookupStatus::timeout,
     .dnssec = DnssecStatus::indeterminate,
     .reason = "timeout"},
    {.name = "failed lookup is rejected as lookup-failed",
     .chain = {"leaf.der"},
     .status = LookupStatus::failed,
     .dnssec = DnssecStatus::indeterminate,
     .reason = "lookup-failed"},
    {.name = "secure answer without records has no usable records",
     .chain = {"leaf.der"},
     .reason = "no-usable-records"},

    // Digest agility (RFC 7671 section 9)
    {.name = "key matching only the weaker digest is rejected",
     .records = {{3, 1, 1, "leaf.spki.der"}, {3, 1, 2, "raw.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "weaker-digest-only",
     .outcomes = {"superseded", "not-matched"},
     .action = "abort-or-unauthenticated",
     .detail = "only a record with a weaker digest matches"},
    {.name = "key matching the strongest digest is accepted",
     .records = {{3, 1, 1, "raw.spki.der"}, {3, 1, 2, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"superseded", "matched"}},
    {.name = "weaker digest counts with digest agility off",
     .records = {{3, 1, 1, "leaf.spki.der"}, {3, 1, 2, "raw.spki.der"}},
     .chain = {"leaf.der"},
     .digest_agility = false,
     .reason = "secure-match",
     .outcomes = {"matched", "not-matched"},
     .warning = "digest agility is off"},
    {.name = "Full record counts beside a stronger digest",
     .records = {{3, 1, 0, "leaf.spki.der"}, {3, 1, 2, "raw.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched", "not-matched"}},
    {.name = "digest agility compares within one usage and selector",
     .records = {{3, 1, 1, "leaf.spki.der"}, {3, 0, 2, "raw.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched", "not-matched"}},
    {.name = "unusable stronger digest does not set aside a usable one",
     .records = {{3, 1, 1, "leaf.spki.der"}, {3, 1, 2, "junk:20"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched", "unusable"}},

    // Unusable records (RFC 6698 section 4.1)
    {.name = "unknown usage only leaves no usable records",
     .records = {{4, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "unknown selector is unusable",
     .records = {{3, 2, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "unknown matching type is unusable",
     .records = {{3, 1, 3, "junk:32"}},
     .chain = {"leaf.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "SHA2-256 digest of wrong length is unusable",
     .records = {{3, 1, 1, "junk:31"}},
     .chain = {"leaf.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "Full SPKI data that does not parse is unusable",
     .records = {{3, 1, 0, "junk:40"}},
     .chain = {"leaf.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "unusable record beside a matching one is ignored",
     .records = {{4, 1, 1, "leaf.spki.der"}, {3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"unusable", "matched"}},

    // DANE-TA (RFC 7671 section 5.2) and the ClientName check
    {.name = "DANE-TA certificate record of the presented CA matches",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "secure-match",
     .outcomes = {"matched"},
     .action = "accept"},
    {.name = "DANE-TA accepts a ClientName with underscore labels",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .client_name = "Sensor7._device.EXAMPLE",
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "DANE-TA rejects a ClientName missing from the SAN",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .client_name = "other.example",
     .reason = "name-not-in-certificate",
     .outcomes = {"name-not-in-certificate"},
     .action = "abort",
     .detail = "other.example is not a dNSName of the leaf (it has: "
               "device1.example, sensor7._device.example)"},
    {.name = "DANE-TA never takes the ClientName from the CN",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-cn-only.der", "ca.der"},
     .reason = "name-not-in-certificate",
     .outcomes = {"name-not-in-certificate"},
     .action = "abort"},
    {.name = "DANE-TA does not match wildcard dNSNames",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-wildcard.der", "ca.der"},
     .client_name = "sensor7._device.example",
     .reason = "name-not-in-certificate",
     .outcomes = {"name-not-in-certificate"}},
    // A wildcard ClientName equals the wildcard dNSName as text, but it
    // names no single client.
    {.name = "wildcard ClientName with DANE-TA is rejected",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-wildcard.der", "ca.der"},
     .client_name = "*._device.example",
     .reason = "invalid-client-name",
     .outcomes = {},
     .action = "abort",
     .detail = "the ClientName *._device.example is a wildcard"},
    {.name = "wildcard ClientName with DANE-EE is rejected",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .client_name = "*.example",
     .reason = "invalid-client-name",
     .outcomes = {},
     .action = "abort",
     .detail = "a client must claim one concrete name"},
    {.name = "DANE-TA anchor missing from the chain does not match",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf.der"},
     .reason = "no-match",
     .outcomes = {"not-matched"},
     .detail = "the client presented no issuer certificate"},
    {.name = "DANE-TA record does not match the leaf itself",
     .records = {{2, 0, 1, "leaf.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "no-match",
     .outcomes = {"not-matched"}},
    {.name = "DANE-TA bare key record validates a chain without the CA",
     .records = {{2, 1, 0, "ca.spki.der"}},
     .chain = {"leaf.der"},
     .reason = "secure-match",
     .outcomes = {"matched"},
     .detail = "the key in the record signed certificate 1"},
    {.name = "DANE-TA bare key that signed nothing does not match",
     .records = {{2, 1, 0, "ca.spki.der"}},
     .chain = {"leaf-by-impostor-ca.der"},
     .reason = "no-match",
     .outcomes = {"not-matched"}},
    {.name = "DANE-TA root anchor validates through an intermediate",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-by-intermediate.der", "intermediate.der", "ca.der"},
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "DANE-TA SPKI record of an intermediate matches",
     .records = {{2, 1, 1, "intermediate.spki.der"}},
     .chain = {"leaf-by-intermediate.der", "intermediate.der", "ca.der"},
     .reason = "secure-match",
     .outcomes = {"matched"},
     .detail = "certificate 2 of the presented chain"},
    {.name = "DANE-TA chain with an expired leaf is invalid",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-expired.der", "ca.der"},
     .reason = "chain-invalid",
     .outcomes = {"chain-invalid"},
     .action = "abort-or-unauthenticated",
     .detail = "certificate 1 expired on 2021-01-01T00:00:00Z"},
    {.name = "DANE-TA chain is checked at the given time",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .now = before_validity,
     .reason = "chain-invalid",
     .outcomes = {"chain-invalid"},
     .detail = "is not valid before 2025-01-01T00:00:00Z"},
    {.name = "DANE-TA leaf not signed by the anchor is invalid",
     .records = {{2, 0, 1, "ca.der"}},
     .chain = {"leaf-by-impostor-ca.der", "ca.der"},
     .reason = "chain-invalid",
     .outcomes = {"chain-invalid"}},
    {.name = "DANE-TA issuer without the CA flag is invalid",
     .records = {{2, 0, 1, "not-ca.der"}},
     .chain = {"leaf-by-not-ca.der", "not-ca.der", "ca.der"},
     .reason = "chain-invalid",
     .outcomes = {"chain-invalid"}},
    {.name = "DANE-EE match wins over a DANE-TA name mismatch",
     .records = {{2, 0, 1, "ca.der"}, {3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der", "ca.der"},
     .client_name = "other.example",
     .reason = "secure-match",
     .outcomes = {"name-not-in-certificate", "matched"}},

    // PKIX-TA and PKIX-EE need an explicit CA store
    {.name = "PKIX-EE without a CA store is unusable",
     .records = {{1, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"},
     .detail = "the TLSA RRset has no usable record"},
    {.name = "PKIX-TA without a CA store is unusable",
     .records = {{0, 0, 1, "ca.der"}},
     .chain = {"leaf.der", "ca.der"},
     .reason = "no-usable-records",
     .outcomes = {"unusable"}},
    {.name = "PKIX-EE with a CA store matches a valid leaf",
     .records = {{1, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .ca_store = {"ca.der"},
     .use_ca_store = true,
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "PKIX-EE leaf outside the CA store is invalid",
     .records = {{1, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .ca_store = {"impostor-ca.der"},
     .use_ca_store = true,
     .reason = "chain-invalid",
     .outcomes = {"chain-invalid"}},
    {.name = "PKIX-EE rejects a ClientName missing from the SAN",
     .records = {{1, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.der"},
     .client_name = "other.example",
     .ca_store = {"ca.der"},
     .use_ca_store = true,
     .reason = "name-not-in-certificate",
     .outcomes = {"name-not-in-certificate"},
     .action = "abort"},
    {.name = "PKIX-TA matches the store CA that issued the leaf",
     .records = {{0, 0, 1, "ca.der"}},
     .chain = {"leaf.der"},
     .ca_store = {"ca.der"},
     .use_ca_store = true,
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "PKIX-TA matches a presented intermediate",
     .records = {{0, 1, 1, "intermediate.spki.der"}},
     .chain = {"leaf-by-intermediate.der", "intermediate.der"},
     .ca_store = {"ca.der"},
     .use_ca_store = true,
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "PKIX-TA record of another CA does not match",
     .records = {{0, 0, 1, "impostor-ca.der"}},
     .chain = {"leaf.der"},
     .ca_store = {"ca.der"},
     .use_ca_store = true,
     .reason = "no-match",
     .outcomes = {"not-matched"}},

    // Raw public keys (RFC 7250): only 3 1 x applies
    {.name = "raw public key matches a DANE-EE SPKI record",
     .records = {{3, 1, 1, "raw.spki.der"}},
     .raw_key = "raw.spki.der",
     .reason = "secure-match",
     .outcomes = {"matched"}},
    {.name = "raw public key with wrong SPKI digest is rejected",
     .records = {{3, 1, 2, "leaf.spki.der"}},
     .raw_key = "raw.spki.der",
     .reason = "no-match",
     .outcomes = {"not-matched"}},
    {.name = "raw public key cannot match a DANE-TA key record",
     .records = {{2, 1, 1, "raw.spki.der"}},
     .raw_key = "raw.spki.der",
     .reason = "no-match",
     .outcomes = {"not-matched"}},
    {.name = "raw public key cannot match a certificate record",
     .records = {{3, 0, 1, "leaf.der"}},
     .raw_key = "leaf.spki.der",
     .reason = "no-match",
     .outcomes = {"not-matched"}},

    // The presented credential
    {.name = "unparsable leaf certificate is an invalid credential",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .chain = {"leaf.spki.der"},
     .reason = "invalid-credential",
     .action = "abort",
     .detail = "certificate 1 of the presented chain does not parse"},
    {.name = "empty chain is an invalid credential",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .reason = "invalid-credential",
     .detail = "the client presented no certificate or key"},
    {.name = "unparsable raw key is an invalid credential",
     .records = {{3, 1, 1, "leaf.spki.der"}},
     .raw_key = "leaf.der",
     .reason = "invalid-credential"},
    {.name = "lookup failure outranks an invalid credential",
     .records = {},
     .chain = {"leaf.spki.der"},
     .status = LookupStatus::timeout,
     .dnssec = DnssecStatus::indeterminate,
     .reason = "timeout"},
};

MatchVerdict run_case(const MatchCase& test) {
    TlsaLookup lookup;
    lookup.status = test.status;
    lookup.dnssec = test.dnssec;
    for (const RecordSpec& spec : test.records)
        lookup.records.push_back(make_record(spec));

    PresentedCredential presented;
    for (const std::string& file : test.chain)
        presented.chain.push_back(read_data(file));
    if (!test.raw_key.empty())
        presented.raw_public_key = read_data(test.raw_key);

    MatchOptions options;
    options.now = test.now;
    options.digest_agility = test.digest_agility;
    if (test.use_ca_store) {
        options.pkix_trust_anchors.emplace();
        for (const std::string& file : test.ca_store)
            options.pkix_trust_anchors->push_back(read_data(file));
    }

    auto name = Name::parse(test.client_name);
    REQUIRE(name.ok());
    return match_tlsa(lookup, presented, *name, options);
}

} // namespace

TEST_CASE("match_tlsa verdicts") {
    for (const MatchCase& test : cases) {
        SUBCASE(test.name) {
            MatchVerdict verdict = run_case(test);
            INFO("detail: " << verdict.detail);

            CHECK(match_reason_code(verdict.reason) ==
                  std::string(test.reason));
            CHECK(verdict.authenticated ==
                  (std::string(test.reason) == "secure-match"));

            REQUIRE(verdict.records.size() == test.outcomes.size());
            for (std::size_t i = 0; i < test.outcomes.size(); ++i) {
                INFO("record " << i + 1 << ": " << verdict.records[i].detail);
                CHECK(record_outcome_code(verdict.records[i].outcome) ==
                      std::string(test.outcomes[i]));
            }

            if (test.action)
                CHECK(server_action_code(verdict.server_action) ==
                      std::string(test.action));
            if (test.detail)
                CHECK(verdict.detail.find(test.detail) != std::string::npos);
            if (test.warning) {
                REQUIRE_FALSE(verdict.warnings.empty());
                CHECK(verdict.warnings.front().find(test.warning) !=
                      std::string::npos);
            } else {
                CHECK(verdict.warnings.empty());
            }
        }
    }
}

TEST_CASE("unusable record detail names the problem") {
    TlsaLookup lookup;
    lookup.status = LookupStatus::answer;
    lookup.dnssec = DnssecStatus::secure;
    lookup.records.push_back(make_record({1, 1, 1, "leaf.spki.der"}));

    PresentedCredential presented;
    presented.chain.push_back(read_data("leaf.der"));
    MatchOptions options;
    options.now = fixed_now;

    auto verdict =
        match_tlsa(lookup, presented, *Name::parse("device1.example"), options);
    REQUIRE(verdict.records.size() == 1);
    CHECK(verdict.records[0].detail ==
          "PKIX-EE needs a CA store for client certificates, and none is "
          "configured");
}

TEST_CASE("lookup reason is carried into the verdict detail") {
    TlsaLookup lookup;
    lookup.status = LookupStatus::answer;
    lookup.dnssec = DnssecStatus::bogus;
    lookup.reason = "signature crypto failed";

    PresentedCredential presented;
    presented.chain.push_back(read_data("leaf.der"));
    MatchOptions options;
    options.now = fixed_now;

    auto verdict =
        match_tlsa(lookup, presented, *Name::parse("device1.example"), options);
    CHECK(verdict.detail ==
          "DNSSEC validation of the TLSA answer failed (bogus): signature "
          "crypto failed");
}
