// Test tool: looks up TLSA records through dance::Resolver and prints one
// line per lookup, or with --repeat a summary of outcomes and latencies.
// Used by the fault-proxy test and for latency measurements.
//
//   tlsa_probe --resolver ADDR[:PORT] --trust-anchor FILE [--timeout MS]
//              [--tcp] [--repeat N] [--batch IN_FLIGHT] NAME...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "dance/resolve.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    dance::ResolverConfig config;
    std::vector<dance::Name> names;
    int repeat = 0;           // 0: print every lookup
    std::size_t batch = 0;    // 0: one lookup at a time
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "tlsa_probe: %s\n", message.c_str());
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--resolver") {
            options.config.upstreams.push_back(value());
        } else if (arg == "--trust-anchor") {
            options.config.trust_anchor_file = value();
        } else if (arg == "--timeout") {
            options.config.timeout = std::chrono::milliseconds(
                std::stol(value()));
        } else if (arg == "--tcp") {
            options.config.tcp = true;
        } else if (arg == "--repeat") {
            options.repeat = std::stoi(value());
        } else if (arg == "--batch") {
            options.batch = static_cast<std::size_t>(std::stoul(value()));
        } else {
            auto name = dance::Name::parse(arg);
            if (!name)
                usage_error(name.error().message);
            options.names.push_back(*name);
        }
    }
    if (options.names.empty())
        usage_error("no name given");
    return options;
}

std::string describe(const dance::TlsaLookup& lookup) {
    std::string line = lookup.query_name.to_string() + " " +
                       dance::lookup_status_name(lookup.status) + " " +
                       dance::dnssec_status_name(lookup.dnssec) +
                       " final=" + lookup.final_owner.to_string() +
                       " aliases=" +
                       std::to_string(lookup.alias_chain.size()) +
                       " records=" + std::to_string(lookup.records.size()) +
                       " ttl=" + std::to_string(lookup.ttl);
    if (lookup.earliest_signature_expiry) {
        line += " expiry=" + std::to_string(*lookup.earliest_signature_expiry);
    }
    if (!lookup.reason.empty())
        line += " reason=" + lookup.reason;
    return line;
}

struct Summary {
    std::map<std::string, int> outcomes;
    std::vector<double> milliseconds;

    void add(const dance::Result<dance::TlsaLookup>& result, double elapsed) {
        std::string key = result ? std::string(dance::lookup_status_name(
                                                   result->status)) +
                                       "/" +
                                       dance::dnssec_status_name(result->dnssec)
                                 : "error";
        ++outcomes[key];
        milliseconds.push_back(elapsed);
    }

    void print() {
        std::sort(milliseconds.begin(), milliseconds.end());
        auto at = [&](double fraction) {
            auto index = static_cast<std::size_t>(
                fraction * static_cast<double>(milliseconds.size() - 1));
            return milliseconds[index];
        };
        std::printf("lookups=%zu", milliseconds.size());
        for (const auto& [key, count] : outcomes)
            std::printf(" %s=%d", key.c_str(), count);
        std::printf(" median_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", at(0.5),
                    at(0.99), milliseconds.back());
    }
};

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start)
        .count();
}

int run_sequential(dance::Resolver& resolver, const Options& options) {
    Summary summary;
    int rounds = std::max(options.repeat, 1);
    for (int round = 0; round < rounds; ++round) {
        for (const dance::Name& name : options.names) {
            Clock::time_point start = Clock::now();
            auto result = resolver.lookup_tlsa(name);
            summary.add(result, elapsed_ms(start));
            if (options.repeat > 0)
                continue;
            if (!result) {
                std::printf("%s error %s\n", name.to_string().c_str(),
                            result.error().message.c_str());
            } else {
                std::printf("%s\n", describe(*result).c_str());
            }
        }
    }
    if (options.repeat > 0)
        summary.print();
    return 0;
}

int run_batch(dance::Resolver& resolver, const Options& options) {
    Summary summary;
    std::size_t total = options.names.size() *
                        static_cast<std::size_t>(std::max(options.repeat, 1));
    std::size_t position = 0;
    std::vector<Clock::time_point> started;
    dance::Resolver::NameSource next = [&]() -> std::optional<dance::Name> {
        if (position == total)
            return std::nullopt;
        started.push_back(Clock::now());
        return options.names[position++ % options.names.size()];
    };
    auto status = resolver.lookup_tlsa_batch(
        next,
        [&](std::size_t index, const dance::Name& name,
            dance::Result<dance::TlsaLookup> result) {
            summary.add(result, elapsed_ms(started[index]));
            if (options.repeat > 0)
                return;
            std::printf("%zu %s\n", index,
                        result ? describe(*result).c_str()
                               : (name.to_string() + " error " +
                                  result.error().message)
                                     .c_str());
        },
        options.batch);
    if (!status) {
        std::fprintf(stderr, "tlsa_probe: %s\n",
                     status.error().message.c_str());
        return 1;
    }
    if (options.repeat > 0)
        summary.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options = parse_options(argc, argv);
    auto resolver = dance::Resolver::create(options.config);
    if (!resolver) {
        std::fprintf(stderr, "tlsa_probe: %s\n",
                     resolver.error().message.c_str());
        return 3;
    }
    if (options.batch > 0)
        return run_batch(*resolver, options);
    return run_sequential(*resolver, options);
}
