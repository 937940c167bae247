#include "dance/name.hpp"

#include "dance/message_text.hpp"

#include <algorithm>
#include <cstdio>
#include <gnutls/gnutls.h>
#include <optional>
#include <utility>

namespace dance {

namespace {

// RFC 1035 section 2.3.4: labels of 63 octets or less, names of 255 octets
// or less in wire form.
constexpr std::size_t max_label_octets = 63;
constexpr std::size_t max_wire_octets = 255;

// No valid name needs more text than this, even with every character of
// every label written as four UTF-8 bytes. Longer input is rejected before
// any per-label work.
constexpr std::size_t max_text_bytes = 2048;

constexpr const char* allowed_characters =
    "use only letters, digits, hyphens and underscores";

Error label_error(std::string_view label, const std::string& problem) {
    return make_error(ErrorCategory::input,
                      "label " + quote_for_message(label) + " " + problem);
}

bool is_ldh_or_underscore(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string describe_character(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == ' ')
        return "a space";
    if (byte < 0x20 || byte == 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", byte);
        return std::string("the control byte ") + hex;
    }
    return std::string("the character '") + c + "'";
}

// Checks the ASCII characters of a label. Non-ASCII bytes are left to the
// IDNA conversion.
std::optional<Error> check_ascii_characters(std::string_view label) {
    for (char c : label) {
        if (static_cast<unsigned char>(c) >= 0x80 || is_ldh_or_underscore(c))
            continue;

        if (c == '\\')
            return label_error(label,
                               "contains a backslash: escapes such as \\DDD "
                               "are not accepted, " +
                                   std::string(allowed_characters));
        if (c == '*')
            return label_error(label,
                               "contains '*': a wildcard must be the whole "
                               "leftmost label \"*\"");
        return label_error(label, "contains " + describe_character(c) + ": " +
                                      allowed_characters);
    }
    return std::nullopt;
}

// Host name labels start and end with a letter or digit (RFC 1123 section
// 2.1), and so do U-labels (RFC 5891 section 4.2.3.1). DNS itself would
// allow the hyphen, but no host, service or device name needs it there.
std::optional<Error> check_hyphens(std::string_view label) {
    if (label.front() == '-')
        return label_error(label, "starts with a hyphen: a label must start "
                                  "and end with a letter, digit or "
                                  "underscore");
    if (label.back() == '-')
        return label_error(label, "ends with a hyphen: a label must start and "
                                  "end with a letter, digit or underscore");
    return std::nullopt;
}

std::optional<Error> check_length(std::string_view label) {
    if (label.size() <= max_label_octets)
        return std::nullopt;
    return label_error(label, "is " + std::to_string(label.size()) +
                                  " octets long: a label may be at most 63 "
                                  "octets (RFC 1035)");
}

std::string to_lower_ascii(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
}

// Runs one GnuTLS IDNA function; std::nullopt when it fails.
template <typename Function>
std::optional<std::string> call_idna(Function function, std::string_view in,
                                     unsigned flags) {
    gnutls_datum_t out{};
    const int rc =
        function(in.data(), static_cast<unsigned>(in.size()), &out, flags);
    if (rc < 0)
        return std::nullopt;

    std::string result(reinterpret_cast<const char*>(out.data), out.size);
    gnutls_free(out.data);
    return result;
}

// The A-label of a Unicode label under IDNA2008, or std::nullopt.
std::optional<std::string> idna_to_a_label(std::string_view u_label) {
    return call_idna(gnutls_idna_map, u_label, GNUTLS_IDNA_FORCE_2008);
}

// An ASCII label with the "xn--" prefix claims to be an A-label, so it must
// decode to a U-label that encodes back to the same text (RFC 5891 section
// 5.4).
std::optional<Error> check_a_label(const std::string& label) {
    const auto u_label = call_idna(gnutls_idna_reverse_map, label, 0);
    std::optional<std::string> again;
    if (u_label && !u_label->empty())
        again = idna_to_a_label(*u_label);

    if (again && to_lower_ascii(*again) == label)
        return std::nullopt;
    return label_error(label, "starts with \"xn--\" but is not a valid "
                              "IDNA2008 A-label: write the Unicode form or "
                              "a correct A-label");
}

Result<std::string> normalise_ascii_label(std::string_view label) {
    if (auto error = check_ascii_characters(label))
        return *error;
    if (auto error = check_hyphens(label))
        return *error;
    if (auto error = check_length(label))
        return *error;

    std::string lower = to_lower_ascii(label);
    if (lower.starts_with("xn--")) {
        if (auto error = check_a_label(lower))
            return *error;
    }
    return lower;
}

// GnuTLS reports every IDNA failure with the same code. A label longer
// than 63 octets in UTF-8 may fail only because its A-label is too long.
std::string describe_idna_failure(std::string_view label) {
    if (label.size() > max_label_octets)
        return "is not a valid IDNA2008 label or is longer than 63 octets "
               "as an A-label (RFC 1035)";
    return "is not a valid IDNA2008 label: it has a character that IDNA2008 "
           "disallows or a forbidden combination";
}

Result<std::string> normalise_unicode_label(std::string_view label) {
    if (!is_valid_utf8(label))
        return label_error(label, "is not valid UTF-8: write Unicode names "
                                  "in UTF-8 or give the A-label");
    if (auto error = check_ascii_characters(label))
        return *error;
    if (auto error = check_hyphens(label))
        return *error;

    // IDNA2008 disallows the underscore, and GnuTLS would silently drop it.
    if (label.find('_') != std::string_view::npos)
        return label_error(label, "contains the character '_': IDNA2008 "
                                  "does not allow it in a Unicode label");

    // IDNA2008 (RFC 5891) through GnuTLS, which also maps upper case.
    const auto a_label = idna_to_a_label(label);
    if (!a_label)
        return label_error(label, describe_idna_failure(label));
    if (a_label->find('.') != std::string::npos)
        return label_error(label, "contains a Unicode full stop: separate "
                                  "labels with the ASCII dot '.'");
    if (a_label->empty())
        return label_error(label, "is not a valid IDNA2008 label: it maps "
                                  "to an empty label");

    // Mapping can leave characters that are not valid in a label, so the
    // result gets the full ASCII checks.
    return normalise_ascii_label(*a_label);
}

// Validates one label and returns its stored form: lowercase, with Unicode
// labels converted to A-labels. "*" passes here, its position is checked
// on the whole name.
Result<std::string> normalise_label(std::string_view label) {
    if (label.empty())
        return make_error(ErrorCategory::input, "empty label");
    if (label == "*")
        return std::string("*");

    const bool ascii = std::all_of(label.begin(), label.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
    });
    return ascii ? normalise_ascii_label(label)
                 : normalise_unicode_label(label);
}

std::size_t wire_length_of(const std::vector<std::string>& labels) {
    std::size_t octets = 1; // the root label
    for (const std::string& label : labels)
        octets += 1 + label.size();
    return octets;
}

// The checks that need the whole name: wildcard position and wire length.
std::optional<std::string>
check_whole_name(const std::vector<std::string>& labels) {
    // RFC 4592 section 2.1.1: "*" is a wildcard only as the leftmost label.
    for (std::size_t i = 1; i < labels.size(); ++i) {
        if (labels[i] == "*")
            return "label \"*\" is label " + std::to_string(i + 1) +
                   " from the left: a wildcard \"*\" is allowed only as the "
                   "leftmost label";
    }

    const std::size_t octets = wire_length_of(labels);
    if (octets > max_wire_octets)
        return "the name is " + std::to_string(octets) +
               " octets long in wire form: a name may be at most 255 octets "
               "(RFC 1035)";
    return std::nullopt;
}

Error name_error(std::string_view text, const std::string& detail) {
    return make_error(ErrorCategory::input, "invalid DNS name " +
                                                quote_for_message(text) + ": " +
                                                detail);
}

std::string describe_empty_label(const std::vector<std::string>& before) {
    if (before.empty())
        return "empty label at the start: remove the leading dot";
    return "empty label after " + quote_for_message(before.back()) +
           ": remove the extra dot";
}

// Splits presentation text into labels after the trailing dot is removed.
std::vector<std::string_view> split_labels(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        parts.push_back(text.substr(start, dot - start));
        if (dot == std::string_view::npos)
            return parts;
        start = dot + 1;
    }
}

} // namespace

