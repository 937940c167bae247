// Zone checks over the fixture zones in tests/data/zones/, one case per
// fixture and policy, each asserting the exact findings in order.
#include "dance/zone.hpp"
#include "dance/zone_check.hpp"
#include "dance/zone_report.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <string>
#include <vector>

using namespace dance;

namespace {

const std::string zones = "tests/data/zones/";

// 2026-12-01T00:00:00Z, the fixed clock of these tests.
constexpr std::int64_t test_now = 1796083200;

struct ZoneCase {
    const char* name;
    const char* fixture;
    std::function<void(ZonePolicy&)> adjust; // may be empty
    std::vector<std::string> expected;
};

std::vector<std::string> check_fixture(const std::string& fixture,
                                       const ZonePolicy& policy,
                                       std::int64_t now = test_now) {
    ZoneChecker checker(ZoneCheckOptions{policy, now, nullptr});
    std::string path = zones + fixture;
    checker.add_file(path);
    Status read = read_zone_file(path, ZoneReadOptions{}, checker);
    REQUIRE_MESSAGE(read.ok(), path);

    std::vector<std::string> lines;
    for (const Diagnostic& diagnostic : checker.finish())
        lines.push_back(format_diagnostic(diagnostic));
    return lines;
}

void quiet_unsigned(ZonePolicy& policy) {
    policy.suppressions.push_back({"dnssec-unsigned", "", ""});
}

const std::string unsigned_notice =
    ": notice: [dnssec-unsigned] the zone has no RRSIG records: servers "
    "accept only DNSSEC-signed TLSA records, so sign the zone before "
    "publishing; signatures are checked when the zone file is signed";

const std::string tlsa_syntax_hint =
    "; TLSA presentation data is three decimal numbers (usage, selector, "
    "matching type) and hexadecimal association data";

const std::vector<ZoneCase>& zone_cases() {
    static const std::vector<ZoneCase> cases = {
        {"well-formed zone gets only the unsigned notice",
         "clean.zone",
         {},
         {zones + "clean.zone" + unsigned_notice,
          zones +
              "clean.zone:10: notice: [pkix-usage-underscore-owner] usage 2 "
              "needs the client name *._device.example. as a dNSName in the "
              "certificate, but RFC 5280 dNSNames have no underscore "
              "labels; this works only with a CA of your own that issues "
              "such names"}},
        {"RDATA lengths, parameters and syntax",
         "rdata.zone",
         quiet_unsigned,
         {zones + "rdata.zone:3: error: [tlsa-digest-length] TLSA 3 1 1 is "
                  "unusable: SHA2-256 data is 3 octets, but a SHA2-256 digest "
                  "is 32 octets",
          zones + "rdata.zone:4: error: [tlsa-digest-length] TLSA 3 1 2 is "
                  "unusable: SHA2-512 data is 32 octets, but a SHA2-512 digest "
                  "is 64 octets",
          zones +
              "rdata.zone:5: error: [tlsa-full-unparseable] TLSA 3 1 0 is "
              "unusable: Full data with selector 1 (SPKI) does not parse as "
              "a DER SubjectPublicKeyInfo",
          zones + "rdata.zone:6: error: [tlsa-unknown-parameter] TLSA 7 1 1 is "
                  "unusable: certificate usage 7 is unassigned",
          zones +
              "rdata.zone:7: warning: [tlsa-unknown-parameter] TLSA 3 255 1 "
              "is unusable: selector 255 (PrivSel) is reserved for private "
              "use and has no agreed meaning",
          zones +
              "rdata.zone:8: error: [tlsa-rdata-syntax] cannot parse "
              "record: invalid hexadecimal character" +
              tlsa_syntax_hint,
          zones + "rdata.zone:9: error: [tlsa-rdata-syntax] TLSA RDATA of 2 "
                  "octets is shorter than its three one-octet fields (usage, "
                  "selector, matching type)",
          zones +
              "rdata.zone:10: error: [tlsa-rdata-syntax] cannot parse "
              "record: invalid number" +
              tlsa_syntax_hint}},
        {"owner-name forms and prefixes",
         "owners.zone",
         quiet_unsigned,
         {zones + "owners.zone:3: warning: [owner-port-proto-prefix] "
                  "_443._tcp.www.example. starts with the _port._proto prefix "
                  "of server TLSA names (RFC 6698 section 3), but a DANCE "
                  "client sends its whole owner name and the server adds no "
                  "prefix; if this zone also publishes server records, add "
                  "'server' to owner-shapes",
          zones + "owners.zone:4: warning: [owner-port-proto-prefix] "
                  "_smtp._tcp.mta1.example. starts with _smtp._tcp, the "
                  "transport-specific form of early client authentication "
                  "drafts; clients now use _<service>.<client> with no "
                  "transport label",
          zones +
              "owners.zone:5: notice: [owner-shape] service label "
              "_a-very-long-service-name is not an RFC 6335 service name (1 "
              "to 15 letters, digits and inner hyphens); clients and "
              "servers must agree on the custom label",
          zones + "owners.zone:6: warning: [owner-shape] TLSA at "
                  "_device.example. itself: device names go below _device, as "
                  "<device>._device.<org>",
          zones +
              "owners.zone:7: warning: [owner-shape] d1._x._device.example. "
              "has underscore labels where no client identity form has "
              "them; the forms are _<service>.<client>, "
              "<device>._device.<org> and <client> with no underscore"}},
        {"server form allowed by policy",
         "owners.zone",
         [](ZonePolicy& policy) {
             quiet_unsigned(policy);
             policy.owner_shapes = {OwnerShape::server, OwnerShape::device};
             policy.suppressions.push_back({"owner-port-proto-prefix", "", ""});
         },
         {zones +
              "owners.zone:5: notice: [owner-shape] service label "
              "_a-very-long-service-name is not an RFC 6335 service name (1 "
              "to 15 letters, digits and inner hyphens); clients and "
              "servers must agree on the custom label",
          zones + "owners.zone:5: warning: [owner-shape] "
                  "_a-very-long-service-name.c1.example. has the service form, "
                  "which the policy does not allow (owner-shapes = "
                  "device,server)",
          zones + "owners.zone:6: warning: [owner-shape] TLSA at "
                  "_device.example. itself: device names go below _device, as "
                  "<device>._device.<org>",
          zones +
              "owners.zone:7: warning: [owner-shape] d1._x._device.example. "
              "has underscore labels where no client identity form has "
              "them; the forms are _<service>.<client>, "
              "<device>._device.<org> and <client> with no underscore",
          zones +
              "owners.zone:8: warning: [owner-shape] "
              "_smtp-client.d2._device.example. has the service form, which "
              "the policy does not allow (owner-shapes = device,server)"}},
        {"duplicates, TTL mismatch and ceiling",
         "duplicates.zone",
         quiet_unsigned,
         {zones +
              "duplicates.zone:4: warning: [duplicate-record] TLSA 3 1 1 "
              "record repeats the one at " +
              zones + "duplicates.zone:3; servers keep one copy, so remove it",
          zones + "duplicates.zone:6: warning: [rrset-ttl-mismatch] TTL 600 "
                  "differs from TTL 300 of the first record of the RRset (line "
                  "5); give the RRset one TTL",
          zones + "duplicates.zone:7: warning: [ttl-ceiling] TTL 86400 s is "
                  "above the ceiling of 3600 s: a withdrawn key stays trusted "
                  "in caches for up to the TTL; lower the TTL or raise "
                  "ttl-ceiling"}},
        {"TTL ceiling raised by policy",
         "duplicates.zone",
         [](ZonePolicy& policy) {
             quiet_unsigned(policy);
             policy.ttl_ceiling = 86400;
             policy.suppressions.push_back(
                 {"duplicate-record", "d1._device.example.", ""});
         },
         {zones + "duplicates.zone:6: warning: [rrset-ttl-mismatch] TTL 600 "
                  "differs from TTL 300 of the first record of the RRset (line "
                  "5); give the RRset one TTL"}},
        {"digest agility with a key under SHA2-256 only",
         "agility.zone",
         quiet_unsigned,
         {zones +
          "agility.zone:4: warning: [digest-agility] usage 3 selector 1 "
          "has 2 SHA2-256 but 1 SHA2-512 records: clients use only the "
          "SHA2-512 ones (RFC 7671 section 9), so a key published under "
          "SHA2-256 alone cannot authenticate; publish every key under "
          "both digests"}},
        {"PKIX usages at underscore names",
         "pkix.zone",
         quiet_unsigned,
         {zones + "pkix.zone:3: warning: [pkix-usage-underscore-owner] usage 1 "
                  "needs the client name _smtp-client.mta1.example. as a "
                  "dNSName in the certificate, but RFC 5280 dNSNames have no "
                  "underscore labels; use DANE-EE(3) or a freeform name",
          zones + "pkix.zone:4: warning: [pkix-usage-underscore-owner] usage 0 "
                  "needs the client name sensor1._device.example. as a dNSName "
                  "in the certificate, but RFC 5280 dNSNames have no "
                  "underscore labels; use DANE-EE(3) or a freeform name"}},
        {"wildcard placement",
         "wildcard.zone",
         [](ZonePolicy& policy) {
             quiet_unsigned(policy);
             policy.suppressions.push_back(
                 {"pkix-usage-underscore-owner", "", ""});
         },
         {zones +
              "wildcard.zone:4: warning: [wildcard-placement] wildcard TLSA "
              "at *.example. answers for every name below example. that has "
              "no records of its own, service and client names alike; the "
              "client identity forms use a wildcard only as "
              "*._device.<org>",
          zones + "wildcard.zone:5: error: [wildcard-placement] '*' is label 2 "
                  "of a.*.example., not the leftmost, so it is a literal label "
                  "and no wildcard (RFC 4592 section 2.1.1)"}},
        {"include and multi-line records report their first line",
         "include.zone",
         quiet_unsigned,
         {zones + "include.zone:6: error: [tlsa-digest-length] TLSA 3 1 1 is "
                  "unusable: SHA2-256 data is 3 octets, but a SHA2-256 digest "
                  "is 32 octets",
          zones + "include.zone:10: error: [tlsa-digest-length] TLSA 3 1 1 is "
                  "unusable: SHA2-256 data is 2 octets, but a SHA2-256 digest "
                  "is 32 octets",
          zones + "sub/devices.zone:2: error: [tlsa-digest-length] TLSA 3 1 2 "
                  "is unusable: SHA2-512 data is 32 octets, but a SHA2-512 "
                  "digest is 64 octets"}},
        {"zone syntax errors and a missing include",
         "syntax.zone",
         quiet_unsigned,
         {zones + "syntax.zone:3: error: [zone-syntax] cannot parse record: "
                  "invalid IPv4 address",
          zones +
              "syntax.zone:5: error: [zone-syntax] cannot read included "
              "file " +
              zones + "missing.zone: file open error"}},
        {"suppression by file",
         "pkix.zone",
         [](ZonePolicy& policy) {
             quiet_unsigned(policy);
             policy.suppressions.push_back(
                 {"pkix-usage-underscore-owner", "", "zones/pkix.zone"});
         },
         {}},
    };
    return cases;
}

} // namespace

