// TLSA lookups with getdns 1.6 in stub mode. getdns sends each query with
// the CD bit and validates the answer itself against our trust anchor, so
// a bogus answer from a validating upstream reaches us as BOGUS, not as
// SERVFAIL.
#include "dance/resolve.hpp"

#include <arpa/inet.h>
#include <getdns/getdns_extra.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

#include "dance/resolve_internal.hpp"

namespace dance {

namespace {

// Clock difference tolerated when checking RRSIG inception and expiration.
// getdns 1.6 defaults to none, so a signature made in the current second
// is BOGUS to it. Five minutes covers a validator or signer whose clock
// drifts between NTP corrections. A signature that really expired still
// turns BOGUS five minutes later, and signature lifetimes are days.
constexpr std::uint32_t allowed_skew_seconds = 300;

// RFC 7671 section 7 leaves the length of a TLSA alias chain open. More
// than 8 links is treated as a misconfiguration, as resolvers treat long
// CNAME chains.
constexpr std::size_t max_alias_links = 8;

constexpr std::uint32_t rcode_nxdomain = 3;
constexpr std::uint32_t rcode_servfail = 2;
constexpr std::uint32_t rcode_refused = 5;

Error getdns_failure(std::string_view what, getdns_return_t status) {
    const char* text = getdns_get_errorstr_by_id(static_cast<uint16_t>(status));
    return make_error(ErrorCategory::internal,
                      std::string(what) + " failed: " +
                          (text != nullptr ? text : "unknown getdns error") +
                          " (" + std::to_string(status) + ")");
}

// --- reading getdns dicts ------------------------------------------------

std::optional<std::uint32_t> get_int(const getdns_dict* dict,
                                     const char* key) {
    std::uint32_t value = 0;
    if (getdns_dict_get_int(dict, key, &value) != GETDNS_RETURN_GOOD)
        return std::nullopt;
    return value;
}

getdns_list* get_list(const getdns_dict* dict, const char* key) {
    getdns_list* list = nullptr;
    if (getdns_dict_get_list(dict, key, &list) != GETDNS_RETURN_GOOD)
        return nullptr;
    return list;
}

std::vector<const getdns_dict*> dicts_of(const getdns_list* list) {
    std::vector<const getdns_dict*> dicts;
    std::size_t length = 0;
    if (list == nullptr ||
        getdns_list_get_length(list, &length) != GETDNS_RETURN_GOOD)
        return dicts;
    for (std::size_t i = 0; i < length; ++i) {
        getdns_dict* dict = nullptr;
        if (getdns_list_get_dict(list, i, &dict) == GETDNS_RETURN_GOOD)
            dicts.push_back(dict);
    }
    return dicts;
}

Result<Name> name_from_wire(const getdns_bindata* wire) {
    char* text = nullptr;
    if (wire == nullptr ||
        getdns_convert_dns_name_to_fqdn(wire, &text) != GETDNS_RETURN_GOOD)
        return make_error(ErrorCategory::dns, "the reply has a malformed "
                                              "domain name");
    std::string copy(text);
    std::free(text);
    auto name = Name::parse(copy);
    if (!name) {
        return make_error(ErrorCategory::dns,
                          "the reply has a name that is not a host name: " +
                              name.error().message);
    }
    return name;
}

Result<Name> name_field(const getdns_dict* dict, const char* key) {
    getdns_bindata* wire = nullptr;
    getdns_dict_get_bindata(dict, key, &wire);
    return name_from_wire(wire);
}

// One resource record of an answer section, reduced to what we use.
struct Record {
    Name owner;
    std::uint32_t type = 0;
    std::uint32_t ttl = 0;
    const getdns_dict* rdata = nullptr;
};

Result<std::vector<Record>> read_records(const getdns_list* section) {
    std::vector<Record> records;
    for (const getdns_dict* rr : dicts_of(section)) {
        auto owner = name_field(rr, "name");
        if (!owner)
            return owner.error();
        Record record{*owner, get_int(rr, "type").value_or(0),
                      get_int(rr, "ttl").value_or(0), nullptr};
        getdns_dict* rdata = nullptr;
        getdns_dict_get_dict(rr, "rdata", &rdata);
        record.rdata = rdata;
        records.push_back(std::move(record));
    }
    return records;
}

Result<TlsaRecord> tlsa_from_rdata(const getdns_dict* rdata) {
    getdns_bindata* raw = nullptr;
    if (rdata == nullptr ||
        getdns_dict_get_bindata(rdata, "rdata_raw", &raw) !=
            GETDNS_RETURN_GOOD ||
        raw->size < 3) {
        return make_error(ErrorCategory::dns, "the reply has a TLSA record "
                                              "shorter than 3 octets");
    }
    TlsaRecord record;
    record.usage = raw->data[0];
    record.selector = raw->data[1];
    record.matching_type = raw->data[2];
    record.data.assign(raw->data + 3, raw->data + raw->size);
    return record;
}

// --- RRSIG times ---------------------------------------------------------

// RRSIG times are 32-bit serial numbers (RFC 4034 section 3.1.5): the
// meant time is the one within 68 years of now.
std::int64_t serial_to_unix(std::uint32_t serial, std::int64_t now) {
    auto delta = static_cast<std::int32_t>(
        serial - static_cast<std::uint32_t>(now));
    return now + delta;
}

std::string format_utc(std::int64_t unix_time) {
    std::time_t time = static_cast<std::time_t>(unix_time);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

struct Signature {
    Name owner;
    std::uint32_t type_covered = 0;
    std::int64_t inception = 0;
    std::int64_t expiration = 0;
};

std::vector<Signature> signatures_in(const getdns_list* section,
                                     std::int64_t now) {
    std::vector<Signature> signatures;
    for (const getdns_dict* rr : dicts_of(section)) {
        if (get_int(rr, "type") != GETDNS_RRTYPE_RRSIG)
            continue;
        getdns_dict* rdata = nullptr;
        auto owner = name_field(rr, "name");
        if (!owner ||
            getdns_dict_get_dict(rr, "rdata", &rdata) != GETDNS_RETURN_GOOD)
            continue;
        Signature signature{*owner, get_int(rdata, "type_covered").value_or(0),
                            serial_to_unix(get_int(rdata, "signature_inception")
                                               .value_or(0),
                                           now),
                            serial_to_unix(get_int(rdata, "signature_expiration")
                                               .value_or(0),
                                           now)};
        signatures.push_back(std::move(signature));
    }
    return signatures;
}

const char* type_name(std::uint32_t type) {
    switch (type) {
    case GETDNS_RRTYPE_CNAME: return "CNAME";
    case GETDNS_RRTYPE_SOA: return "SOA";
    case GETDNS_RRTYPE_DNAME: return "DNAME";
    case GETDNS_RRTYPE_DS: return "DS";
    case GETDNS_RRTYPE_NSEC: return "NSEC";
    case GETDNS_RRTYPE_NSEC3: return "NSEC3";
    case GETDNS_RRTYPE_DNSKEY: return "DNSKEY";
    case rr_type_tlsa: return "TLSA";
    default: return "RRset";
    }
}

// getdns 1.6 reports BOGUS without saying why, so the reason is inferred
// from the signature times in the reply and its validation chain. Other
// causes (a digest that does not match, a missing DS) get the generic
// text.
std::string bogus_reason(const std::vector<Signature>& signatures,
                         std::int64_t now) {
    for (const Signature& signature : signatures) {
        if (signature.expiration + allowed_skew_seconds < now) {
            return std::string("the RRSIG over the ") +
                   type_name(signature.type_covered) + " at " +
                   signature.owner.to_string() + " expired at " +
                   format_utc(signature.expiration);
        }
        if (signature.inception > now + allowed_skew_seconds) {
            return std::string("the RRSIG over the ") +
                   type_name(signature.type_covered) + " at " +
                   signature.owner.to_string() + " is not valid before " +
                   format_utc(signature.inception);
        }
    }
    return "a signature does not verify, or the chain of trust from the "
           "trust anchor is broken";
}

// --- one reply -----------------------------------------------------------

int severity(DnssecStatus status) {
    switch (status) {
    case DnssecStatus::secure: return 0;
    case DnssecStatus::insecure: return 1;
    case DnssecStatus::indeterminate: return 2;
    case DnssecStatus::bogus: return 3;
    }
    return 3;
}

// The status of a chain is that of its weakest link.
DnssecStatus weakest(DnssecStatus a, DnssecStatus b) {
    return severity(a) >= severity(b) ? a : b;
}

DnssecStatus dnssec_from_getdns(std::optional<std::uint32_t> status) {
    switch (status.value_or(GETDNS_DNSSEC_INDETERMINATE)) {
    case GETDNS_DNSSEC_SECURE: return DnssecStatus::secure;
    case GETDNS_DNSSEC_BOGUS: return DnssecStatus::bogus;
    case GETDNS_DNSSEC_INSECURE: return DnssecStatus::insecure;
    default: return DnssecStatus::indeterminate;
    }
}

// The name that a DNAME at owner maps name to (RFC 6672 section 2.2).
std::optional<Name> apply_dname(const Name& name, const Name& owner,
                                const Name& target) {
    if (name == owner || !name.is_subdomain_of(owner))
        return std::nullopt;
    std::vector<std::string> labels(
        name.labels().begin(),
        name.labels().end() - static_cast<std::ptrdiff_t>(owner.labels().size()));
    labels.insert(labels.end(), target.labels().begin(),
                  target.labels().end());
    auto mapped = Name::from_labels(std::move(labels));
    if (!mapped)
        return std::nullopt;
    return *mapped;
}

// The next name after `current` in the answer, through a CNAME at it or a
// DNAME above it.
Result<std::optional<Name>> next_alias(const std::vector<Record>& answer,
                                       const Name& current) {
    for (const Record& record : answer) {
        if (record.type == GETDNS_RRTYPE_CNAME && record.owner == current)
            return std::optional<Name>(*name_field(record.rdata, "cname"));
    }
    for (const Record& record : answer) {
        if (record.type != GETDNS_RRTYPE_DNAME)
            continue;
        auto target = name_field(record.rdata, "target");
        if (!target)
            return target.error();
        if (auto mapped = apply_dname(current, record.owner, *target))
            return std::optional<Name>(*mapped);
    }
    return std::optional<Name>();
}

// The negative-caching TTL of a denial (RFC 2308 section 5): the smaller
// of the SOA record's TTL and its MINIMUM field. Empty without an SOA.
std::optional<std::uint32_t> negative_ttl(const getdns_list* authority) {
    for (const getdns_dict* rr : dicts_of(authority)) {
        if (get_int(rr, "type") != GETDNS_RRTYPE_SOA)
            continue;
        getdns_dict* rdata = nullptr;
        getdns_dict_get_dict(rr, "rdata", &rdata);
        return std::min(get_int(rr, "ttl").value_or(0),
                        get_int(rdata, "minimum").value_or(0));
    }
    return std::nullopt;
}

std::string upstream_list(const std::vector<Upstream>& upstreams) {
    std::string text;
    for (const Upstream& upstream : upstreams)
        text += (text.empty() ? "" : ", ") + upstream.to_string();
    return text;
}

} // namespace

const char* dnssec_status_name(DnssecStatus status) {
    switch (status) {
    case DnssecStatus::secure: return "secure";
    case DnssecStatus::insecure: return "insecure";
    case DnssecStatus::bogus: return "bogus";
    case DnssecStatus::indeterminate: return "indeterminate";
    }
    return "indeterminate";
}

const char* lookup_status_name(LookupStatus status) {
    switch (status) {
    case LookupStatus::answer: return "answer";
    case LookupStatus::nxdomain: return "nxdomain";
    case LookupStatus::nodata: return "nodata";
    case LookupStatus::timeout: return "timeout";
    case LookupStatus::failed: return "failed";
    }
    return "failed";
}

// --- the context ---------------------------------------------------------

// The DNSKEY RRset of one zone, proven secure by an earlier lookup.
struct ZoneKeys {
    GetdnsList dnskeys; // DNSKEY RR dicts, given to getdns as anchors
    std::int64_t valid_until = 0;     // smallest TTL or RRSIG expiration
    std::int64_t earliest_expiry = 0; // soonest RRSIG expiration of the chain
};

struct Resolver::Impl {
    ResolverConfig config;
    std::vector<Upstream> upstreams;
    std::unique_ptr<PollLoop> loop; // declared first, destroyed last
    GetdnsContext context;
    GetdnsDict extensions;      // validated lookups
    GetdnsDict fast_extensions; // DO bit only: see read_fast_reply
    GetdnsList anchors;
    GetdnsList no_records; // an empty list for getdns_validate_dnssec2

