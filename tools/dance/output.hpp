// Message and progress output shared by the subcommands.
//
// Standard output carries only results (records, JSON); everything meant
// for a person goes to standard error, so "dance tlsa ... >> zone" is safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "dance/error.hpp"

namespace dance::cli {

// Prints "dance: error: <message>" to standard error.
void print_error(std::string_view message);
void print_error(const Error& error);

// Prints "dance: warning: <message>" to standard error.
void print_warning(std::string_view message);

// Routes std::cout through a buffer that remembers the errno of the first
// write that fails, for standard_output_error(). Call once, first in main.
void watch_standard_output();

// Flushes std::cout and returns 0 when everything written arrived, or the
// errno of the first failed write (EIO when none was recorded).
int standard_output_error();

// Whether standard error is a terminal, so progress lines may be shown.
bool stderr_is_terminal();

// A one-line progress counter on standard error, shown only when standard
// error is a terminal and redrawn at most a few times a second.
class Progress {
public:
    Progress(std::string_view what, std::size_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(std::size_t done, std::size_t failed);

private:
    std::string_view what_;
    std::size_t total_;
    bool enabled_;
    bool drawn_ = false;
    long long last_draw_ms_ = 0;
};

} // namespace dance::cli
