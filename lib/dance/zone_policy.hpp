// Policy for the zone checks: limits, the owner-name forms a zone may
// use, and suppressions, read from a JSON or key=value file.
#pragma once

#include "dance/error.hpp"
#include "dance/zone_diagnostic.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dance {

// Owner-name forms of draft-ietf-dance-client-auth, plus the server form
// of RFC 6698 section 3 for zones that publish both.
enum class OwnerShape {
    service,  // _<service>.<client>
    device,   // <device>._device.<org>
    freeform, // <client>, no underscore labels
    server,   // _<port>._<proto>.<host>
};

// "service", "device", "freeform", "server".
const char* owner_shape_name(OwnerShape shape);

// A finding to drop: every finding of `check`, narrowed to one owner name
// and/or one file when those are set.
struct Suppression {
    std::string check;
    std::string owner; // presentation form with trailing dot; empty = any
    std::string file;  // as given on the command line; empty = any
};

struct ZonePolicy {
    // TLSA TTL ceiling in seconds. A key withdrawn from the zone stays
    // trusted in caches for up to the TTL.
    std::uint32_t ttl_ceiling = 3600;

    // Days ahead to warn about certificate expiry.
    unsigned expiry_days = 30;

    // Days ahead to warn about RRSIG expiry.
    unsigned signature_days = 7;

    std::set<OwnerShape> owner_shapes = {
        OwnerShape::service, OwnerShape::device, OwnerShape::freeform};

    std::vector<Suppression> suppressions;

    bool allows(OwnerShape shape) const { return owner_shapes.count(shape); }
    bool is_suppressed(const Diagnostic& diagnostic) const;
};

// Parses policy text. A text whose first non-blank character is '{' is
// JSON; anything else is "key = value" lines with '#' comments. Keys:
// ttl-ceiling, expiry-days, signature-days, owner-shapes (comma list) and
// suppress (CHECK[:OWNER][@FILE], repeatable). Errors (category input)
// name `source`, the line or key and the accepted values.
Result<ZonePolicy> parse_zone_policy(std::string_view text,
                                     std::string_view source);

// Reads and parses a policy file.
Result<ZonePolicy> load_zone_policy(const std::string& path);

// Parses "CHECK[:OWNER][@FILE]", as --suppress and the suppress key take it.
Result<Suppression> parse_suppression(std::string_view text);

} // namespace dance
