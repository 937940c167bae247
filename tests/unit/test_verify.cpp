// The verify engine without DNS: offline reports, the cache time and the
// text and JSON renderings shared by `dance verify` and `dance serve`.
#include "dance/verify.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <gnutls/crypto.h>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

using namespace dance;

namespace {

constexpr std::int64_t fixed_now = 1906502400; // 2030-06-01T00:00:00Z

DerBytes read_data(const std::string& file) {
    std::ifstream in(std::string(DANCE_SOURCE_ROOT) + "/tests/data/match/" +
                         file,
                     std::ios::binary);
    REQUIRE(in);
    return DerBytes(std::istreambuf_iterator<char>(in), {});
}

TlsaRecord leaf_record() {
    DerBytes spki = read_data("leaf.spki.der");
    DerBytes digest(32);
    REQUIRE(gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data(), spki.size(),
                             digest.data()) == 0);
    return TlsaRecord{3, 1, 1, digest};
}

PresentedCredential leaf_chain() {
    PresentedCredential presented;
    presented.chain.push_back(read_data("leaf.der"));
    return presented;
}

MatchOptions fixed_clock() {
    MatchOptions options;
    options.now = fixed_now;
    return options;
}

Name client() {
    return *Name::parse("device1.example");
}

TlsaLookup secure_lookup() {
    TlsaLookup lookup;
    lookup.query_name = client();
    lookup.final_owner = client();
    lookup.status = LookupStatus::answer;
    lookup.dnssec = DnssecStatus::secure;
    lookup.records = {leaf_record()};
    lookup.ttl = 300;
    return lookup;
}

} // namespace

TEST_CASE("offline records assumed secure authenticate") {
    VerifyReport report = verify_offline(client(), {leaf_record()}, true,
                                         leaf_chain(), fixed_clock());
    CHECK(report.verdict.authenticated);
    CHECK(report.source == RecordSource::offline);
    CHECK(report.lookup.dnssec == DnssecStatus::secure);
    CHECK_FALSE(report.cache_seconds().has_value());
}

TEST_CASE("offline records not assumed secure are insecure") {
    VerifyReport report = verify_offline(client(), {leaf_record()}, false,
                                         leaf_chain(), fixed_clock());
    CHECK_FALSE(report.verdict.authenticated);
    CHECK(report.verdict.reason == MatchReason::insecure);
    CHECK(report.verdict.detail ==
          "records given offline count as insecure unless assumed secure");
    REQUIRE(report.verdict.records.size() == 1);
    CHECK(report.verdict.records[0].outcome == RecordOutcome::matched);
}

TEST_CASE("cache time is the TTL cut by the signature expiry") {
    TlsaLookup lookup = secure_lookup();
    lookup.earliest_signature_expiry = fixed_now + 100;
    VerifyReport report =
        make_verify_report(client(), lookup, leaf_chain(), fixed_clock());
    CHECK(report.cache_seconds() == 100);

    lookup.earliest_signature_expiry = fixed_now + 1000;
    report = make_verify_report(client(), lookup, leaf_chain(), fixed_clock());
    CHECK(report.cache_seconds() == 300);

    lookup.earliest_signature_expiry = fixed_now - 5;
    report = make_verify_report(client(), lookup, leaf_chain(), fixed_clock());
    CHECK(report.cache_seconds() == 0);
}

TEST_CASE("timed out lookup has no cache time") {
    TlsaLookup lookup = secure_lookup();
    lookup.status = LookupStatus::timeout;
    lookup.dnssec = DnssecStatus::indeterminate;
    VerifyReport report =
        make_verify_report(client(), lookup, leaf_chain(), fixed_clock());
    CHECK(report.verdict.reason == MatchReason::timeout);
    CHECK_FALSE(report.cache_seconds().has_value());
}

TEST_CASE("outcome that is not secure has no expiry or cache time") {
    for (DnssecStatus status : {DnssecStatus::insecure, DnssecStatus::bogus,
                                DnssecStatus::indeterminate}) {
        CAPTURE(dnssec_status_name(status));
        TlsaLookup lookup = secure_lookup();
        lookup.dnssec = status;
        lookup.earliest_signature_expiry = fixed_now + 100;
        VerifyReport report =
            make_verify_report(client(), lookup, leaf_chain(), fixed_clock());

        CHECK_FALSE(report.secure_outcome());
        CHECK_FALSE(report.signature_expiry().has_value());
        CHECK_FALSE(report.cache_seconds().has_value());

        nlohmann::json json = verify_report_to_json(report);
        CHECK(json["lookup"]["ttl"] == 300);
        CHECK(json["lookup"]["earliest_signature_expiry"].is_null());
        CHECK(json["lookup"]["cache_seconds"].is_null());

        std::string text = verify_report_to_text(report);
        CHECK(text.find("ttl: 300 s (no signature expiry or cache time: "
                        "the outcome is not DNSSEC secure)\n") !=
              std::string::npos);
        CHECK(text.find("earliest signature expiry") == std::string::npos);
        CHECK(text.find("cacheable") == std::string::npos);
    }
}

