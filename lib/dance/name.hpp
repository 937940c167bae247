// DNS domain names as a validated type.
//
// A Name is always absolute and stored in lowercase canonical form, so ==
// is the case-insensitive comparison of RFC 4343. Parsing enforces the
// RFC 1035 limits (labels of 1 to 63 octets, at most 255 octets in wire
// form), turns Unicode labels into A-labels (IDNA2008, through GnuTLS),
// rejects "\DDD" and other escapes, and allows "*" only as the leftmost
// label.
//
// This type is stricter than RFC 1035. Labels contain only ASCII letters,
// digits, hyphens and underscores, or are the single wildcard label "*".
// No label starts or ends with a hyphen, which is the host name rule of
// RFC 1123 and not a DNS rule. Errors have the category
// ErrorCategory::input, and a caller that took the text from the command
// line reports them as a usage error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dance/error.hpp"

namespace dance {

class Name {
public:
    // Parses presentation text. A trailing dot is accepted and normalised
    // away; the root name "." is accepted. Errors name the bad label and
    // the rule it breaks.
    static Result<Name> parse(std::string_view text);

    // Builds a name from labels, leftmost first, with the same checks and
    // the same lowercase and A-label conversion as parse(). A label
    // containing a dot is rejected.
    static Result<Name> from_labels(std::vector<std::string> labels);

    Name() = default; // the root

    const std::vector<std::string>& labels() const { return labels_; }
    bool is_root() const { return labels_.empty(); }
    bool is_wildcard() const;

    // Presentation form with the trailing dot: "device1.example.".
    std::string to_string() const;

    // Presentation form without the trailing dot, as a client writes it in
    // the dane_clientid extension: "device1.example". Empty for the root.
    std::string to_text() const;

    // Octets of the uncompressed wire form, including the root label.
    std::size_t wire_length() const;

    // The uncompressed wire form (RFC 1035 section 3.1): length-prefixed
    // labels ending in the zero-length root label.
    std::vector<std::uint8_t> to_wire() const;

    // True when this name equals other or lies below it.
    bool is_subdomain_of(const Name& other) const;

    // The name with `label` added on the left, checked like parse().
    Result<Name> prepend(std::string_view label) const;

    friend bool operator==(const Name&, const Name&) = default;

private:
    explicit Name(std::vector<std::string> labels)
        : labels_(std::move(labels)) {}

    std::vector<std::string> labels_; // lowercase, leftmost first
};

} // namespace dance
