// The options of `dance verify`, shared by its single-client handler
// (cmd_verify.cpp) and its batch mode (verify_batch.cpp).
#pragma once

#include "dance/error.hpp"
#include "dance/match.hpp"
#include "dance/resolve.hpp"
#include "dance/verify.hpp"

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace dance::cli {

struct VerifyOptions {
    std::string name;
    std::string service, client; // _<service>.<client>
    std::string device, org;     // <device>._device.<org>

    std::string cert, chain, pubkey, key, ca_file;

    std::vector<std::string> resolvers;
    std::string trust_anchor;
    double timeout_seconds = 5;
    bool tcp = false;

    std::vector<std::string> tlsa;
    std::string tlsa_file;
    bool assume_secure = false;
    bool no_digest_agility = false;
    bool json = false;

    std::string batch;
    std::size_t max_in_flight = 32;
    std::size_t threads = 0; // 0: the number of CPU cores, at most 8

    CLI::App* app = nullptr;
    bool has_option(const char* option) const { return app->count(option) > 0; }
};

// 0 when authenticated, 4 for a timeout or failed lookup, else 1.
int exit_code_for_report(const VerifyReport& report);

// The resolver settings of --resolver, --trust-anchor, --timeout, --tcp.
ResolverConfig resolver_config(const VerifyOptions& options);
Result<Resolver> make_resolver(const VerifyOptions& options);

// Runs --batch and returns the exit code of the most severe line.
int run_batch(const VerifyOptions& options, const MatchOptions& match);

} // namespace dance::cli