TEST_CASE("zone checks over the fixture zones") {
    for (const ZoneCase& zone_case : zone_cases()) {
        SUBCASE(zone_case.name) {
            ZonePolicy policy;
            if (zone_case.adjust)
                zone_case.adjust(policy);
            std::vector<std::string> lines =
                check_fixture(zone_case.fixture, policy);
            CHECK(lines.size() == zone_case.expected.size());
            for (std::size_t i = 0; i < lines.size(); ++i) {
                CAPTURE(i);
                REQUIRE(i < zone_case.expected.size());
                CHECK(lines[i] == zone_case.expected[i]);
            }
        }
    }
}

TEST_CASE("zone checker counts records and syntax errors") {
    ZoneChecker checker(ZoneCheckOptions{ZonePolicy{}, test_now, nullptr});
    REQUIRE(read_zone_file(zones + "rdata.zone", {}, checker).ok());
    checker.finish();
    CHECK(checker.stats().records == 7);
    CHECK(checker.stats().tlsa_records == 7);
    // Lines 8 and 10 do not parse; a TLSA line that does not parse makes
    // the zone unreadable like any other.
    CHECK(checker.stats().syntax_errors == 2);
    CHECK_FALSE(checker.stats().signed_zone);
}

TEST_CASE("zone-syntax errors are counted") {
    ZoneChecker checker(ZoneCheckOptions{ZonePolicy{}, test_now, nullptr});
    REQUIRE(read_zone_file(zones + "syntax.zone", {}, checker).ok());
    checker.finish();
    CHECK(checker.stats().records == 1);
    CHECK(checker.stats().syntax_errors == 2);
}

