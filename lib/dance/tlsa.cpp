// TLSA parameters and the parsing of TLSA RDATA text.
#include "dance/tlsa.hpp"

#include "dance/hex.hpp"
#include "dance/message_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace dance {

namespace {

struct Mnemonic {
    std::uint8_t value;
    const char* text;
};

// RFC 7218 section 2, with the private-use value 255 of each registry.
constexpr std::array<Mnemonic, 5> usage_mnemonics{{
    {0, "PKIX-TA"},
    {1, "PKIX-EE"},
    {2, "DANE-TA"},
    {3, "DANE-EE"},
    {255, "PrivCert"},
}};
constexpr std::array<Mnemonic, 3> selector_mnemonics{{
    {0, "Cert"},
    {1, "SPKI"},
    {255, "PrivSel"},
}};
constexpr std::array<Mnemonic, 4> matching_type_mnemonics{{
    {0, "Full"},
    {1, "SHA2-256"},
    {2, "SHA2-512"},
    {255, "PrivMatch"},
}};

// An RDATA is at most 65535 octets, and three of them are the parameters.
constexpr std::size_t max_data_octets = 65535 - 3;

template <std::size_t N>
const char* find_mnemonic(const std::array<Mnemonic, N>& table,
                          std::uint8_t value) {
    for (const Mnemonic& entry : table) {
        if (entry.value == value)
            return entry.text;
    }
    return nullptr;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) {
                          return std::tolower(static_cast<unsigned char>(x)) ==
                                 std::tolower(static_cast<unsigned char>(y));
                      });
}

// A decimal number from 0 to 255, digits only.
std::optional<std::uint8_t> parse_octet(std::string_view text) {
    if (text.empty() || text.size() > 3)
        return std::nullopt;

    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255)
        return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

template <std::size_t N>
std::string list_mnemonics(const std::array<Mnemonic, N>& table) {
    std::string list;
    for (const Mnemonic& entry : table) {
        if (entry.value == 255)
            continue;
        list += (list.empty() ? "" : ", ") + std::string(entry.text);
    }
    return list;
}

template <std::size_t N>
Result<std::uint8_t> parse_parameter(std::string_view text,
                                     const std::array<Mnemonic, N>& table,
                                     const char* field) {
    if (auto number = parse_octet(text))
        return *number;
    for (const Mnemonic& entry : table) {
        if (equal_ignoring_case(text, entry.text))
            return entry.value;
    }
    return make_error(
        ErrorCategory::input,
        std::string("invalid ") + field + " " + quote_for_message(text) +
            ": use a number from 0 to 255 or one of " + list_mnemonics(table));
}

Error rdata_error(std::string_view text, const std::string& detail) {
    return make_error(ErrorCategory::input, "invalid TLSA RDATA " +
                                                quote_for_message(text) + ": " +
                                                detail);
}

// Drops ";" comments up to the end of their line and checks that the
// parentheses of a multi-line record are balanced and not nested.
Result<std::string> strip_comments_and_parentheses(std::string_view text) {
    std::string kept;
    int depth = 0;
    bool in_comment = false;
    for (char c : text) {
        if (in_comment) {
            in_comment = c != '\n';
            kept += in_comment ? ' ' : '\n';
            continue;
        }
        if (c == ';') {
            in_comment = true;
            c = ' ';
        } else if (c == '(' || c == ')') {
            depth += c == '(' ? 1 : -1;
            if (depth < 0 || depth > 1)
                return make_error(ErrorCategory::input,
                                  depth < 0 ? "unbalanced ')'"
                                            : "nested '(': RDATA takes one "
                                              "pair of parentheses");
            c = ' ';
        }
        kept += c;
    }
    if (depth != 0)
        return make_error(ErrorCategory::input, "missing ')'");
    return kept;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() &&
               !std::isspace(static_cast<unsigned char>(text[end])))
            ++end;
        tokens.push_back(text.substr(i, end - i));
        i = end;
    }
    return tokens;
}

// Decodes the hex tokens from `first` on as one string of digits.
Result<std::vector<std::uint8_t>>
decode_hex_tokens(const std::vector<std::string_view>& tokens,
                  std::size_t first) {
    std::string digits;
    for (std::size_t i = first; i < tokens.size(); ++i)
        digits += tokens[i];
    return decode_hex(digits);
}