TEST_CASE("secure denial keeps expiry and cache time") {
    TlsaLookup lookup = secure_lookup();
    lookup.status = LookupStatus::nodata;
    lookup.records.clear();
    lookup.earliest_signature_expiry = fixed_now + 100;
    VerifyReport report =
        make_verify_report(client(), lookup, leaf_chain(), fixed_clock());

    CHECK(report.verdict.reason == MatchReason::nodata);
    CHECK(report.secure_outcome());
    CHECK(report.signature_expiry() == fixed_now + 100);
    CHECK(report.cache_seconds() == 100);
}

TEST_CASE("JSON report carries verdict, lookup and records") {
    TlsaLookup lookup = secure_lookup();
    lookup.earliest_signature_expiry = fixed_now + 100;
    nlohmann::json json = verify_report_to_json(
        make_verify_report(client(), lookup, leaf_chain(), fixed_clock()));

    CHECK(json["client_name"] == "device1.example");
    CHECK(json["authenticated"] == true);
    CHECK(json["reason"] == "secure-match");
    CHECK(json["server_action"] == "accept");
    CHECK(json["checked_at"] == fixed_now);
    CHECK(json["lookup"]["source"] == "dns");
    CHECK(json["lookup"]["dnssec"] == "secure");
    CHECK(json["lookup"]["status"] == "answer");
    CHECK(json["lookup"]["ttl"] == 300);
    CHECK(json["lookup"]["earliest_signature_expiry"] == fixed_now + 100);
    CHECK(json["lookup"]["cache_seconds"] == 100);
    REQUIRE(json["records"].size() == 1);
    CHECK(json["records"][0]["usage"] == 3);
    CHECK(json["records"][0]["verdict"] == "matched");
    CHECK(json["records"][0]["detail"] ==
          "matches the SPKI of the leaf certificate");
    CHECK(json["warnings"].empty());
}

TEST_CASE("JSON report of an offline mismatch has null times") {
    TlsaRecord other = leaf_record();
    other.data[0] ^= 0xff;
    nlohmann::json json = verify_report_to_json(
        verify_offline(client(), {other}, true, leaf_chain(), fixed_clock()));

    CHECK(json["authenticated"] == false);
    CHECK(json["reason"] == "no-match");
    CHECK(json["server_action"] == "abort-or-unauthenticated");
    CHECK(json["lookup"]["source"] == "offline");
    CHECK(json["lookup"]["earliest_signature_expiry"].is_null());
    CHECK(json["lookup"]["cache_seconds"].is_null());
}

TEST_CASE("text report lists verdict, lookup, records and action") {
    TlsaLookup lookup = secure_lookup();
    lookup.earliest_signature_expiry = fixed_now + 100;
    std::string text = verify_report_to_text(
        make_verify_report(client(), lookup, leaf_chain(), fixed_clock()));

    CHECK(text.starts_with("authenticated (secure-match): record 1 matches "
                           "the SPKI of the leaf certificate\n"));
    CHECK(text.find("lookup: answer, DNSSEC secure, final owner "
                    "device1.example\n") != std::string::npos);
    CHECK(text.find("ttl: 300 s, earliest signature expiry: "
                    "2030-06-01T00:01:40Z, cacheable for 100 s\n") !=
          std::string::npos);
    CHECK(text.find("record 1: 3 1 1 ") != std::string::npos);
    CHECK(text.find(": matched: matches the SPKI of the leaf certificate\n") !=
          std::string::npos);
    CHECK(text.ends_with("DANCE server: accepts the client as authenticated "
                         "(accept)\n"));
}

TEST_CASE("text report shortens Full record data") {
    TlsaRecord full{3, 0, 0, read_data("leaf.der")};
    std::string text = verify_report_to_text(
        verify_offline(client(), {full}, true, leaf_chain(), fixed_clock()));

    std::string octets = std::to_string(full.data.size()) + " octets)";
    CHECK(text.find("record 1: 3 0 0 ") != std::string::npos);
    CHECK(text.find("... (" + octets) != std::string::npos);
    CHECK(text.find("records: given offline, DNSSEC secure (assumed)\n") !=
          std::string::npos);
}

TEST_CASE("batch threads share max in flight exactly") {
    using Shares = std::vector<std::size_t>;
    CHECK(split_in_flight(32, 1) == Shares{32});
    CHECK(split_in_flight(32, 4) == Shares{8, 8, 8, 8});
    CHECK(split_in_flight(32, 3) == Shares{11, 11, 10});
    CHECK(split_in_flight(10, 4) == Shares{3, 3, 2, 2});
}

TEST_CASE("batch uses fewer threads than lookups allowed") {
    using Shares = std::vector<std::size_t>;
    CHECK(split_in_flight(2, 8) == Shares{1, 1});
    CHECK(split_in_flight(1, 8) == Shares{1});
    CHECK(split_in_flight(5, 0) == Shares{5});
}