    // Zone keys by lowercase zone name, filled during a batch.
    std::map<std::string, ZoneKeys> zone_keys;
};

namespace {

Result<GetdnsList> upstream_dicts(const std::vector<Upstream>& upstreams) {
    GetdnsList list(getdns_list_create());
    for (std::size_t i = 0; i < upstreams.size(); ++i) {
        const Upstream& upstream = upstreams[i];
        std::uint8_t address[16] = {};
        inet_pton(upstream.ipv6 ? AF_INET6 : AF_INET,
                  upstream.address.c_str(), address);
        getdns_bindata type{4, reinterpret_cast<std::uint8_t*>(
                                   const_cast<char*>(upstream.ipv6 ? "IPv6"
                                                                   : "IPv4"))};
        getdns_bindata data{upstream.ipv6 ? 16u : 4u, address};

        GetdnsDict dict(getdns_dict_create());
        if (getdns_dict_set_bindata(dict.get(), "address_type", &type) ||
            getdns_dict_set_bindata(dict.get(), "address_data", &data) ||
            getdns_dict_set_int(dict.get(), "port", upstream.port) ||
            getdns_list_set_dict(list.get(), i, dict.get())) {
            return make_error(ErrorCategory::internal,
                              "cannot build the getdns upstream list");
        }
    }
    return list;
}

Result<GetdnsDict> lookup_extensions() {
    GetdnsDict extensions(getdns_dict_create());
    // dnssec_return_status alone drops bogus replies; all_statuses keeps
    // them so that BOGUS is reported instead of a missing answer.
    for (const char* key :
         {"dnssec_return_status", "dnssec_return_all_statuses",
          "dnssec_return_validation_chain"}) {
        if (getdns_dict_set_int(extensions.get(), key,
                                GETDNS_EXTENSION_TRUE) != GETDNS_RETURN_GOOD)
            return getdns_failure("setting a getdns extension",
                                  GETDNS_RETURN_GENERIC_ERROR);
    }
    return extensions;
}

// A query that only sets the DO bit, so that the upstream returns RRSIGs
// but getdns validates nothing itself.
Result<GetdnsDict> fast_lookup_extensions() {
    GetdnsDict extensions(getdns_dict_create());
    GetdnsDict options(getdns_dict_create());
    if (getdns_dict_set_int(options.get(), "do_bit", 1) != GETDNS_RETURN_GOOD ||
        getdns_dict_set_dict(extensions.get(), "add_opt_parameters",
                             options.get()) != GETDNS_RETURN_GOOD) {
        return getdns_failure("setting a getdns extension",
                              GETDNS_RETURN_GENERIC_ERROR);
    }
    return extensions;
}

// Every query goes over TCP, because libgetdns 1.6.0 corrupts its heap in
// stub mode with DNSSEC when UDP replies are lost. Measured with
// tests/testbed/fault_proxy.py in front of NSD, 300 validated lookups per
// run (3 names, 1000 ms timeout), on a 2-core VM:
//   UDP, 30% dropped and 30% truncated: 9 of 9 runs died (SIGSEGV or
//     "double free or corruption"), with getdns's event loop and ours.
//   UDP, 30% dropped only: 2 of 2 runs died. 30% truncated only: 0 of 2.
//   TCP, UDP faults as above: 0 of 2. TCP, 20-30% of connections closed
//     or 5% stalled: 0 of 6 runs, and no lookup took over 1015 ms.
// Valgrind placed the fault inside libgetdns: a read of memory it had
// freed, under getdns_context_run. resolve_fault_proxy.sh repeats the
// TCP half of this in every test run.
Status set_transport(getdns_context* context) {
    getdns_transport_list_t tcp_only[] = {GETDNS_TRANSPORT_TCP};
    getdns_return_t status =
        getdns_context_set_dns_transport_list(context, 1, tcp_only);
    if (status != GETDNS_RETURN_GOOD)
        return getdns_failure("setting the DNS transport", status);
    return Ok{};
}

Result<GetdnsContext> make_context(const ResolverConfig& config,
                                   const std::vector<Upstream>& upstreams,
                                   const GetdnsList& anchors,
                                   PollLoop* loop) {
    getdns_context* raw = nullptr;
    // 0: do not read /etc/resolv.conf or /etc/hosts, because the upstreams
    // are set below. The default resolution type, recursive from the root
    // servers, is replaced by stub mode.
    getdns_return_t status = getdns_context_create(&raw, 0);
    if (status != GETDNS_RETURN_GOOD)
        return getdns_failure("creating the getdns context", status);
    GetdnsContext context(raw);

    auto servers = upstream_dicts(upstreams);
    if (!servers)
        return servers.error();
    if ((status = getdns_context_set_resolution_type(
             raw, GETDNS_RESOLUTION_STUB)) ||
        (status = getdns_context_set_upstream_recursive_servers(
             raw, servers->get())) ||
        (status = getdns_context_set_dnssec_trust_anchors(raw,
                                                          anchors.get())) ||
        // "" turns off the automatic download of the IANA root anchors.
        (status = getdns_context_set_trust_anchors_verify_CA(raw, "")) ||
        (status = getdns_context_set_dnssec_allowed_skew(
             raw, allowed_skew_seconds)) ||
        (status = getdns_context_set_timeout(
             raw, static_cast<std::uint64_t>(config.timeout.count())))) {
        return getdns_failure("configuring the getdns context", status);
    }
    if ((status = getdns_context_set_eventloop(raw, loop)))
        return getdns_failure("setting the getdns event loop", status);
    auto transport = set_transport(raw);
    if (!transport)
        return transport.error();
    return context;
}

} // namespace

Result<Resolver> Resolver::create(const ResolverConfig& config) {
    if (config.timeout.count() <= 0) {
        return make_error(ErrorCategory::usage,
                          "invalid timeout " +
                              std::to_string(config.timeout.count()) +
                              " ms: use a positive number");
    }
    auto upstreams = load_upstreams(config);
    if (!upstreams)
        return upstreams.error();
    std::string anchor_file = config.trust_anchor_file.empty()
                                  ? std::string(default_trust_anchor_file)
                                  : config.trust_anchor_file;
    auto anchors = read_trust_anchors(anchor_file);
    if (!anchors)
        return anchors.error();

    auto loop = std::make_unique<PollLoop>();
    auto context = make_context(config, *upstreams, *anchors, loop.get());
    if (!context)
        return context.error();
    auto extensions = lookup_extensions();
    if (!extensions)
        return extensions.error();
    auto fast_extensions = fast_lookup_extensions();
    if (!fast_extensions)
        return fast_extensions.error();

    auto impl = std::make_unique<Impl>(Impl{
        config, std::move(*upstreams), std::move(loop), std::move(*context),
        std::move(*extensions), std::move(*fast_extensions),
        std::move(*anchors), GetdnsList(getdns_list_create()), {}});
    return Resolver(std::move(impl));
}

Resolver::Resolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;
Resolver::~Resolver() = default;

const std::vector<Upstream>& Resolver::upstreams() const {
    return impl_->upstreams;
}

// --- lookups -------------------------------------------------------------

namespace {

// One name in progress. A lookup takes one query, unless an upstream
// returns a CNAME or DNAME without the records of its target. An
// authoritative server does that for a target outside its zones.
struct PendingLookup {
    std::size_t index = 0;
    TlsaLookup lookup;
    Name current; // the name queried now
    std::int64_t now = 0;
    std::chrono::steady_clock::time_point started;
    getdns_eventloop_event retry{}; // timer while waiting to send again
    bool fast = false; // sent without validation: see read_fast_reply
};

// Wait before sending again when getdns rests the upstream after a
// failed connection. In a batch, every lookup started during the rest is
// refused; without the retry, one closed connection through the fault
// proxy failed 60 of 60 lookups.
constexpr std::chrono::milliseconds retry_delay{100};

enum class Step { done, follow };

// Reads the reply for pending.current into pending.lookup. Returns follow
// when the alias chain continues outside the reply.
Step read_reply(PendingLookup& pending, const getdns_dict* response,
                const Resolver::Impl& impl);

Step fail(PendingLookup& pending, std::string reason) {
    pending.lookup.status = LookupStatus::failed;
    pending.lookup.dnssec = DnssecStatus::indeterminate;
    pending.lookup.reason = std::move(reason);
    return Step::done;
}

void note_signatures(TlsaLookup& lookup,
                     const std::vector<Signature>& signatures) {
    for (const Signature& signature : signatures) {
        if (!lookup.earliest_signature_expiry ||
            signature.expiration < *lookup.earliest_signature_expiry)
            lookup.earliest_signature_expiry = signature.expiration;
    }
}

// Follows the alias chain from pending.current through the answer section
// and collects the TLSA records at its end. Returns the reason when the
// chain is too long or loops.
std::optional<std::string> walk_answer(PendingLookup& pending,
                                       const std::vector<Record>& answer) {
    TlsaLookup& lookup = pending.lookup;
    Name current = pending.current;
    for (;;) {
        auto next = next_alias(answer, current);
        if (!next)
            return next.error().message;
        if (!*next)
            break;
        lookup.alias_chain.push_back(current);
        if (lookup.alias_chain.size() > max_alias_links) {
            return "more than " + std::to_string(max_alias_links) +
                   " CNAME or DNAME links from " +
                   lookup.query_name.to_string();
        }
        if (std::find(lookup.alias_chain.begin(), lookup.alias_chain.end(),
                      **next) != lookup.alias_chain.end())
            return "CNAME loop at " + (*next)->to_string();
        current = **next;
    }
    lookup.final_owner = current;

    for (const Record& record : answer) {
        lookup.ttl = std::min(lookup.ttl, record.ttl);
        if (record.type != rr_type_tlsa || !(record.owner == current))
            continue;
        auto tlsa = tlsa_from_rdata(record.rdata);
        if (!tlsa)
            return tlsa.error().message;
        lookup.records.push_back(*tlsa);
    }
    return std::nullopt;
}

// The first reply of a getdns response, or null when there is none.
const getdns_dict* first_reply(const getdns_dict* response) {
    std::vector<const getdns_dict*> replies =
        dicts_of(get_list(response, "replies_tree"));
    return replies.empty() ? nullptr : replies.front();
}

Step read_reply(PendingLookup& pending, const getdns_dict* response,
                const Resolver::Impl& impl) {
    TlsaLookup& lookup = pending.lookup;
    if (get_int(response, "status") == GETDNS_RESPSTATUS_ALL_TIMEOUT) {
        lookup.status = LookupStatus::timeout;
        lookup.dnssec = DnssecStatus::indeterminate;
        lookup.reason = "no reply from " + upstream_list(impl.upstreams) +
                        " within " +
                        std::to_string(impl.config.timeout.count()) + " ms";
        return Step::done;
    }

    const getdns_dict* reply = first_reply(response);
    if (reply == nullptr)
        return fail(pending, "the upstream returned no usable reply");

    getdns_dict* header = nullptr;
    getdns_dict_get_dict(reply, "header", &header);
    std::uint32_t rcode = get_int(header, "rcode").value_or(rcode_servfail);
    if (rcode == rcode_servfail)
        return fail(pending, "the upstream returned SERVFAIL");
    if (rcode == rcode_refused)
        return fail(pending, "the upstream returned REFUSED");
    if (rcode != 0 && rcode != rcode_nxdomain) {
        return fail(pending,
                    "the upstream returned rcode " + std::to_string(rcode));
    }

    DnssecStatus dnssec = dnssec_from_getdns(get_int(reply, "dnssec_status"));
    lookup.dnssec = weakest(lookup.dnssec, dnssec);
    std::vector<Signature> signatures;
    for (const getdns_list* section :
         {get_list(reply, "answer"), get_list(reply, "authority"),
          get_list(response, "validation_chain")}) {
        std::vector<Signature> found = signatures_in(section, pending.now);
        signatures.insert(signatures.end(), found.begin(), found.end());
    }
    note_signatures(lookup, signatures);
    if (dnssec == DnssecStatus::bogus && lookup.reason.empty())
        lookup.reason = bogus_reason(signatures, pending.now);
    if (dnssec == DnssecStatus::indeterminate && lookup.reason.empty()) {
        lookup.reason = "getdns could not build a chain of trust from the "
                        "trust anchor to " +
                        pending.current.to_string();
    }

    auto answer = read_records(get_list(reply, "answer"));
    if (!answer)
        return fail(pending, answer.error().message);
    Name before = pending.current;
    if (auto error = walk_answer(pending, *answer))
        return fail(pending, *error);

    if (!lookup.records.empty()) {
        lookup.status = LookupStatus::answer;
        return Step::done;
    }
    std::optional<std::uint32_t> denial_ttl =
        negative_ttl(get_list(reply, "authority"));
    // An alias whose target the upstream did not resolve, such as a
    // CNAME out of an authoritative server's zones: a negative answer
    // would carry the SOA of the target's zone.
    if (rcode != rcode_nxdomain && !denial_ttl &&
        !(lookup.final_owner == before)) {
        pending.current = lookup.final_owner;
        return Step::follow;
    }
    lookup.ttl = std::min(lookup.ttl, denial_ttl.value_or(0));
    lookup.status = rcode == rcode_nxdomain ? LookupStatus::nxdomain
                                            : LookupStatus::nodata;
    return Step::done;
}

// --- zone keys reused within a batch --------------------------------------
//
// getdns 1.6 keeps no validation cache: every lookup fetches and checks
// the whole chain from the trust anchor again, six queries and five
// signatures for a name two zones below the root. So a batch keeps the
// DNSKEY RRset of each zone that signed a secure answer. Later names are
// first sent as one query, and its TLSA RRset is checked against those
// keys alone, as a validating resolver uses its key cache.
// Only a plain TLSA RRset at the query name, signed by a kept zone and
// found secure, takes this path. Anything else (an alias, a wildcard
// expansion, a denial, another signer, a failed check) is looked up again
// with full validation, so every other outcome is the same as without
// the cache.

// Keeps the key cache bounded when a batch spans many zones.
constexpr std::size_t max_cached_zones = 1024;

// Returns the zone that signed the TLSA RRset at owner. The answer section
// must contain only that RRset and its RRSIGs, all by one signer at or
// above owner, and none made for a wildcard. RFC 4035 section 5.3.4: an
// RRSIG over a wildcard expansion has a labels field smaller than the
// owner's label count, and its proof needs denial records, which this
// path does not check.
std::optional<Name> plain_signer(const getdns_list* answer,
                                 const Name& owner) {
    std::optional<Name> signer;
    bool has_tlsa = false;
    for (const getdns_dict* rr : dicts_of(answer)) {
        auto name = name_field(rr, "name");
        if (!name || !(*name == owner))
            return std::nullopt;
        std::optional<std::uint32_t> type = get_int(rr, "type");
        if (type == rr_type_tlsa) {
            has_tlsa = true;
            continue;
        }
        getdns_dict* rdata = nullptr;
        if (type != GETDNS_RRTYPE_RRSIG ||
            getdns_dict_get_dict(rr, "rdata", &rdata) != GETDNS_RETURN_GOOD ||
            get_int(rdata, "type_covered") != rr_type_tlsa ||
            get_int(rdata, "labels") != owner.labels().size())
            return std::nullopt;
        auto by = name_field(rdata, "signers_name");
        if (!by || !owner.is_subdomain_of(*by) || (signer && !(*signer == *by)))
            return std::nullopt;
        signer = *by;
    }
    if (!has_tlsa)
        return std::nullopt;
    return signer;
}

// After a secure answer from a validated lookup: proves the DNSKEY RRset
// of the answer's signer from the validation chain and the trust anchor,
// and keeps it for the rest of the batch.
void remember_zone_keys(Resolver::Impl& impl, const PendingLookup& pending,
                        const getdns_dict* response) {
    const TlsaLookup& lookup = pending.lookup;
    const getdns_dict* reply = first_reply(response);
    if (reply == nullptr || lookup.status != LookupStatus::answer ||
        lookup.dnssec != DnssecStatus::secure ||
        !lookup.alias_chain.empty() ||
        impl.zone_keys.size() >= max_cached_zones)
        return;
    std::optional<Name> zone =
        plain_signer(get_list(reply, "answer"), lookup.query_name);
    if (!zone || impl.zone_keys.count(zone->to_string()) != 0)
        return;

    const getdns_list* chain = get_list(response, "validation_chain");
    GetdnsList keyset(getdns_list_create());
    GetdnsList dnskeys(getdns_list_create());
    std::size_t keyset_size = 0;
    std::size_t dnskeys_size = 0;
    ZoneKeys keys;
    keys.valid_until = INT64_MAX;
    keys.earliest_expiry = INT64_MAX;
    for (const getdns_dict* rr : dicts_of(chain)) {
        keys.valid_until = std::min<std::int64_t>(
            keys.valid_until, pending.now + get_int(rr, "ttl").value_or(0));
        auto owner = name_field(rr, "name");
        if (!owner)
            return;
        std::optional<std::uint32_t> type = get_int(rr, "type");
        bool key_record = type == GETDNS_RRTYPE_DNSKEY;
        if (type == GETDNS_RRTYPE_RRSIG) {
            getdns_dict* rdata = nullptr;
            getdns_dict_get_dict(rr, "rdata", &rdata);
            key_record = get_int(rdata, "type_covered") == GETDNS_RRTYPE_DNSKEY;
        }
        if (!(*owner == *zone) || !key_record)
            continue;
        getdns_list_set_dict(keyset.get(), keyset_size++, rr);
        if (type == GETDNS_RRTYPE_DNSKEY)
            getdns_list_set_dict(dnskeys.get(), dnskeys_size++, rr);
    }
    for (const Signature& signature : signatures_in(chain, pending.now)) {
        keys.valid_until = std::min(keys.valid_until, signature.expiration);
        keys.earliest_expiry =
            std::min(keys.earliest_expiry, signature.expiration);
    }
    if (dnskeys_size == 0 ||
        getdns_validate_dnssec2(keyset.get(), chain, impl.anchors.get(),
                                static_cast<time_t>(pending.now),
                                allowed_skew_seconds) != GETDNS_DNSSEC_SECURE)
        return;
    keys.dnskeys = std::move(dnskeys);
    impl.zone_keys.emplace(zone->to_string(), std::move(keys));
}

// Reads the reply to a query sent with fast_lookup_extensions. Returns
// true, with pending.lookup filled, only when the reply is a plain TLSA
// RRset that the kept keys of its signer prove secure. Otherwise it
// returns false and leaves pending untouched, and the full lookup that
// follows decides the outcome.
bool read_fast_reply(PendingLookup& pending, const getdns_dict* response,
                     Resolver::Impl& impl) {
    const getdns_dict* reply = first_reply(response);
    if (reply == nullptr)
        return false;
    getdns_dict* header = nullptr;
    getdns_dict_get_dict(reply, "header", &header);
    if (get_int(header, "rcode") != 0)
        return false;
    const getdns_list* answer = get_list(reply, "answer");
    std::optional<Name> zone = plain_signer(answer, pending.current);
    if (!zone)
        return false;
    auto found = impl.zone_keys.find(zone->to_string());
    if (found == impl.zone_keys.end())
        return false;
    // Expired keys, or keys that no longer sign the zone's answers after a
    // key rollover, are dropped so that the full lookup learns them again.
    if (found->second.valid_until <= pending.now ||
        getdns_validate_dnssec2(answer, impl.no_records.get(),
                                found->second.dnskeys.get(),
                                static_cast<time_t>(pending.now),
                                allowed_skew_seconds) != GETDNS_DNSSEC_SECURE) {
        impl.zone_keys.erase(found);
        return false;
    }

    auto records = read_records(answer);
    if (!records)
        return false;
    TlsaLookup lookup = pending.lookup;
    lookup.final_owner = pending.current;
    lookup.ttl = UINT32_MAX;
    for (const Record& record : *records) {
        lookup.ttl = std::min(lookup.ttl, record.ttl);
        if (record.type != rr_type_tlsa)
            continue;
        auto tlsa = tlsa_from_rdata(record.rdata);
        if (!tlsa)
            return false;
        lookup.records.push_back(*tlsa);
    }
    lookup.status = LookupStatus::answer;
    lookup.dnssec = DnssecStatus::secure;
    lookup.earliest_signature_expiry = found->second.earliest_expiry;
    note_signatures(lookup, signatures_in(answer, pending.now));
    pending.lookup = std::move(lookup);
    return true;
}

// Puts records in the canonical order of RFC 4034 section 6.3, by RDATA
// octets, so that reports number them the same way however the upstream
// ordered the RRset. For TLSA RDATA that is the order of usage, selector,
// matching type and then data, a shorter prefix first.
void sort_canonically(std::vector<TlsaRecord>& records) {
    std::sort(records.begin(), records.end(),
              [](const TlsaRecord& a, const TlsaRecord& b) {
                  return std::tie(a.usage, a.selector, a.matching_type,
                                  a.data) < std::tie(b.usage, b.selector,
                                                     b.matching_type, b.data);
              });
}

// A batch in progress: owns the pending lookups and keeps at most
// max_in_flight queries outstanding.
class Batch {
public:
    // reuse_keys: keep zone keys for later names (see read_fast_reply);
    // pointless for a single name, where it only costs the key check.
    Batch(Resolver::Impl& impl, const Resolver::NameSource& next_name,
          const Resolver::BatchCallback& on_result, std::size_t max_in_flight,
          bool reuse_keys)
        : impl_(impl), next_name_(next_name), on_result_(on_result),
          max_in_flight_(std::max<std::size_t>(1, max_in_flight)),
          reuse_keys_(reuse_keys) {}

