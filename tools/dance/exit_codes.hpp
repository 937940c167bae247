// The exit codes of every dance subcommand. This table is the one the man
// page dance(1) documents; change both together.
#pragma once

#include "dance/error.hpp"

namespace dance::cli {

enum ExitCode : int {
    exit_ok = 0,            // success: records written, authenticated,
                            // handshake accepted, no findings at threshold
    exit_negative = 1,      // a definite "no": not authenticated, handshake
                            // rejected, zone findings at or above threshold
    exit_usage = 2,         // invalid option, argument or option value
    exit_input = 3,         // a file or value could not be read or
                            // parsed, or standard output could not be
                            // written (main() checks it after every run)
    exit_temporary = 4,     // DNS timeout or SERVFAIL, network failure
    exit_unsupported = 5,   // the peer does not support DANCE
    exit_internal = 70,     // a bug or an unexpected library failure
};

// Maps an error category to the exit code the tool returns for it.
int exit_code_for(ErrorCategory category);

} // namespace dance::cli
