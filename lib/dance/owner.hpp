// TLSA owner names for DANE client identities (draft-ietf-dance-client-auth
// section 2) and for servers (RFC 6698 section 3).
//
// A client sends its whole owner name, without the trailing dot, in the
// dane_clientid extension, and the server queries that name as it is. So
// these functions are where the forms are built, and nothing downstream
// reconstructs them. Errors have the category ErrorCategory::input.
#pragma once

#include "dance/error.hpp"
#include "dance/name.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dance {

// Format 1, "_<service>.<client>": service "smtp-client" and client
// "device1.example.com" give "_smtp-client.device1.example.com". The
// leading underscore is added when the service lacks one. The service is
// one ASCII label of letters, digits, hyphens and underscores, at most 63
// octets with its underscore. Services outside the RFC 6335 syntax are
// accepted because the draft allows custom strings (see
// service_name_warning()).
Result<Name> service_owner(std::string_view service, const Name& client);

// Format 2, "<device>._device.<org>": device "sensor7" and org
// "example.com" give "sensor7._device.example.com". The device part may
// have several labels, or be "*" for a wildcard record covering every
// device of the org.
Result<Name> device_owner(const Name& device, const Name& org);

// Format 3, the client's own name. It must have no underscore in any
// label, so that it can also appear as a certificate's dNSName (RFC 5280
// section 4.2.1.6 allows only letters, digits and hyphens there).
Result<Name> freeform_owner(const Name& client);

// Server DANE, "_<port>._<proto>.<host>" (RFC 6698 section 3): port 1 to
// 65535 and proto "tcp", "udp" or "sctp" in any case.
Result<Name> server_owner(std::uint16_t port, std::string_view proto,
                          const Name& host);

// A warning, which may reveal a typo, when a service label is not an
// RFC 6335 section 5.1 service name. Such a name has 1 to 15 letters,
// digits and hyphens, at least one letter, and no hyphen at either end or
// twice in a row. A leading underscore is ignored. std::nullopt when the
// service conforms.
std::optional<std::string> service_name_warning(std::string_view service);

} // namespace dance
