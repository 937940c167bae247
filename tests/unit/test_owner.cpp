#include <doctest/doctest.h>
#include <string>

#include "dance/owner.hpp"

using dance::ErrorCategory;
using dance::Name;

namespace {

Name name(const char* text) {
    auto parsed = Name::parse(text);
    REQUIRE(parsed.ok());
    return *parsed;
}

std::string error_of(const dance::Result<Name>& result) {
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().category == ErrorCategory::input);
    return result.error().message;
}

} // namespace

TEST_CASE("service owner of the draft example") {
    auto owner = dance::service_owner("smtp-client", name("device1.example.com"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "_smtp-client.device1.example.com.");
    CHECK(owner->to_text() == "_smtp-client.device1.example.com");
}

TEST_CASE("service owner keeps one leading underscore") {
    auto owner = dance::service_owner("_SMTP-Client", name("device1.example"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "_smtp-client.device1.example.");
}

TEST_CASE("service owner accepts custom service strings") {
    auto owner = dance::service_owner("my_custom-service-name-longer-than-15",
                                      name("client.example"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() ==
          "_my_custom-service-name-longer-than-15.client.example.");
}

TEST_CASE("service owner rejects bad services") {
    const Name client = name("device1.example");
    CHECK(error_of(dance::service_owner("", client)) ==
          "invalid service \"\": the service name is empty");
    CHECK(error_of(dance::service_owner("_", client)) ==
          "invalid service \"_\": the service name is empty");
    CHECK(error_of(dance::service_owner("smtp.client", client)) ==
          "invalid service \"smtp.client\": a service is one label and has "
          "no dot");
    CHECK(error_of(dance::service_owner("smtpü", client)) ==
          "invalid service \"smtpü\": service names are ASCII letters, "
          "digits and hyphens (RFC 6335)");
    CHECK(error_of(dance::service_owner("smtp client", client)) ==
          "invalid DNS name \"_smtp client.device1.example\": label "
          "\"_smtp client\" contains a space: use only letters, digits, "
          "hyphens and underscores");
    CHECK(error_of(dance::service_owner("smtp-", client)) ==
          "invalid DNS name \"_smtp-.device1.example\": label \"_smtp-\" "
          "ends with a hyphen: a label must start and end with a letter, "
          "digit or underscore");
    CHECK(error_of(dance::service_owner(std::string(63, 's'), client))
              .find("is 64 octets long: a label may be at most 63 octets") !=
          std::string::npos);
}

TEST_CASE("service owner rejects root and wildcard clients") {
    CHECK(error_of(dance::service_owner("smtp", Name())) ==
          "invalid client name \".\": give a domain name below the root");
    CHECK(error_of(dance::service_owner("smtp", name("*.example"))) ==
          "invalid client name \"*.example\": a wildcard \"*\" may only be "
          "the leftmost label of the whole owner name");
}

TEST_CASE("service owner over 255 octets is rejected") {
    const std::string label(63, 'a');
    const Name client = name((label + "." + label + "." + label + "." +
                              std::string(50, 'b'))
                                 .c_str());
    CHECK(error_of(dance::service_owner("smtp-client", client))
              .find("octets long in wire form: a name may be at most 255 "
                    "octets") != std::string::npos);
}

TEST_CASE("device owner of the draft example") {
    auto owner = dance::device_owner(name("sensor7"), name("example.com"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "sensor7._device.example.com.");
    CHECK(owner->to_text() == "sensor7._device.example.com");
}

TEST_CASE("device owner with several device labels") {
    auto owner =
        dance::device_owner(name("sensor7.floor2"), name("Example.com"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "sensor7.floor2._device.example.com.");
}

TEST_CASE("device owner with a wildcard device") {
    auto owner = dance::device_owner(name("*"), name("example.com"));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "*._device.example.com.");
    CHECK(owner->is_wildcard());
}

TEST_CASE("device owner rejects root device and bad org") {
    CHECK(error_of(dance::device_owner(Name(), name("example.com"))) ==
          "invalid device name \".\": give the device's own label, such as "
          "\"sensor7\"");
    CHECK(error_of(dance::device_owner(name("sensor7"), Name())) ==
          "invalid organization name \".\": give a domain name below the "
          "root");
    CHECK(error_of(dance::device_owner(name("sensor7"), name("*.example")))
              .find("a wildcard \"*\" may only be the leftmost label") !=
          std::string::npos);
}

TEST_CASE("freeform owner is the client name") {
    auto owner = dance::freeform_owner(name("Device73.example.com."));
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "device73.example.com.");
    CHECK(owner->to_text() == "device73.example.com");
}

TEST_CASE("freeform owner rejects underscore labels") {
    CHECK(error_of(dance::freeform_owner(name("_smtp.device1.example"))) ==
          "invalid freeform client name \"_smtp.device1.example\": label "
          "\"_smtp\" contains an underscore, which a certificate's dNSName "
          "cannot carry (RFC 5280): use the service or device form instead");
    CHECK(error_of(dance::freeform_owner(name("a_b.example")))
              .find("label \"a_b\" contains an underscore") !=
          std::string::npos);
    CHECK(error_of(dance::freeform_owner(Name())) ==
          "invalid client name \".\": give a domain name below the root");
}

TEST_CASE("server owner forms") {
    auto tcp = dance::server_owner(443, "tcp", name("www.example"));
    REQUIRE(tcp.ok());
    CHECK(tcp->to_string() == "_443._tcp.www.example.");

    auto udp = dance::server_owner(853, "UDP", name("dns.example"));
    REQUIRE(udp.ok());
    CHECK(udp->to_string() == "_853._udp.dns.example.");

    auto sctp = dance::server_owner(65535, "sctp", name("a.example"));
    REQUIRE(sctp.ok());
    CHECK(sctp->to_string() == "_65535._sctp.a.example.");
}

TEST_CASE("server owner rejects bad port, proto and host") {
    const Name host = name("www.example");
    CHECK(error_of(dance::server_owner(0, "tcp", host)) ==
          "invalid port 0: use a port from 1 to 65535");
    CHECK(error_of(dance::server_owner(443, "quic", host)) ==
          "invalid transport protocol \"quic\": use tcp, udp or sctp");
    CHECK(error_of(dance::server_owner(443, "_tcp", host)) ==
          "invalid transport protocol \"_tcp\": use tcp, udp or sctp");
    CHECK(error_of(dance::server_owner(443, "", host)) ==
          "invalid transport protocol \"\": use tcp, udp or sctp");
    CHECK(error_of(dance::server_owner(443, "tcp", Name())) ==
          "invalid host name \".\": give a domain name below the root");
}

TEST_CASE("RFC 6335 service name warnings") {
    CHECK_FALSE(dance::service_name_warning("smtp-client"));
    CHECK_FALSE(dance::service_name_warning("_smtp-client"));
    CHECK_FALSE(dance::service_name_warning("x509"));

    CHECK(dance::service_name_warning("a-very-long-service") ==
          "service \"a-very-long-service\" is not an RFC 6335 service name "
          "because it has 19 characters, more than 15. The draft allows "
          "custom service strings, but check for a typo");
    CHECK(dance::service_name_warning("smtp_client")
              ->find("because it has characters other than letters, digits "
                     "and hyphens.") != std::string::npos);
    CHECK(dance::service_name_warning("1234")->find(
              "because it has no letter.") != std::string::npos);
    CHECK(dance::service_name_warning("smtp--client")
              ->find("because it has two hyphens in a row.") !=
          std::string::npos);
    CHECK(dance::service_name_warning("-smtp")->find(
              "because it starts or ends with a hyphen.") !=
          std::string::npos);
    CHECK(dance::service_name_warning("_")->find("because it is empty.") !=
          std::string::npos);
}
