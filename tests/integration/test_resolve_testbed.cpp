// dance::Resolver against the loopback test bed: one case per zone of
// tests/testbed/testbed.sh, through the validating Unbound and straight to
// NSD, with the private root key and with the dance.test key as anchors.
// Run by tests/testbed/with-testbed.sh, which exports testbed.env.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "dance/resolve.hpp"

using dance::DnssecStatus;
using dance::LookupStatus;
using dance::Name;
using dance::TlsaLookup;

namespace {

std::string env(const char* key) {
    const char* value = std::getenv(key);
    if (value == nullptr || *value == '\0') {
        FAIL("missing environment variable ", key,
             ": run this test through tests/testbed/with-testbed.sh");
    }
    return value;
}

Name name_from_env(const char* key) {
    auto name = Name::parse(env(key));
    REQUIRE(name.ok());
    return *name;
}

// SHA-256 or SHA-512 of the DER SubjectPublicKeyInfo in a PEM private key.
std::vector<std::uint8_t> spki_digest(const std::string& key_file,
                                      const EVP_MD* digest) {
    std::FILE* file = std::fopen(key_file.c_str(), "r");
    REQUIRE(file != nullptr);
    EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    REQUIRE(key != nullptr);
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(key, &der);
    EVP_PKEY_free(key);
    REQUIRE(length > 0);

    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int out_length = 0;
    REQUIRE(EVP_Digest(der, static_cast<std::size_t>(length), out.data(),
                       &out_length, digest, nullptr) == 1);
    OPENSSL_free(der);
    out.resize(out_length);
    return out;
}

struct Setup {
    const char* label;
    const char* upstream_key;
    const char* anchor_key;
};

const Setup setups[] = {
    {"Unbound, root anchor", "DANCE_RESOLVER_UPSTREAM", "DANCE_TA_ROOT_DS"},
    {"Unbound, dance.test anchor", "DANCE_RESOLVER_UPSTREAM",
     "DANCE_TA_ZONE_DNSKEY"},
    {"NSD, root anchor", "DANCE_AUTH_UPSTREAM", "DANCE_TA_ROOT_DNSKEY"},
    {"NSD, dance.test anchor", "DANCE_AUTH_UPSTREAM", "DANCE_TA_ZONE_DS"},
};

dance::Resolver make_resolver(const Setup& setup, bool tcp = false) {
    dance::ResolverConfig config;
    config.upstreams = {env(setup.upstream_key)};
    config.trust_anchor_file = env(setup.anchor_key);
    config.timeout = std::chrono::milliseconds(3000);
    config.tcp = tcp;
    auto resolver = dance::Resolver::create(config);
    REQUIRE(resolver.ok());
    return std::move(*resolver);
}

TlsaLookup lookup(dance::Resolver& resolver, const char* name_key) {
    auto result = resolver.lookup_tlsa(name_from_env(name_key));
    REQUIRE(result.ok());
    return std::move(*result);
}

// The test bed signs with a 30-day validity from the start of the run.
void check_fresh_signature(const TlsaLookup& found) {
    REQUIRE(found.earliest_signature_expiry.has_value());
    std::int64_t now = std::time(nullptr);
    CHECK(*found.earliest_signature_expiry > now + 29 * 86400);
    CHECK(*found.earliest_signature_expiry < now + 31 * 86400);
}

// The zones have a TTL of 300 s. Unbound counts it down while the answer
// sits in its cache, so a slow run sees a little less.
void check_ttl(const TlsaLookup& found) {
    CHECK(found.ttl <= 300);
    CHECK(found.ttl >= 240);
}

void check_secure_answer(const TlsaLookup& found) {
    CHECK(found.status == LookupStatus::answer);
    CHECK(found.dnssec == DnssecStatus::secure);
    CHECK(found.reason == "");
    check_ttl(found);
    check_fresh_signature(found);
}

void check_single_record(const TlsaLookup& found, std::uint8_t usage,
                         std::uint8_t selector, std::uint8_t matching_type) {
    REQUIRE(found.records.size() == 1);
    CHECK(found.records[0].usage == usage);
    CHECK(found.records[0].selector == selector);
    CHECK(found.records[0].matching_type == matching_type);
}

void check_no_alias(const TlsaLookup& found) {
    CHECK(found.alias_chain.empty());
    CHECK(found.final_owner == found.query_name);
}

} // namespace