Result<Name> Name::parse(std::string_view text) {
    if (text.empty())
        return name_error(text, "the name is empty: write \".\" for the root");
    if (text.size() > max_text_bytes)
        return name_error(text, "the text is " + std::to_string(text.size()) +
                                    " bytes long: a name may be at most 255 "
                                    "octets (RFC 1035)");
    if (text == ".")
        return Name();
    if (text.back() == '.')
        text.remove_suffix(1);

    std::vector<std::string> labels;
    for (std::string_view part : split_labels(text)) {
        if (part.empty())
            return name_error(text, describe_empty_label(labels));

        auto label = normalise_label(part);
        if (!label)
            return name_error(text, label.error().message);
        labels.push_back(std::move(*label));
    }

    if (auto problem = check_whole_name(labels))
        return name_error(text, *problem);
    return Name(std::move(labels));
}

Result<Name> Name::from_labels(std::vector<std::string> labels) {
    std::string joined;
    for (const std::string& label : labels)
        joined += (joined.empty() ? "" : ".") + label;

    for (std::string& label : labels) {
        auto normalised = normalise_label(label);
        if (!normalised)
            return name_error(joined, normalised.error().message);
        label = std::move(*normalised);
    }

    if (auto problem = check_whole_name(labels))
        return name_error(joined, *problem);
    return Name(std::move(labels));
}

bool Name::is_wildcard() const {
    return !labels_.empty() && labels_.front() == "*";
}

std::string Name::to_string() const {
    if (is_root())
        return ".";
    return to_text() + ".";
}

std::string Name::to_text() const {
    std::string text;
    for (const std::string& label : labels_) {
        if (!text.empty())
            text += '.';
        text += label;
    }
    return text;
}

std::size_t Name::wire_length() const {
    return wire_length_of(labels_);
}

bool Name::is_subdomain_of(const Name& other) const {
    if (other.labels_.size() > labels_.size())
        return false;
    return std::equal(other.labels_.rbegin(), other.labels_.rend(),
                      labels_.rbegin());
}

Result<Name> Name::prepend(std::string_view label) const {
    std::vector<std::string> labels;
    labels.reserve(labels_.size() + 1);
    labels.emplace_back(label);
    labels.insert(labels.end(), labels_.begin(), labels_.end());
    return from_labels(std::move(labels));
}

std::vector<std::uint8_t> Name::to_wire() const {
    std::vector<std::uint8_t> wire;
    wire.reserve(wire_length());
    for (const std::string& label : labels_) {
        wire.push_back(static_cast<std::uint8_t>(label.size()));
        wire.insert(wire.end(), label.begin(), label.end());
    }
    wire.push_back(0);
    return wire;
}

} // namespace dance
