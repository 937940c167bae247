// Findings of the zone checks: a stable check ID, a severity, a place
// (file and line) and a message, plus the table of every check ID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

// Ordered from least to most severe, so `>=` compares against a threshold.
enum class Severity { notice, warning, error };

// "notice", "warning", "error".
const char* severity_name(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

struct Diagnostic {
    std::string check; // stable check ID, such as "tlsa-digest-length"
    Severity severity = Severity::error;
    std::string file;       // empty when the finding has no file
    std::uint64_t line = 0; // 0 when it has no line
    std::string owner;      // presentation form; empty when none
    std::string message;
};

// One entry of the check table, for SARIF rules, JUnit test cases and
// the help text.
struct CheckInfo {
    const char* id;
    Severity severity; // the usual severity; some findings raise or lower it
    const char* summary;
};

// Every check ID, in the order the help text lists them.
const std::vector<CheckInfo>& zone_checks();

// nullptr when `id` is not a check ID.
const CheckInfo* find_check(std::string_view id);

} // namespace dance
