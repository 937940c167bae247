// The machine-readable description of the command line, produced from the
// same CLI11 definitions that print --help. The build turns it into the
// shell completions and the SYNOPSIS and OPTIONS sections of the man pages.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace dance::cli {

// Describes the app and every visible subcommand as JSON: names,
// descriptions, footers, options and positionals.
nlohmann::ordered_json describe_cli(CLI::App& app);

// Adds the hidden flag --dump-cli, which prints describe_cli() to standard
// output and exits 0 before any subcommand is required or run.
void add_cli_dump_option(CLI::App& app);

} // namespace dance::cli
