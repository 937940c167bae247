#include "dance/name.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using dance::ErrorCategory;
using dance::Name;

namespace {

struct GoodName {
    const char* input;
    const char* canonical; // to_string()
};

struct BadName {
    const char* input;
    const char* fragment; // expected inside the error message
};

const GoodName good_names[] = {
    {"device1.example", "device1.example."},
    {"device1.example.", "device1.example."},
    {"Device1.EXAMPLE.com", "device1.example.com."},
    {".", "."},
    {"_smtp-client.device1.example.com", "_smtp-client.device1.example.com."},
    {"sensor7._device.example.com", "sensor7._device.example.com."},
    {"*._device.example.com", "*._device.example.com."},
    {"*", "*."},
    {"_443._tcp.www.example", "_443._tcp.www.example."},
    {"a", "a."},
    {"1.2.3.example", "1.2.3.example."},
    {"under_score.example", "under_score.example."},
    {"r3---sn-x.example", "r3---sn-x.example."},
    {"bücher.example", "xn--bcher-kva.example."},
    {"BÜCHER.example", "xn--bcher-kva.example."},
    {"xn--bcher-kva.example", "xn--bcher-kva.example."},
    {"XN--BCHER-KVA.example", "xn--bcher-kva.example."},
    {"faß.example", "xn--fa-hia.example."},
};

const BadName bad_names[] = {
    {"", "invalid DNS name \"\": the name is empty: write \".\" for the root"},
    {"a..b", "invalid DNS name \"a..b\": empty label after \"a\": remove the "
             "extra dot"},
    {".a", "empty label at the start: remove the leading dot"},
    {"a.b..", "empty label after \"b\": remove the extra dot"},
    {"..", "empty label at the start"},
    {"a b.example", "label \"a b\" contains a space: use only letters, "
                    "digits, hyphens and underscores"},
    {"a\\065.example", "label \"a\\065\" contains a backslash: escapes such "
                       "as \\DDD are not accepted"},
    {"a\\.b.example", "contains a backslash"},
    {"a@b.example", "label \"a@b\" contains the character '@'"},
    {"a\tb.example", "label \"a\\x09b\" contains the control byte 0x09"},
    {"-a.example", "label \"-a\" starts with a hyphen: a label must start "
                   "and end with a letter, digit or underscore"},
    {"a-.example", "label \"a-\" ends with a hyphen"},
    {"a.*.example", "label \"*\" is label 2 from the left: a wildcard \"*\" "
                    "is allowed only as the leftmost label"},
    {"a*.example", "label \"a*\" contains '*': a wildcard must be the whole "
                   "leftmost label \"*\""},
    {"**.example", "label \"**\" contains '*'"},
    {"xn--zz.example", "label \"xn--zz\" starts with \"xn--\" but is not a "
                       "valid IDNA2008 A-label"},
    {"xn--.example", "label \"xn--\" ends with a hyphen"},
    {"bü cher.example", "label \"bü cher\" contains a space"},
    {"bü_cher.example", "label \"bü_cher\" contains the character '_': "
                        "IDNA2008 does not allow it in a Unicode label"},
    {"\xf0\x9f\x98\x80.example", "is not a valid IDNA2008 label"},
    {"a\xff.example", "label \"a\\xff\" is not valid UTF-8"},
    {"a\xe3\x80\x82"
     "b.example",
     "contains a Unicode full stop: separate "
     "labels with the ASCII dot '.'"},
    {"-ü.example", "label \"-ü\" starts with a hyphen"},
    {"\xc2\xb8.example", "label \"\xc2\xb8\" is not a valid IDNA2008 label: it "
                         "maps to an empty label"},
};

std::string repeat(char c, std::size_t count) {
    return std::string(count, c);
}

} // namespace

TEST_CASE("Name::parse accepts and normalises good names") {
    for (const GoodName& good : good_names) {
        const std::string input = good.input;
        CAPTURE(input);
        auto name = Name::parse(good.input);
        REQUIRE_MESSAGE(name.ok(), name.error().message);
        CHECK(name->to_string() == good.canonical);
    }
}

TEST_CASE("Name::parse rejects bad names with the rule") {
    for (const BadName& bad : bad_names) {
        const std::string input = bad.input;
        CAPTURE(input);
        auto name = Name::parse(bad.input);
        REQUIRE_FALSE(name.ok());
        CHECK(name.error().category == ErrorCategory::input);
        CHECK_MESSAGE(name.error().message.find(bad.fragment) !=
                          std::string::npos,
                      name.error().message);
    }
}

TEST_CASE("Name::parse rejects an embedded NUL byte") {
    auto name = Name::parse(std::string("a\0b.example", 11));
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message ==
          "invalid DNS name \"a\\x00b.example\": label \"a\\x00b\" contains "
          "the control byte 0x00: use only letters, digits, hyphens and "
          "underscores");
}

TEST_CASE("label length limit is 63 octets") {
    CHECK(Name::parse(repeat('a', 63) + ".example").ok());

    auto too_long = Name::parse(repeat('a', 64) + ".example");
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error().message.find(
              "is 64 octets long: a label may be at most 63 octets "
              "(RFC 1035)") != std::string::npos);
}

TEST_CASE("long label is cut short in the message") {
    auto too_long = Name::parse(repeat('a', 100));
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error().message.find("label \"" + repeat('a', 60) +
                                        "...\" is 100 octets long") !=
          std::string::npos);
}

