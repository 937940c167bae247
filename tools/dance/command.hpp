// The subcommand table. Each subcommand lives in its own cmd_*.cpp file
// with one function that defines its options on the CLI11 app and returns
// the handler that runs after parsing. The same definitions feed --help,
// the man-page synopses and the shell completions, so those cannot drift.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace dance::cli {

struct Subcommand {
    CLI::App* app = nullptr;
    std::function<int()> run; // returns the exit code
};

using SubcommandFactory = Subcommand (*)(CLI::App& parent);

// One per cmd_*.cpp file, in the order `dance --help` lists them.
const std::vector<SubcommandFactory>& subcommand_factories();
Subcommand add_owner_command(CLI::App& parent);
Subcommand add_tlsa_command(CLI::App& parent);
Subcommand add_verify_command(CLI::App& parent);
Subcommand add_probe_command(CLI::App& parent);
Subcommand add_zone_check_command(CLI::App& parent);
Subcommand add_serve_command(CLI::App& parent);

} // namespace dance::cli
