#include "dance/zone.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

// libzscanner's error.h (Knot 3.2) has no extern "C" guard of its own.
extern "C" {
#include <libzscanner/error.h>
#include <libzscanner/scanner.h>
}

namespace dance {

namespace {

struct ScannerDeleter {
    void operator()(zs_scanner_t* scanner) const {
        zs_deinit(scanner);
        delete scanner;
    }
};

using ScannerPtr = std::unique_ptr<zs_scanner_t, ScannerDeleter>;

// The scanner context contains three 64 KiB buffers, so it lives on the heap.
ScannerPtr make_scanner(const std::string& origin, std::uint16_t rclass,
                        std::uint32_t ttl) {
    ScannerPtr scanner(new zs_scanner_t{});
    if (zs_init(scanner.get(), origin.c_str(), rclass, ttl) != 0)
        return nullptr;
    return scanner;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// The bounds of the scanner's input, so positions from before a call can
// be compared with positions after it. At the end of its input the scanner
// swaps in a one-byte buffer and unmaps the file, so a saved position is
// only used while the input is still the one it points into.
struct InputWindow {
    const char* start = nullptr;
    const char* end = nullptr;

    bool contains(const char* position) const {
        return position != nullptr && position >= start && position <= end;
    }
};

const char* skip_line(const char* p, const char* end) {
    const char* newline = std::find(p, end, '\n');
    return newline == end ? end : newline + 1;
}

// Finds the first line of the item that ends at `end`. The scan starts at
// the end of the previous item, which lies on line `line`, and skips blank
// lines, comment lines and directives.
std::uint64_t first_line(const char* p, const char* end, std::uint64_t line,
                         bool at_line_start) {
    if (!at_line_start) {
        const char* next = skip_line(p, end);
        if (next == end && (next == p || next[-1] != '\n'))
            return line;
        p = next;
        ++line;
    }

    while (p < end) {
        const char* q = p;
        while (q < end && is_blank(*q))
            ++q;
        if (q == end)
            break;
        if (*q != '\n' && *q != ';' && *q != '$')
            return line;
        const char* next = skip_line(q, end);
        if (next == end && next[-1] != '\n')
            break;
        p = next;
        ++line;
    }
    return line;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) {
                          return std::tolower(static_cast<unsigned char>(x)) ==
                                 std::tolower(static_cast<unsigned char>(y));
                      });
}

// Whether the record text names the TLSA type, by mnemonic or as TYPE52.
bool text_names_tlsa(const char* p, const char* end) {
    while (p < end) {
        while (p < end && (is_blank(*p) || *p == '\n' || *p == '('))
            ++p;
        if (p < end && *p == ';') {
            p = skip_line(p, end);
            continue;
        }
        const char* token = p;
        while (p < end && !is_blank(*p) && *p != '\n' && *p != '(')
            ++p;
        std::string_view word(token, static_cast<std::size_t>(p - token));
        if (equals_ignoring_case(word, "TLSA") ||
            equals_ignoring_case(word, "TYPE52"))
            return true;
    }
    return false;
}

std::string display_path(const char* absolute) {
    // Relative only below the working directory: "../../../etc/x" reads
    // worse than the absolute path, which is likely what the file wrote.
    std::error_code error;
    std::filesystem::path shown = std::filesystem::proximate(absolute, error);
    if (error || shown.empty() || *shown.begin() == "..")
        return absolute;
    return shown.string();
}

// Whether a scanner error is in the RDATA rather than in the owner, TTL
// or line structure, which no TLSA-specific hint would explain.
bool is_rdata_error(int code) {
    switch (code) {
    case ZS_BAD_PREVIOUS_OWNER:
    case ZS_BAD_DNAME_CHAR:
    case ZS_BAD_OWNER:
    case ZS_LABEL_OVERFLOW:
    case ZS_DNAME_OVERFLOW:
    case ZS_BAD_TTL:
    case ZS_UNCLOSED_MULTILINE:
    case ZS_LEFT_PARENTHESIS:
    case ZS_RIGHT_PARENTHESIS:
    case ZS_DOS_NEWLINE:
        return false;
    default:
        return true;
    }
}

class Reader {
public:
    Reader(const ZoneReadOptions& options, ZoneVisitor& visitor)
        : options_(options), visitor_(visitor) {}

