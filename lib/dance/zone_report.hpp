// Rendering zone-check findings for people and for CI systems: compiler
// style text, JSON, SARIF 2.1.0 (code-scanning views), JUnit XML and
// GitHub Actions workflow commands.
#pragma once

#include "dance/zone_diagnostic.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

enum class ReportFormat { text, json, sarif, junit, github };

// "text", "json", "sarif", "junit", "github"; std::nullopt otherwise.
std::optional<ReportFormat> parse_report_format(std::string_view text);

struct ReportContext {
    std::string tool_version;
    std::vector<std::string> files; // zone files read, in order
    std::uint64_t records = 0;
    std::uint64_t tlsa_records = 0;

    // Findings at or above this severity fail (JUnit failures, and the
    // "failed" flag of JSON output).
    Severity fail_on = Severity::error;
};

// The whole report; every format but text ends with a newline, and text
// has one line per finding.
std::string render_report(const std::vector<Diagnostic>& diagnostics,
                          ReportFormat format, const ReportContext& context);

// "file:line: severity: [check-id] message", the text format's line.
std::string format_diagnostic(const Diagnostic& diagnostic);

} // namespace dance
