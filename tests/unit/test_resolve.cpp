// Resolver configuration checks that need no DNS server: upstream and
// resolv.conf parsing, trust anchor files, and Resolver::create errors.
// Lookups are tested against the loopback test bed in tests/integration.
#include "dance/resolve.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

using dance::ErrorCategory;
using dance::Resolver;
using dance::ResolverConfig;

namespace {

// A file in a fresh temporary directory, removed with the object.
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "dance-resolve-XXXXXX")
                .string();
        directory_ = mkdtemp(pattern.data());
        path_ = directory_ + "/file";
        std::ofstream(path_) << content;
    }
    ~TempFile() { std::filesystem::remove_all(directory_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }
    std::string missing() const { return directory_ + "/missing"; }

private:
    std::string directory_;
    std::string path_;
};

const char* const root_ds =
    ". 3600 IN DS 20326 8 2 "
    "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n";

const char* const zone_dnskey =
    "dance.test. 3600 IN DNSKEY 257 3 13 "
    "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rA"
    "K9iUzy1L53eKGQ==\n";

ResolverConfig loopback_config(const std::string& anchor_file) {
    ResolverConfig config;
    config.upstreams = {"127.0.0.1:5353"};
    config.trust_anchor_file = anchor_file;
    return config;
}

} // namespace

TEST_CASE("parse_upstream accepts numeric addresses with optional ports") {
    struct Case {
        const char* text;
        const char* address;
        std::uint16_t port;
        bool ipv6;
    };
    const Case cases[] = {
        {"127.0.0.1", "127.0.0.1", 53, false},
        {"127.0.0.1:5353", "127.0.0.1", 5353, false},
        {"[::1]:53", "::1", 53, true},
        {"[::1]", "::1", 53, true},
        {"::1", "::1", 53, true},
        {"[2001:db8::1]:65535", "2001:db8::1", 65535, true},
        {"2001:db8::53", "2001:db8::53", 53, true},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        auto upstream = dance::parse_upstream(c.text);
        REQUIRE(upstream.ok());
        CHECK(upstream->address == c.address);
        CHECK(upstream->port == c.port);
        CHECK(upstream->ipv6 == c.ipv6);
    }
}

TEST_CASE("parse_upstream rejects names, bad ports and brackets") {
    struct Case {
        const char* text;
        const char* fragment;
    };
    const Case cases[] = {
        {"", "the address is empty"},
        {"localhost", "expected a numeric address"},
        {"localhost:53", "expected a numeric address"},
        {"127.0.0.1:0", "is not a number from 1 to 65535"},
        {"127.0.0.1:65536", "is not a number from 1 to 65535"},
        {"127.0.0.1:", "is not a number from 1 to 65535"},
        {"127.0.0.1:53x", "is not a number from 1 to 65535"},
        {"[::1", "missing \"]\""},
        {"[::1]53", "expected \":PORT\" after \"]\""},
        {"[127.0.0.1]:53", "is not a numeric IPv6 address"},
        {"300.0.0.1", "expected a numeric address"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        auto upstream = dance::parse_upstream(c.text);
        REQUIRE_FALSE(upstream.ok());
        CHECK(upstream.error().category == ErrorCategory::usage);
        CHECK(upstream.error().message.find(c.fragment) != std::string::npos);
        CHECK(upstream.error().message.find("invalid resolver address \"" +
                                            std::string(c.text) + "\"") == 0);
    }
}

TEST_CASE("Upstream::to_string brackets IPv6 and shows the port") {
    CHECK(dance::parse_upstream("127.0.0.1")->to_string() == "127.0.0.1:53");
    CHECK(dance::parse_upstream("::1")->to_string() == "[::1]:53");
}

TEST_CASE("parse_resolv_conf keeps nameserver lines in order") {
    auto upstreams = dance::parse_resolv_conf("# generated\n"
                                              "search example\n"
                                              "nameserver 127.0.0.53\n"
                                              "options edns0 trust-ad\n"
                                              "; comment\n"
                                              "nameserver   ::1\n"
                                              "nameserver fe80::1%eth0\n");
    REQUIRE(upstreams.ok());
    REQUIRE(upstreams->size() == 2);
    CHECK((*upstreams)[0].to_string() == "127.0.0.53:53");
    CHECK((*upstreams)[1].to_string() == "[::1]:53");
}

TEST_CASE("parse_resolv_conf without a usable nameserver is an error") {
    auto none = dance::parse_resolv_conf("search example\n");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().category == ErrorCategory::input);
    CHECK(none.error().message ==
          "no resolver to use: it has no \"nameserver\" line; pass "
          "--resolver ADDR[:PORT]");

    auto invalid = dance::parse_resolv_conf("nameserver dns.example\n");
    REQUIRE_FALSE(invalid.ok());
    CHECK(invalid.error().message.find("(first: \"dns.example\")") !=
          std::string::npos);
}

TEST_CASE("trust anchor file with DS and DNSKEY records is counted") {
    TempFile file(std::string("; anchors\n") + root_ds + zone_dnskey);
    auto count = dance::check_trust_anchor_file(file.path());
    REQUIRE(count.ok());
    CHECK(*count == 2);
}

TEST_CASE("Debian's root key file parses when installed") {
    std::string path(dance::default_trust_anchor_file);
    if (!std::filesystem::exists(path))
        return;
    auto count = dance::check_trust_anchor_file(path);
    REQUIRE(count.ok());
    CHECK(*count >= 1);
}

