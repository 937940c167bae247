// dance: DANE TLS client authentication toolkit.
//
// main() only builds the command line from the subcommand table, parses it
// and runs the chosen handler; every subcommand's work is in the library.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli_dump.hpp"
#include "command.hpp"
#include "dance/message_text.hpp"
#include "exit_codes.hpp"
#include "module.hpp"
#include "output.hpp"

#ifndef DANCE_VERSION
#define DANCE_VERSION "unknown"
#endif

namespace dance::cli {

const std::vector<SubcommandFactory>& subcommand_factories() {
    static const std::vector<SubcommandFactory> factories = {
        add_owner_command,
        add_tlsa_command,
        add_verify_command,
        add_probe_command,
        add_zone_check_command,
        add_serve_command,
    };
    return factories;
}

} // namespace dance::cli

namespace {

using namespace dance::cli;

constexpr const char* exit_code_footer =
    "Exit codes: 0 success, 1 not authenticated / rejected / findings,\n"
    "2 usage error, 3 input error, 4 temporary failure (DNS or network),\n"
    "5 peer without DANCE support, 70 internal error. See dance(1).";

// An empty value ("--ttl ''") would otherwise pass as 0 or as no option
// at all, so every option that takes a value rejects it.
void reject_empty_values(CLI::App& app) {
    const CLI::Validator non_empty(
        [](std::string& value) {
            return value.empty() ? std::string("empty value: give a value or "
                                               "leave the option out")
                                 : std::string();
        },
        "");
    for (CLI::Option* option : app.get_options()) {
        if (option->get_type_size_max() > 0)
            option->check(non_empty);
    }
    for (CLI::App* subcommand : app.get_subcommands({}))
        reject_empty_values(*subcommand);
}

// CLI11 words a failed conversion "Could not convert: --ttl = -1"; this
// gives it the form of the other messages, with what to do next.
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error,
                             int argc, char** argv) {
    // CLI11 reads an unknown first word as a missing subcommand.
    const bool no_subcommand = app.get_subcommands().empty();
    if (no_subcommand && argc > 1 && argv[1][0] != '-') {
        return "unknown subcommand " + dance::quote_for_message(argv[1]) +
               ": run 'dance --help' for the list";
    }

    const std::string text = error.what();
    const std::string prefix = "Could not convert: ";
    if (text.rfind(prefix, 0) != 0)
        return text;
    return "invalid value " + text.substr(prefix.size()) +
           ": give a value of the type that --help shows for the option";
}

// CLI11 reports help and version requests as exceptions too; those exit 0.
// Every real parse error maps to exit_usage instead of CLI11's own codes.
int handle_parse_error(CLI::App& app, const CLI::ParseError& error, int argc,
                       char** argv) {
    if (error.get_exit_code() == 0)
        return app.exit(error);

    print_error(parse_error_text(app, error, argc, argv));
    std::cerr << "Run 'dance --help' or 'dance SUBCOMMAND --help' for usage.\n";
    return exit_usage;
}

int run(int argc, char** argv) {
    CLI::App app{"DANE TLS client authentication (DANCE) toolkit: TLSA "
                 "records, owner names, verification, handshakes and zone "
                 "checks.",
                 "dance"};
    app.set_version_flag("--version", DANCE_VERSION);
    app.require_subcommand(1);
    app.footer(exit_code_footer);

    std::vector<Subcommand> subcommands;
    for (SubcommandFactory factory : subcommand_factories())
        subcommands.push_back(factory(app));
    add_cli_dump_option(app);
    reject_empty_values(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return handle_parse_error(app, error, argc, argv);
    }

    for (const Subcommand& subcommand : subcommands) {
        if (subcommand.app->parsed())
            return subcommand.run();
    }
    print_error("no subcommand given: run 'dance --help'");
    return exit_usage;
}

// Flushes standard output and checks that everything written arrived.
// Records lost to a full disk or a closed descriptor must not end in a
// success code, so a failed write turns 0, 1 and 5 into exit_input. A
// reader that went away (EPIPE, as with "| head -1") gets no message.
int check_standard_output(int code) {
    const int error = standard_output_error();
    if (error == 0)
        return code;

    if (error != EPIPE) {
        print_error(std::string("cannot write to standard output: ") +
                    std::strerror(error));
    }
    const bool verdict =
        code == exit_ok || code == exit_negative || code == exit_unsupported;
    return verdict ? exit_input : code;
}

} // namespace

// The entry point of the dance-cli module, which the dance executable
// loads for everything its fast path does not handle (see front.cpp).
extern "C" int dance_main(int argc, char** argv) {
    watch_standard_output();
    int code = exit_internal;
    try {
        code = run(argc, argv);
    } catch (const std::exception& error) {
        print_error(std::string("internal error: ") + error.what());
        code = exit_internal;
    }
    return check_standard_output(code);
}
