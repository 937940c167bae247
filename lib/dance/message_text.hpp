// Helpers for putting untrusted text into error messages safely.
#pragma once

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

} // namespace dance
