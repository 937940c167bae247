// Pieces shared by the resolver's source files; not installed.
#pragma once

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include <memory>
#include <string>
#include <vector>

#include "dance/error.hpp"
#include "dance/resolve.hpp"

namespace dance {

struct GetdnsListDeleter {
    void operator()(getdns_list* list) const { getdns_list_destroy(list); }
};
struct GetdnsDictDeleter {
    void operator()(getdns_dict* dict) const { getdns_dict_destroy(dict); }
};
struct GetdnsContextDeleter {
    void operator()(getdns_context* context) const {
        getdns_context_destroy(context);
    }
};

using GetdnsList = std::unique_ptr<getdns_list, GetdnsListDeleter>;
using GetdnsDict = std::unique_ptr<getdns_dict, GetdnsDictDeleter>;
using GetdnsContext = std::unique_ptr<getdns_context, GetdnsContextDeleter>;

// An event loop for getdns contexts on poll(2). It collects the due events
// of a round before running any callback, and skips an event that an
// earlier callback of the round cleared or rescheduled. Must outlive the
// contexts that use it.
struct PollLoop : getdns_eventloop {
    PollLoop();
    ~PollLoop();
    PollLoop(const PollLoop&) = delete;
    PollLoop& operator=(const PollLoop&) = delete;

    struct State;
    std::unique_ptr<State> state;
};

// The upstreams of config, or the nameserver lines of its resolv_conf
// when it names none.
Result<std::vector<Upstream>> load_upstreams(const ResolverConfig& config);

// Reads a trust anchor file into the list form getdns takes. Fails when
// the file cannot be read or parsed, or contains no DS or DNSKEY record.
Result<GetdnsList> read_trust_anchors(const std::string& path);

} // namespace dance