    // Cancels the queries still outstanding, so that getdns, when its
    // context is destroyed later, never calls back into a destroyed batch.
    ~Batch() {
        closing_ = true;
        for (auto& [raw, query] : pending_) {
            if (query->retry_scheduled) {
                impl_.loop->vmt->clear(impl_.loop.get(),
                                       &query->lookup->retry);
            } else if (query->sent) {
                getdns_cancel_callback(impl_.context.get(),
                                       query->transaction);
            }
        }
    }

    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    Status run() {
        fill();
        getdns_context_run(impl_.context.get());
        if (callback_error_) {
            return make_error(ErrorCategory::internal,
                              "a batch lookup callback failed: " +
                                  *callback_error_);
        }
        if (!pending_.empty()) {
            return make_error(ErrorCategory::internal,
                              "getdns returned with " +
                                  std::to_string(pending_.size()) +
                                  " lookups unfinished");
        }
        return Ok{};
    }

private:
    struct Query {
        Batch* batch = nullptr;
        std::unique_ptr<PendingLookup> lookup;
        std::uint64_t serial = 0;
        getdns_transaction_t transaction = 0;
        bool sent = false;
        bool retry_scheduled = false;
    };

    static void on_response(getdns_context*, getdns_callback_type_t type,
                            getdns_dict* response, void* user_data,
                            getdns_transaction_t) {
        GetdnsDict owned(response);
        auto* query = static_cast<Query*>(user_data);
        Batch* batch = query->batch;
        if (batch->closing_)
            return;
        batch->complete(query, type, owned.get());
        batch->fill();
    }

