// Hexadecimal text for byte strings, as TLSA presentation form and JSON
// output use it.
#pragma once

#include "dance/error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

// Lowercase hex with no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Decodes hex digits in either case, with no separators. The error
// (category input) names the first bad character and its position, or
// the odd digit count.
Result<std::vector<std::uint8_t>> decode_hex(std::string_view text);

} // namespace dance
