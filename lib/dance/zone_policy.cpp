#include "dance/zone_policy.hpp"

#include "dance/input_file.hpp"
#include "dance/message_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

namespace dance {

namespace {

constexpr std::string_view shape_list = "service, device, freeform, server";

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text[0])))
        text.remove_prefix(1);
    while (!text.empty() &&
           std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
}

// Owner names compare in lowercase with a trailing dot.
std::string canonical_owner(std::string_view owner) {
    std::string text = lowercase(trim(owner));
    if (!text.empty() && text.back() != '.')
        text += '.';
    return text;
}

Error policy_error(std::string_view source, const std::string& detail) {
    return make_error(ErrorCategory::input, "invalid policy file " +
                                                std::string(source) + ": " +
                                                detail);
}

Result<OwnerShape> parse_shape(std::string_view text) {
    text = trim(text);
    if (text == "service")
        return OwnerShape::service;
    if (text == "device")
        return OwnerShape::device;
    if (text == "freeform")
        return OwnerShape::freeform;
    if (text == "server")
        return OwnerShape::server;
    return make_error(ErrorCategory::input, "unknown owner shape '" +
                                                std::string(text) + "': use " +
                                                std::string(shape_list));
}

Result<std::uint32_t> parse_number(std::string_view text) {
    text = trim(text);
    std::uint32_t value = 0;
    auto [end, status] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc() || end != text.data() + text.size() ||
        text.empty())
        return make_error(ErrorCategory::input,
                          "'" + std::string(text) +
                              "' is not a whole number from 0 to 4294967295");
    return value;
}

// Applies one key = value setting; errors carry no source, the caller
// adds it.
Status apply_setting(ZonePolicy& policy, std::string_view key,
                     std::string_view value) {
    if (key == "suppress") {
        Result<Suppression> suppression = parse_suppression(value);
        if (!suppression)
            return suppression.error();
        policy.suppressions.push_back(*suppression);
        return Ok{};
    }
    if (key == "owner-shapes") {
        policy.owner_shapes.clear();
        std::string_view rest = value;
        while (!rest.empty()) {
            std::size_t comma = rest.find(',');
            Result<OwnerShape> shape = parse_shape(rest.substr(0, comma));
            if (!shape)
                return shape.error();
            policy.owner_shapes.insert(*shape);
            rest = comma == rest.npos ? "" : rest.substr(comma + 1);
        }
        return Ok{};
    }

    Result<std::uint32_t> number = parse_number(value);
    if (key == "ttl-ceiling" || key == "expiry-days" ||
        key == "signature-days") {
        if (!number)
            return make_error(ErrorCategory::input,
                              std::string(key) + ": " + number.error().message);
    }
    if (key == "ttl-ceiling")
        policy.ttl_ceiling = *number;
    else if (key == "expiry-days")
        policy.expiry_days = *number;
    else if (key == "signature-days")
        policy.signature_days = *number;
    else
        return make_error(ErrorCategory::input,
                          "unknown key '" + std::string(key) +
                              "': use ttl-ceiling, expiry-days, "
                              "signature-days, owner-shapes or suppress");
    return Ok{};
}

Result<ZonePolicy> parse_key_value(std::string_view text,
                                   std::string_view source) {
    ZonePolicy policy;
    std::istringstream stream{std::string(text)};
    std::string line;
    unsigned number = 0;
    while (std::getline(stream, line)) {
        ++number;
        std::string_view content = line;
        content = trim(content.substr(0, content.find('#')));
        if (content.empty())
            continue;

        std::size_t equals = content.find('=');
        std::string where = "line " + std::to_string(number) + ": ";
        if (equals == content.npos)
            return policy_error(source, where + "expected key = value");
        Status applied = apply_setting(policy, trim(content.substr(0, equals)),
                                       trim(content.substr(equals + 1)));
        if (!applied)
            return policy_error(source, where + applied.error().message);
    }
    return policy;
}

// A JSON value as the text the key = value form would carry.
Result<std::string> json_scalar(const nlohmann::json& value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_unsigned())
        return std::to_string(value.get<std::uint64_t>());
    return make_error(ErrorCategory::input,
                      "expected a string or a non-negative number, got " +
                          dump_json(value));
}

