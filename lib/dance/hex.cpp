#include "dance/hex.hpp"

#include "dance/message_text.hpp"

namespace dance {

namespace {

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(bytes.size() * 2);
    for (std::uint8_t byte : bytes) {
        text += digits[byte >> 4];
        text += digits[byte & 0x0f];
    }
    return text;
}

Result<std::vector<std::uint8_t>> decode_hex(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (hex_digit_value(text[i]) < 0)
            return make_error(ErrorCategory::input,
                              "character " +
                                  quote_for_message(text.substr(i, 1)) +
                                  " at position " + std::to_string(i + 1) +
                                  " is not a hex digit");
    }
    if (text.size() % 2 != 0)
        return make_error(ErrorCategory::input,
                          "odd number of hex digits (" +
                              std::to_string(text.size()) +
                              "): each octet takes two digits");

    std::vector<std::uint8_t> bytes(text.size() / 2);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const int high = hex_digit_value(text[2 * i]);
        const int low = hex_digit_value(text[2 * i + 1]);
        bytes[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return bytes;
}

} // namespace dance
