#include "output.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <streambuf>
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

namespace {

// Passes everything to std::cout's own buffer and keeps the errno of the
// first write or flush that fails, before later calls overwrite errno.
class WatchedBuffer : public std::streambuf {
public:
    explicit WatchedBuffer(std::streambuf* target) : target_(target) {}

    int error() const { return error_; }

protected:
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        errno = 0;
        int_type result = target_->sputc(traits_type::to_char_type(c));
        if (traits_type::eq_int_type(result, traits_type::eof()))
            note_failure();
        return result;
    }

    std::streamsize xsputn(const char* text, std::streamsize count) override {
        errno = 0;
        std::streamsize written = target_->sputn(text, count);
        if (written < count)
            note_failure();
        return written;
    }

    int sync() override {
        errno = 0;
        int result = target_->pubsync();
        if (result != 0 || std::fflush(stdout) != 0)
            note_failure();
        return result;
    }

private:
    void note_failure() {
        if (error_ == 0)
            error_ = errno != 0 ? errno : EIO;
    }

    std::streambuf* target_;
    int error_ = 0;
};

WatchedBuffer* watched = nullptr;

} // namespace

void watch_standard_output() {
    static WatchedBuffer buffer(std::cout.rdbuf());
    std::cout.rdbuf(&buffer);
    watched = &buffer;
}

int standard_output_error() {
    std::cout.flush();
    if (watched != nullptr && watched->error() != 0)
        return watched->error();
    if (!std::cout || std::ferror(stdout) != 0)
        return EIO;
    return 0;
}

} // namespace dance::cli