    // Hands a result to the caller. An exception from the callback must
    // not unwind through getdns's C frames: it is kept, no further lookup
    // starts, and run() returns it once the queries in flight are done.
    void report(std::size_t index, const Name& name,
                Result<TlsaLookup> result) {
        if (callback_error_)
            return;
        try {
            on_result_(index, name, std::move(result));
        } catch (const std::exception& error) {
            callback_error_ = error.what();
            source_done_ = true;
        }
    }

    std::optional<Name> take_next_name() {
        try {
            return next_name_();
        } catch (const std::exception& error) {
            callback_error_ = error.what();
            return std::nullopt;
        }
    }

    // Starts lookups until max_in_flight are outstanding or the source
    // is empty. Guarded because a completion calls it again.
    void fill() {
        if (filling_)
            return;
        filling_ = true;
        while (pending_.size() < max_in_flight_ && !source_done_) {
            std::optional<Name> name = take_next_name();
            if (!name) {
                source_done_ = true;
                break;
            }
            auto pending = std::make_unique<PendingLookup>();
            pending->index = next_index_++;
            pending->lookup.query_name = *name;
            pending->lookup.final_owner = *name;
            pending->lookup.ttl = UINT32_MAX;
            pending->lookup.dnssec = DnssecStatus::secure;
            pending->current = *name;
            pending->now = static_cast<std::int64_t>(std::time(nullptr));
            pending->started = std::chrono::steady_clock::now();
            pending->fast = reuse_keys_ && !impl_.zone_keys.empty();
            send(std::move(pending));
        }
        filling_ = false;
    }