// signed.zone was signed once with ldns-signzone, valid from 2026-11-01 to
// 2027-01-31, so these cases need no signer at test time.
TEST_CASE("signed fixture verifies offline") {
    ZonePolicy policy;
    policy.suppressions.push_back({"pkix-usage-underscore-owner", "", ""});
    CHECK(check_fixture("signed.zone", policy).empty());
}

TEST_CASE("signed fixture near expiry warns per RRSIG") {
    ZonePolicy policy;
    policy.suppressions.push_back({"pkix-usage-underscore-owner", "", ""});
    constexpr std::int64_t january_28 = 1801094400; // 2027-01-28T00:00:00Z
    std::vector<std::string> lines =
        check_fixture("signed.zone", policy, january_28);
    const std::string warning =
        ": warning: [dnssec-signature-expiring] RRSIG expires at "
        "2027-01-31T00:00:00Z, within 7 days: re-sign the zone before then";
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == zones + "signed.zone:14" + warning);
    CHECK(lines[1] == zones + "signed.zone:18" + warning);
    CHECK(lines[2] == zones + "signed.zone:23" + warning);
}

TEST_CASE("signed fixture after expiry fails") {
    ZonePolicy policy;
    policy.suppressions.push_back({"pkix-usage-underscore-owner", "", ""});
    constexpr std::int64_t february_1 = 1801440000; // 2027-02-01T00:00:00Z
    std::vector<std::string> lines =
        check_fixture("signed.zone", policy, february_1);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == zones +
                          "signed.zone:14: error: [dnssec-signature-expired] "
                          "RRSIG expired at 2027-01-31T00:00:00Z; validators "
                          "reject the RRset until it is re-signed");
}

TEST_CASE("RDATA changed after signing fails verification") {
    ZonePolicy policy;
    policy.suppressions.push_back({"pkix-usage-underscore-owner", "", ""});
    std::vector<std::string> lines =
        check_fixture("signed-broken.zone", policy);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] ==
          zones +
              "signed-broken.zone:17: error: [dnssec-signature-invalid] RRSIG "
              "(key tag 41625, algorithm 13, signer example.) does not verify "
              "over the TLSA RRset: the records changed after signing, or "
              "the signature is corrupt; re-sign the zone");
}