    void scan(zs_scanner_t& scanner, const std::string& file, unsigned depth);

private:
    void report(zs_scanner_t& scanner, const std::string& file,
                std::uint64_t line, std::string message, bool in_tlsa);
    void include(zs_scanner_t& parent, const std::string& file, unsigned depth);

    const ZoneReadOptions& options_;
    ZoneVisitor& visitor_;
};

void Reader::report(zs_scanner_t&, const std::string& file, std::uint64_t line,
                    std::string message, bool in_tlsa) {
    visitor_.on_syntax_error(
        ZoneSyntaxError{file, line, std::move(message), in_tlsa});
}

void Reader::include(zs_scanner_t& parent, const std::string& file,
                     unsigned depth) {
    const char* path = parent.include_filename;
    if (options_.max_include_depth == 0) {
        report(parent, file, parent.line_counter,
               "$INCLUDE is turned off for this input", false);
        return;
    }
    if (depth >= options_.max_include_depth) {
        report(parent, file, parent.line_counter,
               "$INCLUDE of " + display_path(path) + " nested deeper than " +
                   std::to_string(options_.max_include_depth) +
                   " levels: check for a file that includes itself",
               false);
        return;
    }

    // The scanner leaves the origin for the included file, as text, in
    // its buffer: the one named in the directive or the current one.
    ScannerPtr child =
        make_scanner(reinterpret_cast<const char*>(parent.buffer),
                     parent.default_class, parent.default_ttl);
    if (!child) {
        report(parent, file, parent.line_counter, "invalid $INCLUDE origin",
               false);
        return;
    }
    std::string child_file = display_path(path);
    // Only regular files: the scanner would read a device such as
    // /dev/zero until memory runs out.
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error) &&
        std::filesystem::exists(path, error)) {
        report(parent, file, parent.line_counter,
               "cannot read included file " + child_file +
                   ": not a regular file",
               false);
        return;
    }
    if (zs_set_input_file(child.get(), path) != 0) {
        report(parent, file, parent.line_counter,
               "cannot read included file " + child_file + ": " +
                   zs_strerror(child->error.code),
               false);
        return;
    }
    scan(*child, child_file, depth + 1);
}

void Reader::scan(zs_scanner_t& scanner, const std::string& file,
                  unsigned depth) {
    const InputWindow window{scanner.input.start, scanner.input.end};
    const char* previous = scanner.input.current;
    std::uint64_t previous_line = scanner.line_counter;
    bool at_line_start = true;

    for (;;) {
        if (zs_parse_record(&scanner) != 0 && scanner.state != ZS_STATE_ERROR)
            return;

        const char* current = scanner.input.current;
        bool positions_valid =
            scanner.input.start == window.start && window.contains(previous);
        const char* end = window.contains(current) ? current : window.end;
        std::uint64_t line =
            positions_valid
                ? first_line(previous, end, previous_line, at_line_start)
                : scanner.line_counter;

        switch (scanner.state) {
        case ZS_STATE_DATA:
            visitor_.on_record(
                ZoneRecord{&file,
                           line,
                           {scanner.r_owner, scanner.r_owner_length},
                           scanner.r_type,
                           scanner.r_class,
                           scanner.r_ttl,
                           {scanner.r_data, scanner.r_data_length}});
            break;
        case ZS_STATE_ERROR:
            report(
                scanner, file, scanner.line_counter,
                std::string("cannot parse record: ") +
                    zs_strerror(scanner.error.code),
                positions_valid && is_rdata_error(scanner.error.code) &&
                    text_names_tlsa(previous + (at_line_start ? 0 : 1), end));
            if (scanner.error.fatal)
                return;
            break;
        case ZS_STATE_INCLUDE:
            include(scanner, file, depth);
            // In this mode the scanner returns from the directive before
            // clearing the stop flag it set on entering it, so a later
            // ordinary error would look fatal. Clear it as the directive's
            // own exit would.
            scanner.error.code = ZS_OK;
            scanner.error.fatal = false;
            break;
        default: // end of input, or stopped
            return;
        }

        previous = scanner.input.current;
        previous_line = scanner.line_counter;
        at_line_start = false;
    }
}

