#include "output.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "exit_codes.hpp"

namespace dance::cli {

int exit_code_for(ErrorCategory category) {
    switch (category) {
    case ErrorCategory::usage:
        return exit_usage;
    case ErrorCategory::input:
        return exit_input;
    case ErrorCategory::dns:
    case ErrorCategory::tls:
        return exit_temporary;
    case ErrorCategory::dnssec:
    case ErrorCategory::verification:
        return exit_negative;
    case ErrorCategory::internal:
        return exit_internal;
    }
    return exit_internal;
}

void print_error(std::string_view message) {
    std::cerr << "dance: error: " << message << '\n';
}

void print_error(const Error& error) { print_error(error.message); }

void print_warning(std::string_view message) {
    std::cerr << "dance: warning: " << message << '\n';
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

namespace {

long long now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(
               steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

Progress::Progress(std::string_view what, std::size_t total)
    : what_(what), total_(total), enabled_(stderr_is_terminal()) {}

Progress::~Progress() {
    if (drawn_)
        std::cerr << '\n';
}

void Progress::advance(std::size_t done, std::size_t failed) {
    if (!enabled_)
        return;

    // Redraw at most five times a second, and always for the last item.
    long long now = now_ms();
    if (done != total_ && now - last_draw_ms_ < 200)
        return;
    last_draw_ms_ = now;
    drawn_ = true;

    std::cerr << '\r' << what_ << ": " << done;
    if (total_ != 0)
        std::cerr << '/' << total_;
    std::cerr << " done, " << failed << " failed" << std::flush;
}

} // namespace dance::cli
