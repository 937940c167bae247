// Error values shared by every part of libdance.
//
// Expected failures (bad input, a DNS timeout, a rejected handshake) travel
// as values of Result<T>; exceptions are kept for broken invariants. Each
// error carries a category, and the command-line tool maps the category to
// its documented exit code.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dance {

enum class ErrorCategory {
    usage,        // an option or argument is invalid
    input,        // a file or value could not be read or is malformed
    dns,          // a lookup failed or timed out (temporary)
    dnssec,       // validation produced no usable answer
    tls,          // a handshake or connection failed
    verification, // the credential did not authenticate
    internal,     // a library call failed in a way that input cannot cause
};

// Short lowercase name of a category, as printed in JSON output.
const char* category_name(ErrorCategory category);

struct Error {
    ErrorCategory category = ErrorCategory::internal;

    // "<what failed>: <detail>", naming the input and, where one exists,
    // the fix. Printed after "dance: error: " by the tool.
    std::string message;
};

inline Error make_error(ErrorCategory category, std::string message) {
    return Error{category, std::move(message)};
}

// A value or an Error. A small stand-in for C++23 std::expected.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result of an operation that produces no value.
struct Ok {};
using Status = Result<Ok>;

} // namespace dance