TEST_CASE("secure answers under the three client name forms") {
    auto client = spki_digest(env("DANCE_CLIENT_KEY"), EVP_sha256());
    auto device = spki_digest(env("DANCE_DEVICE_KEY"), EVP_sha256());
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);

        TlsaLookup service = lookup(resolver, "DANCE_NAME_SERVICE");
        check_secure_answer(service);
        check_no_alias(service);
        check_single_record(service, 3, 1, 1);
        CHECK(service.records[0].data == client);

        TlsaLookup by_device = lookup(resolver, "DANCE_NAME_DEVICE");
        check_secure_answer(by_device);
        check_no_alias(by_device);
        check_single_record(by_device, 3, 1, 1);
        CHECK(by_device.records[0].data == device);

        TlsaLookup freeform = lookup(resolver, "DANCE_NAME_FREEFORM");
        check_secure_answer(freeform);
        check_single_record(freeform, 3, 1, 1);
        CHECK(freeform.records[0].data == client);
    }
}

TEST_CASE("secure answer for another key and for a server name") {
    auto other = spki_digest(env("DANCE_OTHER_KEY"), EVP_sha256());
    auto server = spki_digest(env("DANCE_SERVER_KEY"), EVP_sha256());
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);

        TlsaLookup mismatch = lookup(resolver, "DANCE_NAME_MISMATCH");
        check_secure_answer(mismatch);
        check_single_record(mismatch, 3, 1, 1);
        CHECK(mismatch.records[0].data == other);

        TlsaLookup by_port = lookup(resolver, "DANCE_NAME_SERVER");
        check_secure_answer(by_port);
        check_single_record(by_port, 3, 1, 1);
        CHECK(by_port.records[0].data == server);
    }
}

TEST_CASE("wildcard DANE-TA record is synthesised at the device name") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        for (const char* key :
             {"DANCE_NAME_WILDCARD", "DANCE_NAME_WILDCARD_NOSAN"}) {
            CAPTURE(key);
            TlsaLookup found = lookup(resolver, key);
            check_secure_answer(found);
            check_no_alias(found);
            check_single_record(found, 2, 0, 1);
            CHECK(found.records[0].data.size() == 32);
        }
    }
}

TEST_CASE("CNAME and DNAME inside the signed zone are followed") {
    Name target = name_from_env("DANCE_NAME_SERVICE");
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        for (const char* key : {"DANCE_NAME_CNAME", "DANCE_NAME_DNAME"}) {
            CAPTURE(key);
            TlsaLookup found = lookup(resolver, key);
            check_secure_answer(found);
            CHECK(found.final_owner == target);
            REQUIRE(found.alias_chain.size() == 1);
            CHECK(found.alias_chain[0] == name_from_env(key));
            check_single_record(found, 3, 1, 1);
        }
    }
}

TEST_CASE("CNAME into the unsigned zone is insecure") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        TlsaLookup found = lookup(resolver, "DANCE_NAME_CNAME_INSECURE");
        CHECK(found.status == LookupStatus::answer);
        CHECK(found.dnssec == DnssecStatus::insecure);
        CHECK(found.final_owner == name_from_env("DANCE_NAME_INSECURE"));
        CHECK(found.alias_chain.size() == 1);
        CHECK(found.records.size() == 1);
    }
}

TEST_CASE("alias chain of ten links fails at the cap of eight") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        TlsaLookup found = lookup(resolver, "DANCE_NAME_CNAME_CHAIN");
        CHECK(found.status == LookupStatus::failed);
        CHECK(found.dnssec == DnssecStatus::indeterminate);
        CHECK(found.reason == "more than 8 CNAME or DNAME links from " +
                                  name_from_env("DANCE_NAME_CNAME_CHAIN")
                                      .to_string());
        CHECK(found.records.empty());
    }
}

TEST_CASE("unsigned delegation is insecure") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        TlsaLookup found = lookup(resolver, "DANCE_NAME_INSECURE");
        CHECK(found.status == LookupStatus::answer);
        CHECK(found.dnssec == DnssecStatus::insecure);
        CHECK(found.reason == "");
        check_no_alias(found);
        CHECK(found.records.size() == 1);
    }
}

TEST_CASE("record changed after signing is bogus") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        TlsaLookup found = lookup(resolver, "DANCE_NAME_TAMPERED");
        CHECK(found.status == LookupStatus::answer);
        CHECK(found.dnssec == DnssecStatus::bogus);
        CHECK(found.reason == "a signature does not verify, or the chain of "
                              "trust from the trust anchor is broken");
        CHECK(found.records.size() == 1);
    }
}

