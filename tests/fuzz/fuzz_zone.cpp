// Fuzzes the zone reading path: arbitrary text through libzscanner and
// every zone check, including the report renderers, with $INCLUDE turned
// off so that input cannot name files.
#include "dance/zone.hpp"
#include "dance/zone_check.hpp"
#include "dance/zone_report.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    dance::ZoneCheckOptions options;
    options.now = 1796083200; // 2026-12-01T00:00:00Z
    dance::ZoneChecker checker(options);
    dance::ZoneReadOptions read_options;
    read_options.origin = "example.";
    read_options.max_include_depth = 0;

    const std::string name = "<fuzz>";
    checker.add_file(name);
    if (!dance::read_zone_text(text, name, read_options, checker).ok())
        std::abort(); // text input always opens

    std::vector<dance::Diagnostic> diagnostics = checker.finish();
    for (const dance::Diagnostic& diagnostic : diagnostics) {
        // Every finding carries a known check ID and a message.
        if (!dance::find_check(diagnostic.check) || diagnostic.message.empty())
            std::abort();
    }
    dance::ReportContext context;
    for (auto format : {dance::ReportFormat::sarif, dance::ReportFormat::junit,
                        dance::ReportFormat::github})
        (void)dance::render_report(diagnostics, format, context);
    return 0;
}