Status apply_json_suppression(ZonePolicy& policy, const nlohmann::json& entry) {
    if (!entry.is_object()) {
        Result<std::string> text = json_scalar(entry);
        if (!text)
            return text.error();
        return apply_setting(policy, "suppress", *text);
    }

    Suppression suppression;
    for (const auto& [key, value] : entry.items()) {
        if (!value.is_string())
            return make_error(ErrorCategory::input,
                              "suppress." + key + " must be a string");
        if (key == "check")
            suppression.check = value.get<std::string>();
        else if (key == "owner")
            suppression.owner = canonical_owner(value.get<std::string>());
        else if (key == "file")
            suppression.file = value.get<std::string>();
        else
            return make_error(ErrorCategory::input,
                              "unknown suppress key '" + key +
                                  "': use check, owner or file");
    }
    if (!find_check(suppression.check))
        return make_error(ErrorCategory::input,
                          "suppress: unknown check ID '" + suppression.check +
                              "': run 'dance zone-check --list-checks'");
    policy.suppressions.push_back(suppression);
    return Ok{};
}

Status apply_json_shapes(ZonePolicy& policy, const nlohmann::json& value) {
    policy.owner_shapes.clear();
    for (const nlohmann::json& entry : value) {
        if (!entry.is_string())
            return make_error(ErrorCategory::input,
                              "owner-shapes entries must be strings");
        Result<OwnerShape> shape = parse_shape(entry.get<std::string>());
        if (!shape)
            return shape.error();
        policy.owner_shapes.insert(*shape);
    }
    return Ok{};
}

Status apply_json_member(ZonePolicy& policy, const std::string& key,
                         const nlohmann::json& value) {
    if (key == "suppress" || key == "owner-shapes") {
        if (!value.is_array())
            return make_error(ErrorCategory::input, key + " must be an array");
        if (key == "owner-shapes")
            return apply_json_shapes(policy, value);
        for (const nlohmann::json& entry : value) {
            Status applied = apply_json_suppression(policy, entry);
            if (!applied)
                return applied;
        }
        return Ok{};
    }

    Result<std::string> text = json_scalar(value);
    if (!text)
        return make_error(ErrorCategory::input,
                          key + ": " + text.error().message);
    return apply_setting(policy, key, *text);
}

Result<ZonePolicy> parse_json(std::string_view text, std::string_view source) {
    nlohmann::json document =
        nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return policy_error(source,
                            "not a JSON object: check the braces, commas "
                            "and quotes");

    ZonePolicy policy;
    for (const auto& [key, value] : document.items()) {
        Status applied = apply_json_member(policy, key, value);
        if (!applied)
            return policy_error(source, applied.error().message);
    }
    return policy;
}

} // namespace

const char* owner_shape_name(OwnerShape shape) {
    switch (shape) {
    case OwnerShape::service:
        return "service";
    case OwnerShape::device:
        return "device";
    case OwnerShape::freeform:
        return "freeform";
    case OwnerShape::server:
        return "server";
    }
    return "freeform";
}

bool ZonePolicy::is_suppressed(const Diagnostic& diagnostic) const {
    auto file_matches = [&](const std::string& file) {
        if (file.empty() || file == diagnostic.file)
            return true;
        const std::string& shown = diagnostic.file;
        return shown.size() > file.size() &&
               shown.compare(shown.size() - file.size(), file.size(), file) ==
                   0 &&
               shown[shown.size() - file.size() - 1] == '/';
    };
    return std::any_of(suppressions.begin(), suppressions.end(),
                       [&](const Suppression& suppression) {
                           return suppression.check == diagnostic.check &&
                                  (suppression.owner.empty() ||
                                   suppression.owner ==
                                       canonical_owner(diagnostic.owner)) &&
                                  file_matches(suppression.file);
                       });
}

Result<Suppression> parse_suppression(std::string_view text) {
    text = trim(text);
    Suppression suppression;
    std::size_t at = text.find('@');
    if (at != text.npos) {
        suppression.file = std::string(trim(text.substr(at + 1)));
        text = text.substr(0, at);
    }
    std::size_t colon = text.find(':');
    if (colon != text.npos) {
        suppression.owner = canonical_owner(text.substr(colon + 1));
        text = text.substr(0, colon);
    }
    suppression.check = std::string(trim(text));
    if (!find_check(suppression.check))
        return make_error(ErrorCategory::input,
                          "unknown check ID '" + suppression.check +
                              "' in suppression: run 'dance zone-check "
                              "--list-checks' for the IDs");
    return suppression;
}

Result<ZonePolicy> parse_zone_policy(std::string_view text,
                                     std::string_view source) {
    std::string_view content = trim(text);
    if (!content.empty() && content.front() == '{')
        return parse_json(content, source);
    return parse_key_value(text, source);
}

Result<ZonePolicy> load_zone_policy(const std::string& path) {
    // A policy is a few lines; the limit only stops an endless stream.
    constexpr std::size_t max_policy_size = 1024 * 1024;
    auto content = read_input_file(path, "policy file", max_policy_size);
    if (!content)
        return content.error();
    return parse_zone_policy(*content, path);
}

} // namespace dance