TEST_CASE("expired signatures are bogus with the expiry time") {
    Name name = name_from_env("DANCE_NAME_EXPIRED_SIGNATURES");
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);
        TlsaLookup found = lookup(resolver, "DANCE_NAME_EXPIRED_SIGNATURES");
        CHECK(found.status == LookupStatus::answer);
        CHECK(found.dnssec == DnssecStatus::bogus);
        CHECK(found.reason == "the RRSIG over the TLSA at " +
                                  name.to_string() +
                                  " expired at 2020-02-01T00:00:00Z");
        // 2020-02-01T00:00:00Z, the expiration the test bed signs with.
        CHECK(found.earliest_signature_expiry == 1580515200);
    }
}

TEST_CASE("NXDOMAIN and NODATA are proven secure") {
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);

        TlsaLookup missing = lookup(resolver, "DANCE_NAME_NXDOMAIN");
        CHECK(missing.status == LookupStatus::nxdomain);
        CHECK(missing.dnssec == DnssecStatus::secure);
        CHECK(missing.records.empty());
        check_ttl(missing);

        TlsaLookup empty = lookup(resolver, "DANCE_NAME_NODATA");
        CHECK(empty.status == LookupStatus::nodata);
        CHECK(empty.dnssec == DnssecStatus::secure);
        CHECK(empty.records.empty());
        check_ttl(empty);
        check_fresh_signature(empty);
    }
}

TEST_CASE("name outside the private tree is a secure NXDOMAIN") {
    dance::Resolver resolver = make_resolver(setups[0]);
    auto found = resolver.lookup_tlsa(*Name::parse("_smtp-client.example"));
    REQUIRE(found.ok());
    CHECK(found->status == LookupStatus::nxdomain);
    CHECK(found->dnssec == DnssecStatus::secure);
}

TEST_CASE("agility, unknown usage and expired leaf records are returned") {
    auto client256 = spki_digest(env("DANCE_CLIENT_KEY"), EVP_sha256());
    auto other512 = spki_digest(env("DANCE_OTHER_KEY"), EVP_sha512());
    for (const Setup& setup : setups) {
        CAPTURE(setup.label);
        dance::Resolver resolver = make_resolver(setup);

        TlsaLookup agility = lookup(resolver, "DANCE_NAME_AGILITY");
        check_secure_answer(agility);
        REQUIRE(agility.records.size() == 2);
        bool has256 = false;
        bool has512 = false;
        for (const dance::TlsaRecord& record : agility.records) {
            has256 |= record.matching_type == 1 && record.data == client256;
            has512 |= record.matching_type == 2 && record.data == other512;
        }
        CHECK(has256);
        CHECK(has512);

        TlsaLookup unknown = lookup(resolver, "DANCE_NAME_UNKNOWN_USAGE");
        check_secure_answer(unknown);
        check_single_record(unknown, 4, 1, 1);

        TlsaLookup expired_leaf = lookup(resolver, "DANCE_NAME_EXPIRED_LEAF");
        check_secure_answer(expired_leaf);
        check_single_record(expired_leaf, 3, 0, 1);
    }
}

TEST_CASE("TCP transport gives the same outcomes") {
    dance::Resolver resolver = make_resolver(setups[0], true);
    check_secure_answer(lookup(resolver, "DANCE_NAME_SERVICE"));
    CHECK(lookup(resolver, "DANCE_NAME_TAMPERED").dnssec ==
          DnssecStatus::bogus);
    CHECK(lookup(resolver, "DANCE_NAME_NXDOMAIN").status ==
          LookupStatus::nxdomain);
}

TEST_CASE("anchor for a key the root does not use makes answers bogus") {
    // The dance.test key, claimed for the root zone.
    std::ifstream zone_key(env("DANCE_TA_ZONE_DNSKEY"));
    std::string line;
    std::getline(zone_key, line);
    std::string wrong = ". " + line.substr(line.find(' ') + 1);
    std::string path = env("DANCE_TESTBED_DIR") + "/wrong-root.dnskey";
    std::ofstream(path) << wrong << "\n";

    dance::ResolverConfig config;
    config.upstreams = {env("DANCE_RESOLVER_UPSTREAM")};
    config.trust_anchor_file = path;
    auto resolver = dance::Resolver::create(config);
    REQUIRE(resolver.ok());
    auto found = resolver->lookup_tlsa(name_from_env("DANCE_NAME_SERVICE"));
    REQUIRE(found.ok());
    CHECK(found->status == LookupStatus::answer);
    CHECK(found->dnssec == DnssecStatus::bogus);
}

