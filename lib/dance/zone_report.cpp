#include "dance/zone_report.hpp"

#include "dance/message_text.hpp"

#include <map>
#include <nlohmann/json.hpp>

namespace dance {

namespace {

using nlohmann::json;

constexpr const char* tool_name = "dance zone-check";

std::string location(const Diagnostic& diagnostic) {
    if (diagnostic.file.empty())
        return "";
    std::string text = diagnostic.file;
    if (diagnostic.line > 0)
        text += ":" + std::to_string(diagnostic.line);
    return text + ": ";
}

std::string render_text(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const Diagnostic& diagnostic : diagnostics)
        out += format_diagnostic(diagnostic) + "\n";
    return out;
}

json counts(const std::vector<Diagnostic>& diagnostics) {
    std::map<std::string, std::size_t> by_severity = {
        {"error", 0}, {"warning", 0}, {"notice", 0}};
    for (const Diagnostic& diagnostic : diagnostics)
        ++by_severity[severity_name(diagnostic.severity)];
    return by_severity;
}

bool fails(const std::vector<Diagnostic>& diagnostics, Severity threshold) {
    for (const Diagnostic& diagnostic : diagnostics) {
        if (diagnostic.severity >= threshold)
            return true;
    }
    return false;
}

std::string render_json(const std::vector<Diagnostic>& diagnostics,
                        const ReportContext& context) {
    json findings = json::array();
    for (const Diagnostic& diagnostic : diagnostics) {
        json finding = {{"check", diagnostic.check},
                        {"severity", severity_name(diagnostic.severity)},
                        {"message", diagnostic.message}};
        finding["file"] =
            diagnostic.file.empty() ? json(nullptr) : json(diagnostic.file);
        finding["line"] =
            diagnostic.line ? json(diagnostic.line) : json(nullptr);
        finding["owner"] =
            diagnostic.owner.empty() ? json(nullptr) : json(diagnostic.owner);
        findings.push_back(std::move(finding));
    }
    json document = {
        {"files", context.files},
        {"records", context.records},
        {"tlsa_records", context.tlsa_records},
        {"fail_on", severity_name(context.fail_on)},
        {"failed", fails(diagnostics, context.fail_on)},
        {"counts", counts(diagnostics)},
        {"diagnostics", std::move(findings)},
    };
    return dump_json(document, 2) + "\n";
}

const char* sarif_level(Severity severity) {
    switch (severity) {
    case Severity::error:
        return "error";
    case Severity::warning:
        return "warning";
    case Severity::notice:
        return "note";
    }
    return "error";
}

// A relative file path as a URI reference (RFC 3986): octets outside the
// unreserved set and '/' are percent-encoded.
std::string file_uri(const std::string& path) {
    std::string uri;
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            uri += static_cast<char>(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            uri += escaped;
        }
    }
    return uri;
}

json sarif_rules() {
    json rules = json::array();
    for (const CheckInfo& check : zone_checks()) {
        rules.push_back({
            {"id", check.id},
            {"shortDescription", {{"text", check.summary}}},
            {"defaultConfiguration", {{"level", sarif_level(check.severity)}}},
        });
    }
    return rules;
}

json sarif_result(const Diagnostic& diagnostic) {
    json result = {{"ruleId", diagnostic.check},
                   {"level", sarif_level(diagnostic.severity)},
                   {"message", {{"text", diagnostic.message}}}};
    const auto& checks = zone_checks();
    for (std::size_t i = 0; i < checks.size(); ++i) {
        if (diagnostic.check == checks[i].id)
            result["ruleIndex"] = i;
    }
    if (diagnostic.file.empty())
        return result;

    json physical = {
        {"artifactLocation", {{"uri", file_uri(diagnostic.file)}}}};
    if (diagnostic.line > 0)
        physical["region"] = {{"startLine", diagnostic.line}};
    json location = {{"physicalLocation", std::move(physical)}};
    if (!diagnostic.owner.empty())
        location["logicalLocations"] = {
            {{"name", diagnostic.owner}, {"kind", "resource"}}};
    result["locations"] = json::array({std::move(location)});
    return result;
}

std::string render_sarif(const std::vector<Diagnostic>& diagnostics,
                         const ReportContext& context) {
    json results = json::array();
    for (const Diagnostic& diagnostic : diagnostics)
        results.push_back(sarif_result(diagnostic));

    json driver = {{"name", tool_name},
                   {"version", context.tool_version},
                   {"rules", sarif_rules()}};
    json document = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", json::array({{{"tool", {{"driver", std::move(driver)}}},
                               {"results", std::move(results)}}})},
    };
    return dump_json(document, 2) + "\n";
}

