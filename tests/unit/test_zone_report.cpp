// Zone-check policy files and the report formats.
#include "dance/zone_policy.hpp"
#include "dance/zone_report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace dance;

namespace {

std::vector<Diagnostic> sample() {
    return {
        {"tlsa-digest-length", Severity::error, "zones/a b.zone", 7,
         "d1._device.example.", "SHA2-256 data is 3 octets"},
        {"ttl-ceiling", Severity::warning, "zones/a.zone", 9, "",
         "TTL 86400, above 3600: <lower> it & retry"},
        {"dnssec-unsigned", Severity::notice, "zones/a.zone", 0, "",
         "no RRSIG,\nsign it"},
    };
}

ReportContext context(Severity fail_on) {
    return ReportContext{"1.2.3", {"zones/a.zone"}, 10, 3, fail_on};
}

} // namespace

TEST_CASE("policy reads key = value lines") {
    Result<ZonePolicy> policy = parse_zone_policy(
        "# CI policy\n"
        "ttl-ceiling = 600\n"
        "expiry-days = 14   # certificates\n"
        "signature-days=3\n"
        "owner-shapes = device, service\n"
        "suppress = digest-agility\n"
        "suppress = ttl-ceiling:Legacy.Example@zones/legacy.zone\n",
        "policy.conf");
    REQUIRE(policy.ok());
    CHECK(policy->ttl_ceiling == 600);
    CHECK(policy->expiry_days == 14);
    CHECK(policy->signature_days == 3);
    CHECK(policy->allows(OwnerShape::device));
    CHECK_FALSE(policy->allows(OwnerShape::freeform));
    REQUIRE(policy->suppressions.size() == 2);
    CHECK(policy->suppressions[1].owner == "legacy.example.");
    CHECK(policy->suppressions[1].file == "zones/legacy.zone");

    Diagnostic legacy{"ttl-ceiling",          Severity::warning,
                      "ci/zones/legacy.zone", 3,
                      "legacy.example.",      "x"};
    CHECK(policy->is_suppressed(legacy));
    legacy.file = "ci/zones/other.zone";
    CHECK_FALSE(policy->is_suppressed(legacy));
}

TEST_CASE("policy reads the same keys as JSON") {
    Result<ZonePolicy> policy = parse_zone_policy(
        R"({"ttl-ceiling": 300, "owner-shapes": ["server"],
            "suppress": ["owner-shape",
                         {"check": "stale-record", "owner": "a.example"}]})",
        "policy.json");
    REQUIRE(policy.ok());
    CHECK(policy->ttl_ceiling == 300);
    CHECK(policy->allows(OwnerShape::server));
    CHECK_FALSE(policy->allows(OwnerShape::device));
    REQUIRE(policy->suppressions.size() == 2);
    CHECK(policy->suppressions[1].owner == "a.example.");
}

TEST_CASE("policy errors name the file, line and fix") {
    auto message = [](std::string_view text) {
        Result<ZonePolicy> policy = parse_zone_policy(text, "p.conf");
        REQUIRE_FALSE(policy.ok());
        CHECK(policy.error().category == ErrorCategory::input);
        return policy.error().message;
    };
    CHECK(message("ttl-ceiling = soon\n") ==
          "invalid policy file p.conf: line 1: ttl-ceiling: 'soon' is not a "
          "whole number from 0 to 4294967295");
    CHECK(message("\ncolour = blue\n") ==
          "invalid policy file p.conf: line 2: unknown key 'colour': use "
          "ttl-ceiling, expiry-days, signature-days, owner-shapes or "
          "suppress");
    CHECK(message("suppress = no-such-check\n") ==
          "invalid policy file p.conf: line 1: unknown check ID "
          "'no-such-check' in suppression: run 'dance zone-check "
          "--list-checks' for the IDs");
    CHECK(message("owner-shapes = device,host\n") ==
          "invalid policy file p.conf: line 1: unknown owner shape 'host': "
          "use service, device, freeform, server");
    CHECK(message("{\"ttl-ceiling\": -1}") ==
          "invalid policy file p.conf: ttl-ceiling: expected a string or a "
          "non-negative number, got -1");
    CHECK(message("{ broken") ==
          "invalid policy file p.conf: not a JSON object: check the braces, "
          "commas and quotes");
}