    // Registers the query before getdns_general, because getdns may call
    // on_response before getdns_general returns.
    void send(std::unique_ptr<PendingLookup> lookup) {
        std::string text = lookup->current.to_string();
        auto query = std::make_unique<Query>(Query{this, std::move(lookup)});
        query->serial = next_serial_++;
        const std::uint64_t serial = query->serial;
        Query* raw = query.get();
        pending_.emplace(raw, std::move(query));

        getdns_dict* extensions = raw->lookup->fast
                                      ? impl_.fast_extensions.get()
                                      : impl_.extensions.get();
        getdns_transaction_t transaction = 0;
        getdns_return_t status = getdns_general(
            impl_.context.get(), text.c_str(), rr_type_tlsa, extensions, raw,
            &transaction, &Batch::on_response);
        if (status == GETDNS_RETURN_GOOD) {
            // getdns may have answered already, and a new query may even
            // reuse the address, so the serial identifies this one.
            auto found = pending_.find(raw);
            if (found != pending_.end() && found->second->serial == serial) {
                found->second->transaction = transaction;
                found->second->sent = true;
            }
            return;
        }
        if (status == GETDNS_RETURN_NO_UPSTREAM_AVAILABLE && retry_later(raw))
            return;

        std::unique_ptr<PendingLookup> failed =
            std::move(pending_.at(raw)->lookup);
        pending_.erase(raw);
        Name name = failed->lookup.query_name;
        // A rest that outlasts the lookup's timeout is an outcome of this
        // lookup, not a local error.
        if (status == GETDNS_RETURN_NO_UPSTREAM_AVAILABLE) {
            fail(*failed, "no upstream available: getdns is waiting before "
                          "it connects again to " +
                              upstream_list(impl_.upstreams) +
                              " after failed connections");
            deliver(*failed);
            return;
        }
        report(failed->index, name,
               getdns_failure("sending a query for " + text, status));
    }