namespace {

// A TCP socket on a free loopback port. With listening set, the kernel
// accepts connections that no process ever reads or answers.
struct LoopbackSocket {
    int fd = -1;
    std::string upstream;

    explicit LoopbackSocket(bool listening) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address),
                     sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address),
                            &length) == 0);
        if (listening)
            REQUIRE(listen(fd, 16) == 0);
        upstream = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    }
    ~LoopbackSocket() { close(fd); }
};

dance::Resolver resolver_for(const std::string& upstream) {
    dance::ResolverConfig config;
    config.upstreams = {upstream};
    config.trust_anchor_file = env("DANCE_TA_ROOT_DS");
    config.timeout = std::chrono::milliseconds(500);
    auto resolver = dance::Resolver::create(config);
    REQUIRE(resolver.ok());
    return std::move(*resolver);
}

} // namespace

TEST_CASE("silent upstream times out within the timeout") {
    LoopbackSocket silent(true);
    dance::Resolver resolver = resolver_for(silent.upstream);

    auto start = std::chrono::steady_clock::now();
    auto found = resolver.lookup_tlsa(name_from_env("DANCE_NAME_SERVICE"));
    auto elapsed = std::chrono::steady_clock::now() - start;

    REQUIRE(found.ok());
    CHECK(found->status == LookupStatus::timeout);
    CHECK(found->dnssec == DnssecStatus::indeterminate);
    CHECK(found->reason ==
          "no reply from " + silent.upstream + " within 500 ms");
    CHECK(elapsed >= std::chrono::milliseconds(450));
    CHECK(elapsed < std::chrono::milliseconds(1500));
}

TEST_CASE("closed upstream port fails without waiting") {
    LoopbackSocket closed(false);
    dance::Resolver resolver = resolver_for(closed.upstream);

    auto start = std::chrono::steady_clock::now();
    auto found = resolver.lookup_tlsa(name_from_env("DANCE_NAME_SERVICE"));
    auto elapsed = std::chrono::steady_clock::now() - start;

    REQUIRE(found.ok());
    CHECK(found->status == LookupStatus::failed);
    CHECK(found->dnssec == DnssecStatus::indeterminate);
    CHECK(found->reason == "no reply from " + closed.upstream +
                               ": the connection failed or closed early");
    CHECK(elapsed < std::chrono::milliseconds(450));
}

TEST_CASE("batch returns every name once with its own outcome") {
    std::vector<Name> names;
    std::vector<TlsaLookup> expected;
    dance::Resolver resolver = make_resolver(setups[0]);
    for (const char* key :
         {"DANCE_NAME_SERVICE", "DANCE_NAME_TAMPERED", "DANCE_NAME_NXDOMAIN",
          "DANCE_NAME_NODATA", "DANCE_NAME_INSECURE", "DANCE_NAME_CNAME",
          "DANCE_NAME_WILDCARD", "DANCE_NAME_EXPIRED_SIGNATURES"}) {
        names.push_back(name_from_env(key));
        expected.push_back(lookup(resolver, key));
    }
    // Each name three times, so that more names than slots are queued.
    std::vector<Name> queued;
    for (int round = 0; round < 3; ++round)
        queued.insert(queued.end(), names.begin(), names.end());

    std::vector<int> seen(queued.size(), 0);
    auto status = resolver.lookup_tlsa_batch(
        queued,
        [&](std::size_t index, const Name& name,
            dance::Result<TlsaLookup> result) {
            REQUIRE(index < queued.size());
            ++seen[index];
            CHECK(name == queued[index]);
            REQUIRE(result.ok());
            const TlsaLookup& want = expected[index % names.size()];
            CHECK(result->query_name == want.query_name);
            CHECK(result->status == want.status);
            CHECK(result->dnssec == want.dnssec);
            CHECK(result->final_owner == want.final_owner);
            CHECK(result->records == want.records);
        },
        4);
    REQUIRE(status.ok());
    for (int count : seen)
        CHECK(count == 1);
}