TEST_CASE("text report is compiler style") {
    std::string text =
        render_report(sample(), ReportFormat::text, context(Severity::error));
    CHECK(text ==
          "zones/a b.zone:7: error: [tlsa-digest-length] SHA2-256 data is 3 "
          "octets\n"
          "zones/a.zone:9: warning: [ttl-ceiling] TTL 86400, above 3600: "
          "<lower> it & retry\n"
          "zones/a.zone: notice: [dnssec-unsigned] no RRSIG,\nsign it\n");
}

TEST_CASE("SARIF report has rules, levels and regions") {
    nlohmann::json sarif = nlohmann::json::parse(
        render_report(sample(), ReportFormat::sarif, context(Severity::error)));
    CHECK(sarif["version"] == "2.1.0");
    const nlohmann::json& run = sarif["runs"][0];
    CHECK(run["tool"]["driver"]["name"] == "dance zone-check");
    CHECK(run["tool"]["driver"]["version"] == "1.2.3");
    CHECK(run["tool"]["driver"]["rules"].size() == zone_checks().size());

    const nlohmann::json& results = run["results"];
    REQUIRE(results.size() == 3);
    CHECK(results[0]["ruleId"] == "tlsa-digest-length");
    CHECK(results[0]["level"] == "error");
    const nlohmann::json& location = results[0]["locations"][0];
    CHECK(location["physicalLocation"]["artifactLocation"]["uri"] ==
          "zones/a%20b.zone");
    CHECK(location["physicalLocation"]["region"]["startLine"] == 7);
    CHECK(location["logicalLocations"][0]["name"] == "d1._device.example.");
    std::size_t rule = results[0]["ruleIndex"];
    CHECK(run["tool"]["driver"]["rules"][rule]["id"] == "tlsa-digest-length");
    CHECK(results[2]["level"] == "note");
    CHECK_FALSE(
        results[2]["locations"][0]["physicalLocation"].contains("region"));
}

TEST_CASE("JSON report counts findings against the threshold") {
    nlohmann::json report = nlohmann::json::parse(render_report(
        sample(), ReportFormat::json, context(Severity::warning)));
    CHECK(report["failed"] == true);
    CHECK(report["counts"]["error"] == 1);
    CHECK(report["counts"]["notice"] == 1);
    CHECK(report["diagnostics"][2]["line"].is_null());
    CHECK(report["diagnostics"][0]["owner"] == "d1._device.example.");
}

TEST_CASE("JUnit report fails checks at or above the threshold") {
    std::string junit = render_report(sample(), ReportFormat::junit,
                                      context(Severity::warning));
    CHECK(junit.find("failures=\"2\"") != std::string::npos);
    CHECK(junit.find("<failure type=\"ttl-ceiling\" message=\"1 "
                     "finding(s)\">zones/a.zone:9: warning: [ttl-ceiling] TTL "
                     "86400, above 3600: &lt;lower&gt; it &amp; retry\n"
                     "</failure>") != std::string::npos);
    CHECK(junit.find("<system-out>zones/a.zone: notice: [dnssec-unsigned]") !=
          std::string::npos);
}

TEST_CASE("GitHub annotations escape properties and messages") {
    std::string github =
        render_report(sample(), ReportFormat::github, context(Severity::error));
    CHECK(github ==
          "::error file=zones/a b.zone,line=7,title=tlsa-digest-length::"
          "SHA2-256 data is 3 octets\n"
          "::warning file=zones/a.zone,line=9,title=ttl-ceiling::TTL 86400, "
          "above 3600: <lower> it & retry\n"
          "::notice file=zones/a.zone,title=dnssec-unsigned::no RRSIG,%0Asign "
          "it\n");
}
