#include <doctest/doctest.h>
#include <string>

#include "dance/error.hpp"

using dance::Error;
using dance::ErrorCategory;
using dance::Result;

TEST_CASE("Result holds a value") {
    Result<int> result = 42;
    CHECK(result.ok());
    CHECK(static_cast<bool>(result));
    CHECK(*result == 42);
}

TEST_CASE("Result holds an error") {
    Result<std::string> result =
        dance::make_error(ErrorCategory::input, "cert.pem: empty file");
    CHECK_FALSE(result.ok());
    CHECK(result.error().category == ErrorCategory::input);
    CHECK(result.error().message == "cert.pem: empty file");
}

TEST_CASE("category names are stable") {
    CHECK(std::string(dance::category_name(ErrorCategory::usage)) == "usage");
    CHECK(std::string(dance::category_name(ErrorCategory::dnssec)) ==
          "dnssec");
    CHECK(std::string(dance::category_name(ErrorCategory::internal)) ==
          "internal");
}