TEST_CASE("trust anchor file errors name the file and the problem") {
    TempFile empty("");
    auto result = dance::check_trust_anchor_file(empty.path());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().category == ErrorCategory::input);
    CHECK(result.error().message ==
          "invalid trust anchor file " + empty.path() +
              ": it contains no DS or DNSKEY record in presentation form, "
              "such as \". IN DS 20326 8 2 E06D...\"");

    TempFile address_only("example. 300 IN A 192.0.2.1\n");
    result = dance::check_trust_anchor_file(address_only.path());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("it contains no DS or DNSKEY") !=
          std::string::npos);

    // getdns_fp2rr_list skips lines it cannot parse.
    TempFile garbage("this is not a zone file ( (\n");
    result = dance::check_trust_anchor_file(garbage.path());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("invalid trust anchor file " +
                                      garbage.path() +
                                      ": it contains no DS or DNSKEY") == 0);

    result = dance::check_trust_anchor_file(empty.missing());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().category == ErrorCategory::input);
    CHECK(result.error().message ==
          "cannot read trust anchor file " + empty.missing() +
              ": No such file or directory; install dns-root-data or pass "
              "--trust-anchor FILE");
}

TEST_CASE("Resolver::create with a loopback upstream and an anchor") {
    TempFile anchor(root_ds);
    ResolverConfig config = loopback_config(anchor.path());
    config.upstreams.push_back("[::1]:5353");
    auto resolver = Resolver::create(config);
    REQUIRE(resolver.ok());
    REQUIRE(resolver->upstreams().size() == 2);
    CHECK(resolver->upstreams()[0].to_string() == "127.0.0.1:5353");
    CHECK(resolver->upstreams()[1].to_string() == "[::1]:5353");
}

TEST_CASE("Resolver::create rejects a bad upstream") {
    TempFile anchor(root_ds);
    ResolverConfig config = loopback_config(anchor.path());
    config.upstreams = {"resolver.example"};
    auto resolver = Resolver::create(config);
    REQUIRE_FALSE(resolver.ok());
    CHECK(resolver.error().category == ErrorCategory::usage);
    CHECK(resolver.error().message.find(
              "invalid resolver address \"resolver.example\"") == 0);
}

TEST_CASE("Resolver::create rejects a missing or empty trust anchor") {
    TempFile empty("");
    auto resolver = Resolver::create(loopback_config(empty.path()));
    REQUIRE_FALSE(resolver.ok());
    CHECK(resolver.error().category == ErrorCategory::input);
    CHECK(resolver.error().message.find("it contains no DS or DNSKEY") !=
          std::string::npos);

    resolver = Resolver::create(loopback_config(empty.missing()));
    REQUIRE_FALSE(resolver.ok());
    CHECK(resolver.error().message.find("cannot read trust anchor file") == 0);
}

TEST_CASE("Resolver::create rejects a timeout that is not positive") {
    TempFile anchor(root_ds);
    ResolverConfig config = loopback_config(anchor.path());
    config.timeout = std::chrono::milliseconds(0);
    auto resolver = Resolver::create(config);
    REQUIRE_FALSE(resolver.ok());
    CHECK(resolver.error().category == ErrorCategory::usage);
    CHECK(resolver.error().message ==
          "invalid timeout 0 ms: use a positive number");
}

TEST_CASE("Resolver::create reads resolv.conf when no upstream is given") {
    TempFile anchor(root_ds);
    TempFile resolv_conf("nameserver 127.0.0.1\nnameserver ::1\n");
    ResolverConfig config = loopback_config(anchor.path());
    config.upstreams.clear();
    config.resolv_conf = resolv_conf.path();
    auto resolver = Resolver::create(config);
    REQUIRE(resolver.ok());
    REQUIRE(resolver->upstreams().size() == 2);
    CHECK(resolver->upstreams()[0].to_string() == "127.0.0.1:53");

    config.resolv_conf = resolv_conf.missing();
    resolver = Resolver::create(config);
    REQUIRE_FALSE(resolver.ok());
    CHECK(resolver.error().category == ErrorCategory::input);
    CHECK(resolver.error().message ==
          "cannot read " + resolv_conf.missing() +
              ": No such file or directory; pass --resolver ADDR[:PORT]");
}

TEST_CASE("status names are the lowercase enumerator names") {
    CHECK(std::string(dance::dnssec_status_name(dance::DnssecStatus::secure)) ==
          "secure");
    CHECK(std::string(dance::dnssec_status_name(
              dance::DnssecStatus::indeterminate)) == "indeterminate");
    CHECK(std::string(dance::lookup_status_name(dance::LookupStatus::nodata)) ==
          "nodata");
    CHECK(std::string(dance::lookup_status_name(
              dance::LookupStatus::timeout)) == "timeout");
}

// An exception from a batch callback used to unwind through getdns and
// destroy the batch while queries were still in flight. Destroying the
// context then called back into the freed batch. Nothing listens on port
// 1 of the loopback address, so every query fails fast.
TEST_CASE("batch callback exception ends the batch safely") {
    TempFile anchor(root_ds);
    ResolverConfig config = loopback_config(anchor.path());
    config.upstreams = {"127.0.0.1:1"};
    config.timeout = std::chrono::milliseconds(2000);
    auto resolver = Resolver::create(config);
    REQUIRE(resolver.ok());

    std::vector<dance::Name> names;
    for (const char* text : {"a.example", "b.example", "c.example"})
        names.push_back(*dance::Name::parse(text));
    int calls = 0;
    Resolver::BatchCallback failing = [&](std::size_t, const dance::Name&,
                                          dance::Result<dance::TlsaLookup>) {
        ++calls;
        throw std::runtime_error("output failed");
    };

    dance::Status status = dance::Ok{};
    CHECK_NOTHROW(status = resolver->lookup_tlsa_batch(names, failing, 3));
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().category == ErrorCategory::internal);
    CHECK(status.error().message ==
          "a batch lookup callback failed: output failed");
    CHECK(calls == 1);
}