    // Schedules another getdns_general for query after retry_delay,
    // unless that would end after the lookup's timeout.
    bool retry_later(Query* query) {
        PendingLookup& lookup = *query->lookup;
        auto deadline = lookup.started + impl_.config.timeout;
        if (std::chrono::steady_clock::now() + retry_delay >= deadline)
            return false;
        lookup.retry = getdns_eventloop_event{};
        lookup.retry.userarg = query;
        lookup.retry.timeout_cb = &Batch::on_retry;
        query->retry_scheduled =
            impl_.loop->vmt->schedule(
                impl_.loop.get(), -1,
                static_cast<std::uint64_t>(retry_delay.count()),
                &lookup.retry) == GETDNS_RETURN_GOOD;
        return query->retry_scheduled;
    }

    static void on_retry(void* user_data) {
        auto* query = static_cast<Query*>(user_data);
        Batch* batch = query->batch;
        batch->impl_.loop->vmt->clear(batch->impl_.loop.get(),
                                      &query->lookup->retry);
        std::unique_ptr<PendingLookup> lookup = std::move(query->lookup);
        batch->pending_.erase(query);
        batch->send(std::move(lookup));
        batch->fill();
    }

    void complete(Query* query, getdns_callback_type_t type,
                  const getdns_dict* response) {
        auto found = pending_.find(query);
        if (found == pending_.end())
            return;
        std::unique_ptr<PendingLookup> pending =
            std::move(found->second->lookup);
        pending_.erase(found);

        Step step = Step::done;
        if (pending->fast && type == GETDNS_CALLBACK_COMPLETE &&
            response != nullptr) {
            if (!read_fast_reply(*pending, response, impl_)) {
                // Ask again, validating the whole chain.
                pending->fast = false;
                send(std::move(pending));
                return;
            }
        } else if (type == GETDNS_CALLBACK_COMPLETE && response != nullptr) {
            step = read_reply(*pending, response, impl_);
            if (reuse_keys_ && step == Step::done)
                remember_zone_keys(impl_, *pending, response);
        } else if (type == GETDNS_CALLBACK_TIMEOUT) {
            pending->lookup.status = LookupStatus::timeout;
            pending->lookup.dnssec = DnssecStatus::indeterminate;
            pending->lookup.reason =
                "no reply from " + upstream_list(impl_.upstreams) +
                " within " + std::to_string(impl_.config.timeout.count()) +
                " ms";
        } else {
            fail(*pending, "no reply from " + upstream_list(impl_.upstreams) +
                               ": the connection failed or closed early");
        }

        if (step == Step::follow) {
            send(std::move(pending));
            return;
        }
        deliver(*pending);
    }

