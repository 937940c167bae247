// Resolver configuration: upstream addresses, resolv.conf and trust
// anchor files. Nothing here sends a query.
#include <arpa/inet.h>
#include <getdns/getdns_extra.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "dance/input_file.hpp"
#include "dance/resolve.hpp"
#include "dance/resolve_internal.hpp"

namespace dance {

namespace {

Error upstream_error(std::string_view text, std::string_view detail) {
    return make_error(ErrorCategory::usage,
                      "invalid resolver address \"" + std::string(text) +
                          "\": " + std::string(detail));
}

bool is_ipv4(const std::string& address) {
    in_addr parsed{};
    return inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

bool is_ipv6(const std::string& address) {
    in6_addr parsed{};
    return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

Result<std::uint16_t> parse_port(std::string_view text,
                                 std::string_view upstream) {
    unsigned value = 0;
    auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() ||
        end != text.data() + text.size() || value == 0 || value > 65535) {
        return upstream_error(upstream, "the port \"" + std::string(text) +
                                            "\" is not a number from 1 to "
                                            "65535");
    }
    return static_cast<std::uint16_t>(value);
}

// Splits "[ADDR]" or "[ADDR]:PORT" into the address and the port text.
Result<Upstream> parse_bracketed(std::string_view text) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos)
        return upstream_error(text, "missing \"]\" after the IPv6 address");

    Upstream upstream;
    upstream.address = std::string(text.substr(1, close - 1));
    upstream.ipv6 = true;
    if (!is_ipv6(upstream.address)) {
        return upstream_error(text, "\"" + upstream.address +
                                        "\" is not a numeric IPv6 address");
    }

    std::string_view rest = text.substr(close + 1);
    if (rest.empty())
        return upstream;
    if (rest.front() != ':')
        return upstream_error(text, "expected \":PORT\" after \"]\"");
    auto port = parse_port(rest.substr(1), text);
    if (!port)
        return port.error();
    upstream.port = *port;
    return upstream;
}

} // namespace

std::string Upstream::to_string() const {
    if (ipv6)
        return "[" + address + "]:" + std::to_string(port);
    return address + ":" + std::to_string(port);
}

Result<Upstream> parse_upstream(std::string_view text) {
    if (text.empty())
        return upstream_error(text, "the address is empty");
    if (text.front() == '[')
        return parse_bracketed(text);

    Upstream upstream;
    std::size_t colon = text.find(':');
    bool one_colon = colon != std::string_view::npos &&
                     text.find(':', colon + 1) == std::string_view::npos;
    if (one_colon) {
        upstream.address = std::string(text.substr(0, colon));
        auto port = parse_port(text.substr(colon + 1), text);
        if (!port)
            return port.error();
        upstream.port = *port;
    } else {
        upstream.address = std::string(text);
    }

    if (is_ipv4(upstream.address))
        return upstream;
    if (!one_colon && is_ipv6(upstream.address)) {
        upstream.ipv6 = true;
        return upstream;
    }
    return upstream_error(text, "expected a numeric address: ADDR, "
                                "ADDR:PORT or [IPV6]:PORT, such as "
                                "127.0.0.1:53 or [::1]:53");
}

Result<std::vector<Upstream>> parse_resolv_conf(std::string_view text) {
    std::vector<Upstream> upstreams;
    std::string first_invalid;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string keyword, address;
        if (!(words >> keyword >> address) || keyword != "nameserver")
            continue;

        // glibc skips a nameserver line it cannot use, and so do we; a
        // link-local address with a "%zone" suffix is one of those.
        auto upstream = parse_upstream(address);
        if (upstream)
            upstreams.push_back(*upstream);
        else if (first_invalid.empty())
            first_invalid = address;
    }

    if (!upstreams.empty())
        return upstreams;
    std::string detail = first_invalid.empty()
                             ? "it has no \"nameserver\" line"
                             : "no \"nameserver\" line has a numeric address "
                               "(first: \"" + first_invalid + "\")";
    return make_error(ErrorCategory::input,
                      "no resolver to use: " + detail +
                          "; pass --resolver ADDR[:PORT]");
}

Result<std::vector<Upstream>> load_upstreams(const ResolverConfig& config) {
    std::vector<Upstream> upstreams;
    for (const std::string& text : config.upstreams) {
        auto upstream = parse_upstream(text);
        if (!upstream)
            return upstream.error();
        upstreams.push_back(*upstream);
    }
    if (!upstreams.empty())
        return upstreams;

    std::FILE* file = std::fopen(config.resolv_conf.c_str(), "r");
    if (file == nullptr) {
        return make_error(ErrorCategory::input,
                          "cannot read " + config.resolv_conf + ": " +
                              std::strerror(errno) +
                              "; pass --resolver ADDR[:PORT]");
    }
    std::string text;
    char buffer[4096];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        text.append(buffer, count);
    std::fclose(file);

    auto parsed = parse_resolv_conf(text);
    if (!parsed) {
        return make_error(ErrorCategory::input,
                          config.resolv_conf + ": " + parsed.error().message);
    }
    return parsed;
}

namespace {

std::size_t count_anchor_records(const getdns_list* records) {
    std::size_t length = 0;
    getdns_list_get_length(records, &length);
    std::size_t anchors = 0;
    for (std::size_t i = 0; i < length; ++i) {
        getdns_dict* record = nullptr;
        std::uint32_t type = 0;
        if (getdns_list_get_dict(records, i, &record) == GETDNS_RETURN_GOOD &&
            getdns_dict_get_int(record, "type", &type) == GETDNS_RETURN_GOOD &&
            (type == GETDNS_RRTYPE_DS || type == GETDNS_RRTYPE_DNSKEY)) {
            ++anchors;
        }
    }
    return anchors;
}

} // namespace

Result<GetdnsList> read_trust_anchors(const std::string& path) {
    // getdns_fp2rr_list loops forever on a read error such as EISDIR and
    // reads without a bound, so it only ever sees a checked copy in memory.
    constexpr std::size_t max_anchor_size = 1024 * 1024;
    auto content = read_input_file(path, "trust anchor file", max_anchor_size);
    if (!content) {
        return make_error(ErrorCategory::input,
                          content.error().message +
                              "; install dns-root-data or pass "
                              "--trust-anchor FILE");
    }
    content->push_back('\n');
    std::FILE* file = fmemopen(content->data(), content->size(), "r");
    if (file == nullptr) {
        return make_error(ErrorCategory::internal,
                          "cannot read trust anchor file " + path +
                              " from memory: " + std::strerror(errno));
    }
    getdns_list* records = nullptr;
    getdns_return_t status = getdns_fp2rr_list(file, &records, nullptr, 3600);
    std::fclose(file);
    GetdnsList owned(records);
    if (status != GETDNS_RETURN_GOOD) {
        return make_error(ErrorCategory::input,
                          "invalid trust anchor file " + path +
                              ": expected DS or DNSKEY records in "
                              "presentation form, such as \". IN DS 20326 8 "
                              "2 E06D...\"");
    }

    if (count_anchor_records(owned.get()) == 0) {
        return make_error(ErrorCategory::input,
                          "invalid trust anchor file " + path +
                              ": it contains no DS or DNSKEY record in "
                              "presentation form, such as \". IN DS 20326 "
                              "8 2 E06D...\"");
    }
    return owned;
}

Result<std::size_t> check_trust_anchor_file(const std::string& path) {
    auto anchors = read_trust_anchors(path);
    if (!anchors)
        return anchors.error();
    return count_anchor_records(anchors->get());
}

} // namespace dance
