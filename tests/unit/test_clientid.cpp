#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "dance/clientid.hpp"

using dance::ClientIdAlert;
using dance::ClientIdProblem;

namespace {

std::vector<std::uint8_t> framed(std::string_view name) {
    std::vector<std::uint8_t> data(1 + name.size());
    data[0] = static_cast<std::uint8_t>(name.size());
    std::copy(name.begin(), name.end(), data.begin() + 1);
    return data;
}

} // namespace

TEST_CASE("server extension is the single octet 00") {
    CHECK(dance::encode_server_extension() == std::vector<std::uint8_t>{0});
}

TEST_CASE("client extension encodes length then name") {
    auto data = dance::encode_client_extension("sensor7._device.example.com");
    REQUIRE(data.ok());
    CHECK(data->size() == 28);
    CHECK((*data)[0] == 27);
    CHECK(std::string(data->begin() + 1, data->end()) ==
          "sensor7._device.example.com");
}

TEST_CASE("client extension rejects a bad name") {
    auto data = dance::encode_client_extension("device.example.");
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().message ==
          "invalid ClientName 'device.example.': the name ends with a dot "
          "(send it without the trailing dot)");
}

TEST_CASE("client extension round-trips") {
    const std::string name = "_smtp-client.device1.example.com";
    auto data = dance::encode_client_extension(name);
    REQUIRE(data.ok());
    auto decoded = dance::decode_client_extension(*data);
    REQUIRE(decoded.ok());
    CHECK(*decoded.client_name == name);
    CHECK_FALSE(decoded.error.has_value());
}

TEST_CASE("decode keeps the case of the name") {
    auto decoded = dance::decode_client_extension(framed("Device1.Example"));
    REQUIRE(decoded.ok());
    CHECK(*decoded.client_name == "Device1.Example");
}

TEST_CASE("decode_error for framing faults") {
    struct Case {
        const char* description;
        std::vector<std::uint8_t> data;
        ClientIdProblem problem;
    };
    const std::vector<Case> cases = {
        {"empty extension_data", {}, ClientIdProblem::empty_extension},
        {"length beyond the data", {5, 'a', 'b'},
         ClientIdProblem::length_mismatch},
        {"length 255 with one octet", {255, 'a'},
         ClientIdProblem::length_mismatch},
        {"trailing octet", {1, 'a', 'b'}, ClientIdProblem::trailing_bytes},
        {"zero length then data", {0, 'a'}, ClientIdProblem::trailing_bytes},
    };
    for (const Case& c : cases) {
        CAPTURE(c.description);
        auto decoded = dance::decode_client_extension(c.data);
        CHECK_FALSE(decoded.ok());
        REQUIRE(decoded.error.has_value());
        CHECK(decoded.error->problem == c.problem);
        CHECK(decoded.error->alert == ClientIdAlert::decode_error);
    }
}

TEST_CASE("framing detail names the lengths") {
    auto decoded = dance::decode_client_extension(
        std::vector<std::uint8_t>{5, 'a', 'b'});
    REQUIRE(decoded.error.has_value());
    CHECK(decoded.error->detail ==
          "ClientName length octet is 5 but only 2 octets follow");
}

TEST_CASE("zero-length name from a client is handshake_failure") {
    auto decoded =
        dance::decode_client_extension(std::vector<std::uint8_t>{0});
    CHECK_FALSE(decoded.ok());
    REQUIRE(decoded.error.has_value());
    CHECK(decoded.error->problem == ClientIdProblem::zero_length_name);
    CHECK(decoded.error->alert == ClientIdAlert::handshake_failure);
}