TEST_CASE("A-label length counts against the label limit") {
    // 62 "ü" are 124 octets of UTF-8 and longer still as an A-label.
    std::string u_label;
    for (int i = 0; i < 62; ++i)
        u_label += "ü";
    auto name = Name::parse(u_label + ".example");
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message.find(
              "is not a valid IDNA2008 label or is longer than 63 octets as "
              "an A-label (RFC 1035)") != std::string::npos);
}

TEST_CASE("name wire length limit is 255 octets") {
    // Four labels of 63 octets and the root: 4 * 64 + 1 = 257 octets.
    const std::string label = repeat('a', 63);
    const std::string text = label + "." + label + "." + label + "." + label;
    auto name = Name::parse(text);
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message.find(
              "the name is 257 octets long in wire form: a name may be at "
              "most 255 octets (RFC 1035)") != std::string::npos);

    // Three labels of 63 and one of 61: 3 * 64 + 62 + 1 = 255 octets.
    auto longest =
        Name::parse(label + "." + label + "." + label + "." + repeat('b', 61));
    REQUIRE(longest.ok());
    CHECK(longest->wire_length() == 255);
}

TEST_CASE("very long text is rejected before label work") {
    auto name = Name::parse(repeat('a', 5000));
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message.find("the text is 5000 bytes long") !=
          std::string::npos);
}

TEST_CASE("root name forms") {
    auto root = Name::parse(".");
    REQUIRE(root.ok());
    CHECK(root->is_root());
    CHECK(root->to_string() == ".");
    CHECK(root->to_text().empty());
    CHECK(root->wire_length() == 1);
    CHECK(*root == Name());
}

TEST_CASE("text forms with and without the trailing dot") {
    auto name = Name::parse("Sensor7._DEVICE.example.com.");
    REQUIRE(name.ok());
    CHECK(name->to_string() == "sensor7._device.example.com.");
    CHECK(name->to_text() == "sensor7._device.example.com");
    CHECK(name->labels() ==
          std::vector<std::string>{"sensor7", "_device", "example", "com"});
}

TEST_CASE("comparison ignores case and the trailing dot") {
    auto lower = Name::parse("device1.example");
    auto upper = Name::parse("DEVICE1.Example.");
    auto other = Name::parse("device2.example");
    REQUIRE(lower.ok());
    REQUIRE(upper.ok());
    REQUIRE(other.ok());
    CHECK(*lower == *upper);
    CHECK_FALSE(*lower == *other);
}

TEST_CASE("wire form and its length") {
    auto name = Name::parse("ab.c");
    REQUIRE(name.ok());
    const std::vector<std::uint8_t> expected{2, 'a', 'b', 1, 'c', 0};
    CHECK(name->to_wire() == expected);
    CHECK(name->wire_length() == 6);
}

TEST_CASE("wildcard detection") {
    auto wildcard = Name::parse("*._device.example.com");
    auto plain = Name::parse("sensor7._device.example.com");
    REQUIRE(wildcard.ok());
    REQUIRE(plain.ok());
    CHECK(wildcard->is_wildcard());
    CHECK_FALSE(plain->is_wildcard());
    CHECK_FALSE(Name().is_wildcard());
}

TEST_CASE("is_subdomain_of") {
    auto child = Name::parse("sensor7._device.example.com");
    auto parent = Name::parse("Example.COM");
    auto sibling = Name::parse("example.org");
    auto suffix_text = Name::parse("ample.com");
    REQUIRE(child.ok());
    REQUIRE(parent.ok());
    REQUIRE(sibling.ok());
    REQUIRE(suffix_text.ok());
    CHECK(child->is_subdomain_of(*parent));
    CHECK(parent->is_subdomain_of(*parent));
    CHECK(child->is_subdomain_of(Name()));
    CHECK_FALSE(parent->is_subdomain_of(*child));
    CHECK_FALSE(child->is_subdomain_of(*sibling));
    CHECK_FALSE(parent->is_subdomain_of(*suffix_text));
}

TEST_CASE("prepend checks the new label") {
    auto base = Name::parse("example.com");
    REQUIRE(base.ok());

    auto owner = base->prepend("_Device");
    REQUIRE(owner.ok());
    CHECK(owner->to_string() == "_device.example.com.");

    auto wildcard = owner->prepend("*");
    REQUIRE(wildcard.ok());
    CHECK(wildcard->is_wildcard());

    auto below_wildcard = wildcard->prepend("a");
    REQUIRE_FALSE(below_wildcard.ok());
    CHECK(below_wildcard.error().message.find(
              "a wildcard \"*\" is allowed only as the leftmost label") !=
          std::string::npos);

    auto dotted = base->prepend("a.b");
    REQUIRE_FALSE(dotted.ok());
    CHECK(dotted.error().message.find(
              "label \"a.b\" contains the character '.'") != std::string::npos);

    auto empty = base->prepend("");
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().message.find("empty label") != std::string::npos);
}

TEST_CASE("from_labels converts Unicode and lowercases") {
    auto name = Name::from_labels({"Bücher", "EXAMPLE"});
    REQUIRE(name.ok());
    CHECK(name->to_string() == "xn--bcher-kva.example.");

    auto empty = Name::from_labels({});
    REQUIRE(empty.ok());
    CHECK(empty->is_root());
}
