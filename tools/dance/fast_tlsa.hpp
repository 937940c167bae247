// The fast path of dance tlsa: DANE-EE records from one certificate file,
// computed without loading GnuTLS or anything else the full tool needs.
#pragma once

#include <optional>

namespace dance::cli {

// Runs `dance tlsa ...` when the command line and the input are within
// what the fast path handles, writing exactly what the full path would,
// and returns the exit code. Returns std::nullopt, having written
// nothing, for every other command line or input, and whenever the full
// path would print a warning or an error.
std::optional<int> run_fast_tlsa(int argc, char** argv);

} // namespace dance::cli