TEST_CASE("handshake_failure for bad name syntax") {
    struct Case {
        std::string name;
        std::string detail;
    };
    const std::vector<Case> cases = {
        {"device.example.",
         "the name ends with a dot (send it without the trailing dot)"},
        {"d\xc3\xa9vice.example",
         "non-ASCII octet 0xc3 at offset 1 (internationalised labels must "
         "be A-labels)"},
        {"dev\\046ice.example",
         "escape sequence at offset 3 (escapes are not allowed)"},
        {"device..example", "empty label at offset 7"},
        {".example", "empty label at offset 0"},
        {"dev ice.example",
         "character 0x20 at offset 3 (only letters, digits, '-' and '_' "
         "are allowed)"},
        {"*._device.example",
         "character 0x2a at offset 0 (only letters, digits, '-' and '_' "
         "are allowed)"},
        {std::string(64, 'a') + ".example",
         "label at offset 0 has 64 characters (maximum 63)"},
        {std::string(63, 'a') + "." + std::string(63, 'b') + "." +
             std::string(63, 'c') + "." + std::string(63, 'd'),
         "the name has 255 characters (maximum 253)"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        auto decoded = dance::decode_client_extension(framed(c.name));
        CHECK_FALSE(decoded.ok());
        REQUIRE(decoded.error.has_value());
        CHECK(decoded.error->problem == ClientIdProblem::bad_name_syntax);
        CHECK(decoded.error->alert == ClientIdAlert::handshake_failure);
        CHECK(decoded.error->detail == c.detail);
    }
}

TEST_CASE("names at the length limits are accepted") {
    const std::string label63(63, 'a');
    CHECK_FALSE(dance::client_name_syntax_problem(label63).has_value());

    // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters.
    const std::string longest = label63 + "." + std::string(63, 'b') + "." +
                                std::string(63, 'c') + "." +
                                std::string(61, 'd');
    REQUIRE(longest.size() == 253);
    auto decoded = dance::decode_client_extension(framed(longest));
    CHECK(decoded.ok());
}

TEST_CASE("single-label and underscore names are accepted") {
    CHECK(dance::decode_client_extension(framed("localhost")).ok());
    CHECK(dance::decode_client_extension(framed("_smtp._device.example"))
              .ok());
    CHECK(dance::decode_client_extension(framed("xn--bcher-kva.example"))
              .ok());
}

TEST_CASE("server extension accepts 00 and the empty form") {
    CHECK_FALSE(dance::decode_server_extension(std::vector<std::uint8_t>{0})
                    .has_value());
    CHECK_FALSE(dance::decode_server_extension({}).has_value());
}

TEST_CASE("server extension with a name is rejected") {
    auto problem = dance::decode_server_extension(framed("example"));
    REQUIRE(problem.has_value());
    CHECK(problem->problem == ClientIdProblem::name_in_request);
    CHECK(problem->alert == ClientIdAlert::handshake_failure);
}

TEST_CASE("server extension with bad framing is decode_error") {
    auto problem =
        dance::decode_server_extension(std::vector<std::uint8_t>{0, 0});
    REQUIRE(problem.has_value());
    CHECK(problem->problem == ClientIdProblem::trailing_bytes);
    CHECK(problem->alert == ClientIdAlert::decode_error);
}

TEST_CASE("codepoint parses decimal and hex") {
    auto hex = dance::parse_clientid_codepoint("0xff5a");
    REQUIRE(hex.ok());
    CHECK(*hex == 0xFF5A);
    auto decimal = dance::parse_clientid_codepoint("65370");
    REQUIRE(decimal.ok());
    CHECK(*decimal == 0xFF5A);
    CHECK(dance::format_clientid_codepoint(0xFF5A) == "0xff5a (65370)");
}

TEST_CASE("codepoint rejects bad values") {
    for (const char* text : {"", "0", "65536", "0x", "0x10000", "ff5a",
                             "-1", "12abc"}) {
        CAPTURE(text);
        auto parsed = dance::parse_clientid_codepoint(text);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().category == dance::ErrorCategory::usage);
    }
    auto renegotiation = dance::parse_clientid_codepoint("0xff01");
    REQUIRE_FALSE(renegotiation.ok());
    CHECK(renegotiation.error().message ==
          "invalid extension codepoint '0xff01': 0xff01 is "
          "renegotiation_info; pick another value in the private-use range "
          "0xff00-0xffff");
}

TEST_CASE("default codepoint is private use") {
    CHECK(dance::default_clientid_codepoint >= 0xFF00);
    CHECK(dance::default_clientid_codepoint != 0xFF01);
}

TEST_CASE("problem names are stable") {
    CHECK(std::string(dance::clientid_problem_name(
              ClientIdProblem::zero_length_name)) == "zero_length_name");
    CHECK(std::string(dance::clientid_problem_name(
              ClientIdProblem::length_mismatch)) == "length_mismatch");
}
