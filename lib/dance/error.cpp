#include "dance/error.hpp"

namespace dance {

const char* category_name(ErrorCategory category) {
    switch (category) {
    case ErrorCategory::usage:
        return "usage";
    case ErrorCategory::input:
        return "input";
    case ErrorCategory::dns:
        return "dns";
    case ErrorCategory::dnssec:
        return "dnssec";
    case ErrorCategory::tls:
        return "tls";
    case ErrorCategory::verification:
        return "verification";
    case ErrorCategory::internal:
        return "internal";
    }
    return "internal";
}

} // namespace dance
