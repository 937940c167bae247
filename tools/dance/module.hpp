// The one interface between the small dance executable (front.cpp) and
// the dance-cli module that contains every subcommand (main.cpp).
#pragma once

// Runs the full command line, as main() would, and returns the exit code.
extern "C" int dance_main(int argc, char** argv);

namespace dance::cli {

// The module's file name, and the symbol the executable looks up in it.
inline constexpr const char* module_file_name = "dance-cli.so";
inline constexpr const char* module_entry_point = "dance_main";

} // namespace dance::cli
