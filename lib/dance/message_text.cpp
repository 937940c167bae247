#include "dance/message_text.hpp"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace dance {

namespace {

constexpr std::size_t max_quoted_bytes = 60;

// Length of the UTF-8 sequence that starts at text[i], or 0 when the bytes
// there are not a valid sequence.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code = lead & 0x07u;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;

    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0u) != 0x80)
            return 0;
        code = (code << 6) | (next & 0x3fu);
    }

    const bool overlong =
        (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    if (overlong || surrogate || code > 0x10ffff)
        return 0;
    return length;
}

// C0 controls, DEL and the C1 controls U+0080 to U+009F, which some
// terminals act on.
bool is_control(std::string_view text, std::size_t i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f)
        return true;
    if (byte != 0xc2 || i + 1 >= text.size())
        return false;
    const auto next = static_cast<unsigned char>(text[i + 1]);
    return next >= 0x80 && next <= 0x9f;
}

void append_hex_byte(std::string& out, char c) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
    out += hex;
}

} // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

std::string quote_for_message(std::string_view text) {
    std::string out = "\"";
    std::size_t i = 0;
    while (i < text.size() && i < max_quoted_bytes) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0 || is_control(text, i)) {
            append_hex_byte(out, text[i]);
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    if (i < text.size())
        out += "...";
    return out + "\"";
}

std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0 || is_control(text, i)) {
            append_hex_byte(out, text[i]);
            ++i;
            continue;
        }
        if (text[i] == '\\' || text[i] == '"')
            out += '\\';
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

std::string dump_json(const nlohmann::json& value, int indent) {
    return value.dump(indent, ' ', false,
                      nlohmann::json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& value, int indent) {
    return value.dump(indent, ' ', false,
                      nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace dance
