// Help text shared by the subcommands that query a validating resolver
// (verify, serve, probe), so that their --help and man pages agree.
#pragma once

namespace dance::cli {

// Every query goes over TCP, because libgetdns 1.6.0 corrupts its heap
// in stub mode with DNSSEC when UDP replies are lost. --tcp stays
// accepted so that scripts which pass it keep working.
inline constexpr const char* tcp_option_help =
    "No effect: queries always go over TCP. Kept so that scripts which "
    "pass it still run";

} // namespace dance::cli