std::string xml_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            // XML 1.0 allows no control characters but tab and newline.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
                out += '?';
            else
                out += c;
        }
    }
    return out;
}

// One test case per check ID: it fails when the check has findings at or
// above the threshold; lower findings go to its system-out.
std::string render_junit(const std::vector<Diagnostic>& diagnostics,
                         const ReportContext& context) {
    std::map<std::string, std::vector<const Diagnostic*>> by_check;
    for (const Diagnostic& diagnostic : diagnostics)
        by_check[diagnostic.check].push_back(&diagnostic);

    std::string cases;
    std::size_t failures = 0;
    for (const CheckInfo& check : zone_checks()) {
        std::string failing, passing;
        std::size_t failing_count = 0;
        for (const Diagnostic* diagnostic : by_check[check.id]) {
            bool failed = diagnostic->severity >= context.fail_on;
            (failed ? failing : passing) +=
                format_diagnostic(*diagnostic) + "\n";
            failing_count += failed ? 1 : 0;
        }
        cases += "    <testcase classname=\"zone-check\" name=\"" +
                 std::string(check.id) + "\">\n";
        if (failing_count > 0) {
            ++failures;
            cases += "      <failure type=\"" + std::string(check.id) +
                     "\" message=\"" + std::to_string(failing_count) +
                     " finding(s)\">" + xml_escape(failing) + "</failure>\n";
        }
        if (!passing.empty())
            cases +=
                "      <system-out>" + xml_escape(passing) + "</system-out>\n";
        cases += "    </testcase>\n";
    }

    std::string total = std::to_string(zone_checks().size());
    std::string failed = std::to_string(failures);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<testsuites name=\"" +
           std::string(tool_name) + "\" tests=\"" + total + "\" failures=\"" +
           failed +
           "\">\n"
           "  <testsuite name=\"zone-check\" tests=\"" +
           total + "\" failures=\"" + failed + "\" errors=\"0\">\n" + cases +
           "  </testsuite>\n</testsuites>\n";
}

// GitHub workflow commands escape %, CR and LF in the message, and also
// ':' and ',' in property values.
std::string github_escape(std::string_view text, bool property) {
    std::string out;
    for (char c : text) {
        if (c == '%')
            out += "%25";
        else if (c == '\r')
            out += "%0D";
        else if (c == '\n')
            out += "%0A";
        else if (property && c == ':')
            out += "%3A";
        else if (property && c == ',')
            out += "%2C";
        else
            out += c;
    }
    return out;
}

std::string render_github(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const Diagnostic& diagnostic : diagnostics) {
        out += "::";
        out += severity_name(diagnostic.severity);
        std::string properties;
        if (!diagnostic.file.empty())
            properties += "file=" + github_escape(diagnostic.file, true);
        if (diagnostic.line > 0)
            properties += ",line=" + std::to_string(diagnostic.line);
        properties += std::string(properties.empty() ? "" : ",") +
                      "title=" + github_escape(diagnostic.check, true);
        out += " " + properties +
               "::" + github_escape(diagnostic.message, false) + "\n";
    }
    return out;
}

} // namespace

std::optional<ReportFormat> parse_report_format(std::string_view text) {
    if (text == "text")
        return ReportFormat::text;
    if (text == "json")
        return ReportFormat::json;
    if (text == "sarif")
        return ReportFormat::sarif;
    if (text == "junit")
        return ReportFormat::junit;
    if (text == "github")
        return ReportFormat::github;
    return std::nullopt;
}

std::string format_diagnostic(const Diagnostic& diagnostic) {
    return location(diagnostic) + severity_name(diagnostic.severity) + ": [" +
           diagnostic.check + "] " + diagnostic.message;
}

std::string render_report(const std::vector<Diagnostic>& diagnostics,
                          ReportFormat format, const ReportContext& context) {
    switch (format) {
    case ReportFormat::text:
        return render_text(diagnostics);
    case ReportFormat::json:
        return render_json(diagnostics, context);
    case ReportFormat::sarif:
        return render_sarif(diagnostics, context);
    case ReportFormat::junit:
        return render_junit(diagnostics, context);
    case ReportFormat::github:
        return render_github(diagnostics);
    }
    return render_text(diagnostics);
}

} // namespace dance