    void deliver(PendingLookup& pending) {
        if (pending.lookup.ttl == UINT32_MAX)
            pending.lookup.ttl = 0;
        sort_canonically(pending.lookup.records);
        Name name = pending.lookup.query_name;
        report(pending.index, name, std::move(pending.lookup));
    }

    Resolver::Impl& impl_;
    const Resolver::NameSource& next_name_;
    const Resolver::BatchCallback& on_result_;
    std::size_t max_in_flight_;
    bool reuse_keys_;
    std::map<Query*, std::unique_ptr<Query>> pending_;
    std::size_t next_index_ = 0;
    std::uint64_t next_serial_ = 0;
    bool filling_ = false;
    bool source_done_ = false;
    bool closing_ = false;
    std::optional<std::string> callback_error_;
};

} // namespace

Status Resolver::lookup_tlsa_batch(const NameSource& next_name,
                                   const BatchCallback& on_result,
                                   std::size_t max_in_flight) {
    Batch batch(*impl_, next_name, on_result, max_in_flight, true);
    return batch.run();
}

Status Resolver::lookup_tlsa_batch(std::span<const Name> names,
                                   const BatchCallback& on_result,
                                   std::size_t max_in_flight) {
    std::size_t position = 0;
    NameSource next_name = [&]() -> std::optional<Name> {
        if (position == names.size())
            return std::nullopt;
        return names[position++];
    };
    return lookup_tlsa_batch(next_name, on_result, max_in_flight);
}

Result<TlsaLookup> Resolver::lookup_tlsa(const Name& name) {
    std::optional<Result<TlsaLookup>> outcome;
    BatchCallback keep = [&](std::size_t, const Name&,
                             Result<TlsaLookup> result) {
        outcome.emplace(std::move(result));
    };
    bool name_taken = false;
    NameSource one_name = [&]() -> std::optional<Name> {
        if (name_taken)
            return std::nullopt;
        name_taken = true;
        return name;
    };
    Batch batch(*impl_, one_name, keep, 1, false);
    Status status = batch.run();
    if (!status)
        return status.error();
    if (!outcome) {
        return make_error(ErrorCategory::internal,
                          "the lookup of " + name.to_string() +
                              " ended without a result");
    }
    return std::move(*outcome);
}

} // namespace dance