Error open_error(const std::string& path, int code) {
    std::string detail = zs_strerror(code);
    if (code == ZS_FILE_INVALID)
        detail = "not a regular file";
    return make_error(ErrorCategory::input,
                      "cannot read zone file " + path + ": " + detail);
}

} // namespace

Status read_zone_file(const std::string& path, const ZoneReadOptions& options,
                      ZoneVisitor& visitor) {
    ScannerPtr scanner = make_scanner(options.origin, 1, options.default_ttl);
    if (!scanner) {
        return make_error(ErrorCategory::usage,
                          "invalid origin '" + options.origin +
                              "': give a domain name such as example.com");
    }
    // Only regular files, as for $INCLUDE: the scanner would read a
    // device such as /dev/zero until memory runs out.
    std::error_code error;
    const auto type = std::filesystem::status(path, error).type();
    if (type != std::filesystem::file_type::regular &&
        type != std::filesystem::file_type::not_found &&
        type != std::filesystem::file_type::none)
        return open_error(path, ZS_FILE_INVALID);
    if (zs_set_input_file(scanner.get(), path.c_str()) != 0)
        return open_error(path, scanner->error.code);

    Reader reader(options, visitor);
    reader.scan(*scanner, path, 0);
    return Ok{};
}

Status read_zone_text(std::string_view text, const std::string& file_name,
                      const ZoneReadOptions& options, ZoneVisitor& visitor) {
    ScannerPtr scanner = make_scanner(options.origin, 1, options.default_ttl);
    if (!scanner) {
        return make_error(ErrorCategory::usage,
                          "invalid origin '" + options.origin +
                              "': give a domain name such as example.com");
    }
    if (zs_set_input_string(scanner.get(), text.data(), text.size()) != 0)
        return open_error(file_name, scanner->error.code);

    Reader reader(options, visitor);
    reader.scan(*scanner, file_name, 0);
    return Ok{};
}

std::vector<std::string> wire_name_labels(std::span<const std::uint8_t> wire) {
    std::vector<std::string> labels;
    std::size_t i = 0;
    while (i < wire.size() && wire[i] != 0) {
        std::size_t length = wire[i];
        if (i + 1 + length > wire.size())
            break;
        labels.emplace_back(reinterpret_cast<const char*>(&wire[i + 1]),
                            length);
        i += 1 + length;
    }
    return labels;
}

std::string wire_name_to_text(std::span<const std::uint8_t> wire) {
    std::vector<std::string> labels = wire_name_labels(wire);
    if (labels.empty())
        return ".";

    std::string text;
    for (const std::string& label : labels) {
        for (char c : label) {
            auto octet = static_cast<unsigned char>(c);
            if (octet <= 0x20 || octet >= 0x7f) {
                char escaped[5];
                std::snprintf(escaped, sizeof escaped, "\\%03u", octet);
                text += escaped;
            } else if (c == '.' || c == '\\' || c == '"' || c == ';' ||
                       c == '(' || c == ')') {
                text += '\\';
                text += c;
            } else {
                text += c;
            }
        }
        text += '.';
    }
    return text;
}

std::vector<std::uint8_t>
wire_name_lowercase(std::span<const std::uint8_t> wire) {
    std::vector<std::uint8_t> lower(wire.begin(), wire.end());
    std::size_t i = 0;
    while (i < lower.size() && lower[i] != 0) {
        std::size_t length = lower[i];
        for (std::size_t k = i + 1; k <= i + length && k < lower.size(); ++k) {
            if (lower[k] >= 'A' && lower[k] <= 'Z')
                lower[k] = static_cast<std::uint8_t>(lower[k] + 32);
        }
        i += 1 + length;
    }
    return lower;
}

} // namespace dance
