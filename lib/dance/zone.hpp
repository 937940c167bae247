// Reading zone files in RFC 1035 master format.
//
// The scanner is Knot DNS's libzscanner: it handles $ORIGIN, $TTL,
// $INCLUDE, parentheses, comments and RFC 3597 generic types, and turns
// each record into wire form. It was chosen over getdns_fp2rr_list after
// measuring both on a generated zone of 1,000,000 records (10% TLSA) on a
// 2-core VM: libzscanner read it in 0.15 s with 41 MB peak memory (mostly
// the mapped file), getdns 1.6.0 took 8.2 s and 1.1 GB because it builds a
// list of dictionaries for the whole file, and it reports no line numbers.
// BENCHMARKS.md has the commands.
//
// Records are handed to a visitor one at a time, so memory stays flat
// however large the zone is; the visitor decides what to keep.
#pragma once

#include "dance/error.hpp"
#include "dance/name.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

// RR type codes the zone reader's users look at (IANA DNS parameters).
inline constexpr std::uint16_t rr_type_soa = 6;
inline constexpr std::uint16_t rr_type_ns = 2;
inline constexpr std::uint16_t rr_type_rrsig = 46;
inline constexpr std::uint16_t rr_type_dnskey = 48;

// One record as the scanner produced it. The spans point into the
// scanner's buffers and are valid only during the visitor call.
struct ZoneRecord {
    const std::string* file = nullptr;   // display name of the file
    std::uint64_t line = 0;              // first line of the record
    std::span<const std::uint8_t> owner; // uncompressed wire form
    std::uint16_t type = 0;
    std::uint16_t rclass = 1;
    std::uint32_t ttl = 0;
    std::span<const std::uint8_t> rdata;
};

// A record or directive the scanner could not read.
struct ZoneSyntaxError {
    std::string file;
    std::uint64_t line = 0;
    std::string message;

    // The record that failed names the TLSA type, so the problem is in
    // TLSA presentation data rather than elsewhere in the zone.
    bool in_tlsa = false;
};

class ZoneVisitor {
public:
    virtual ~ZoneVisitor() = default;
    virtual void on_record(const ZoneRecord& record) = 0;
    virtual void on_syntax_error(const ZoneSyntaxError& error) = 0;
};

struct ZoneReadOptions {
    std::string origin = ".";         // initial $ORIGIN
    std::uint32_t default_ttl = 3600; // TTL before any $TTL
    unsigned max_include_depth = 16;  // nested $INCLUDE levels
};

// Reads a zone file and the files it includes ($INCLUDE paths relative to
// the including file). Errors inside the zone go to the visitor, and the
// scan goes on with the next record. The Result error (category input) is
// only for a top-level file that cannot be opened or is not a regular file.
Status read_zone_file(const std::string& path, const ZoneReadOptions& options,
                      ZoneVisitor& visitor);

// Reads zone text already in memory, such as standard input. `file_name`
// names it in records and errors; $INCLUDE paths are relative to the
// working directory.
Status read_zone_text(std::string_view text, const std::string& file_name,
                      const ZoneReadOptions& options, ZoneVisitor& visitor);

// Labels of a wire-form name, leftmost first, as raw octets (not escaped).
std::vector<std::string> wire_name_labels(std::span<const std::uint8_t> wire);

// Presentation form with a trailing dot, "\DDD" escapes for octets outside
// printable ASCII and "\." for dots inside labels.
std::string wire_name_to_text(std::span<const std::uint8_t> wire);

// The wire-form name in lowercase ASCII (RFC 4034 section 6.2).
std::vector<std::uint8_t>
wire_name_lowercase(std::span<const std::uint8_t> wire);

} // namespace dance