// RFC 3597 section 5: "\# <length> <hex>", where the hex is the whole
// RDATA and its length must equal the length given.
Result<TlsaRecord> parse_generic(const std::vector<std::string_view>& tokens) {
    if (tokens.size() < 2)
        return make_error(ErrorCategory::input,
                          "\"\\#\" must be followed by the RDATA length");

    const std::string_view length_text = tokens[1];
    const bool digits_only =
        !length_text.empty() && length_text.size() <= 5 &&
        std::all_of(length_text.begin(), length_text.end(),
                    [](char c) { return c >= '0' && c <= '9'; });
    if (!digits_only)
        return make_error(ErrorCategory::input,
                          "RDATA length " + quote_for_message(length_text) +
                              " is not a number from 0 to 65535");
    const std::size_t length = std::stoul(std::string(length_text));
    if (length > 65535)
        return make_error(ErrorCategory::input, "RDATA length " +
                                                    std::to_string(length) +
                                                    " exceeds 65535 octets");

    auto bytes = decode_hex_tokens(tokens, 2);
    if (!bytes)
        return bytes.error();
    if (bytes->size() != length)
        return make_error(ErrorCategory::input,
                          "the length says " + std::to_string(length) +
                              " octets but the hex data has " +
                              std::to_string(bytes->size()));
    if (length < 3)
        return make_error(ErrorCategory::input,
                          "TLSA RDATA needs at least 3 octets (usage, "
                          "selector, matching type), got " +
                              std::to_string(length));

    TlsaRecord record;
    record.usage = (*bytes)[0];
    record.selector = (*bytes)[1];
    record.matching_type = (*bytes)[2];
    record.data.assign(bytes->begin() + 3, bytes->end());
    return record;
}

Result<TlsaRecord>
parse_presentation(const std::vector<std::string_view>& tokens) {
    if (tokens.size() < 4)
        return make_error(ErrorCategory::input,
                          "expected usage, selector, matching type and "
                          "hex data, got " +
                              std::to_string(tokens.size()) + " field(s)");

    auto usage = parse_usage(tokens[0]);
    if (!usage)
        return usage.error();
    auto selector = parse_selector(tokens[1]);
    if (!selector)
        return selector.error();
    auto matching_type = parse_matching_type(tokens[2]);
    if (!matching_type)
        return matching_type.error();

    auto data = decode_hex_tokens(tokens, 3);
    if (!data)
        return make_error(ErrorCategory::input,
                          "certificate association data: " +
                              data.error().message);
    if (data->size() > max_data_octets)
        return make_error(ErrorCategory::input,
                          "certificate association data is " +
                              std::to_string(data->size()) +
                              " octets, more than an RDATA can carry (" +
                              std::to_string(max_data_octets) + ")");
    return TlsaRecord{*usage, *selector, *matching_type, std::move(*data)};
}

// A whole zone line pasted in place of the RDATA is a common mistake, so
// it gets its own message.
bool names_record_type(const std::vector<std::string_view>& tokens) {
    return std::any_of(tokens.begin(), tokens.end(), [](std::string_view t) {
        return equal_ignoring_case(t, "TLSA") ||
               equal_ignoring_case(t, "TYPE52");
    });
}

} // namespace

Result<std::uint8_t> parse_usage(std::string_view text) {
    return parse_parameter(text, usage_mnemonics, "certificate usage");
}

Result<std::uint8_t> parse_selector(std::string_view text) {
    return parse_parameter(text, selector_mnemonics, "selector");
}

Result<std::uint8_t> parse_matching_type(std::string_view text) {
    return parse_parameter(text, matching_type_mnemonics, "matching type");
}

const char* usage_mnemonic(std::uint8_t usage) {
    return find_mnemonic(usage_mnemonics, usage);
}

const char* selector_mnemonic(std::uint8_t selector) {
    return find_mnemonic(selector_mnemonics, selector);
}

const char* matching_type_mnemonic(std::uint8_t matching_type) {
    return find_mnemonic(matching_type_mnemonics, matching_type);
}

Result<TlsaRecord> parse_tlsa_rdata(std::string_view text) {
    auto cleaned = strip_comments_and_parentheses(text);
    if (!cleaned)
        return rdata_error(text, cleaned.error().message);

    const std::vector<std::string_view> tokens = split_tokens(*cleaned);
    if (tokens.empty())
        return rdata_error(text, "empty: expected \"3 1 1 <hex>\"");
    if (names_record_type(tokens))
        return rdata_error(text, "give only the RDATA that follows \"TLSA\", "
                                 "such as \"3 1 1 <hex>\"");

    auto record =
        tokens[0] == "\\#" ? parse_generic(tokens) : parse_presentation(tokens);
    if (!record)
        return rdata_error(text, record.error().message);
    return record;
}

} // namespace dance
