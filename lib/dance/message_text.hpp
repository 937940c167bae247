// Helpers for putting untrusted text into error messages safely.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace dance {

// True when text is well-formed UTF-8 (RFC 3629): no overlong forms, no
// surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Text in double quotes for a message. Control characters (C0, DEL, C1)
// and bytes that are not part of valid UTF-8 become "\xNN" for each byte,
// so a message cannot carry terminal escapes. Text longer than 60 bytes is cut
// there and ends in
// "...".
std::string quote_for_message(std::string_view text);

// Text for one field of a log line, in full. Backslash and double quote
// become "\\" and "\"", and control characters and bytes that are not
// valid UTF-8 become "\xNN", so a field can neither end the line nor close
// its quotes early.
std::string escape_for_log(std::string_view text);

// JSON text of value, compact when indent is -1. Strings that are not valid
// UTF-8 (names from certificates, file names) get U+FFFD for each bad byte
// instead of making the dump throw. Every JSON writer uses this.
std::string dump_json(const nlohmann::json& value, int indent = -1);
std::string dump_json(const nlohmann::ordered_json& value, int indent = -1);

} // namespace dance
