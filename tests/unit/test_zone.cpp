// The zone reader: records, lines, includes and errors.
#include "dance/zone.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace dance;

namespace {

struct Seen {
    std::string file;
    std::uint64_t line;
    std::string owner;
    std::uint16_t type;
    std::uint32_t ttl;
    std::size_t rdata_length;
};

class Collector : public ZoneVisitor {
public:
    void on_record(const ZoneRecord& record) override {
        records.push_back({*record.file, record.line,
                           wire_name_to_text(record.owner), record.type,
                           record.ttl, record.rdata.size()});
    }
    void on_syntax_error(const ZoneSyntaxError& error) override {
        errors.push_back(error);
    }

    std::vector<Seen> records;
    std::vector<ZoneSyntaxError> errors;
};

Collector read_text(const std::string& text) {
    Collector collector;
    REQUIRE(read_zone_text(text, "<test>", {}, collector).ok());
    return collector;
}

} // namespace

TEST_CASE("reader applies $ORIGIN and $TTL") {
    Collector seen = read_text("$ORIGIN example.\n$TTL 120\n"
                               "d1._device IN TLSA 3 1 1 abcd\n"
                               "d2._device 60 IN TLSA \\# 4 03010100\n");
    REQUIRE(seen.records.size() == 2);
    CHECK(seen.records[0].owner == "d1._device.example.");
    CHECK(seen.records[0].ttl == 120);
    CHECK(seen.records[0].type == 52);
    CHECK(seen.records[0].rdata_length == 5);
    CHECK(seen.records[1].ttl == 60);
    CHECK(seen.records[1].rdata_length == 4);
    CHECK(seen.errors.empty());
}

TEST_CASE("reader reports the first line of a record") {
    Collector seen = read_text("$ORIGIN example.\n"
                               "; a comment line\n"
                               "\n"
                               "a IN TLSA 3 1 1 (\n"
                               "  abcd ; inside\n"
                               "  )\n"
                               "b IN A 192.0.2.1\n"
                               "$TTL 5\n"
                               "\n"
                               "c IN TXT \"x\"");
    REQUIRE(seen.records.size() == 3);
    CHECK(seen.records[0].line == 4);
    CHECK(seen.records[1].line == 7);
    CHECK(seen.records[2].line == 10);
}

TEST_CASE("reader goes on after a bad record") {
    Collector seen = read_text("$ORIGIN example.\n"
                               "a IN A 192.0.2.999\n"
                               "b IN TLSA 3 1 1 xyz\n"
                               "c IN A 192.0.2.1\n");
    REQUIRE(seen.errors.size() == 2);
    CHECK(seen.errors[0].line == 2);
    CHECK(seen.errors[0].message == "cannot parse record: invalid IPv4 "
                                    "address");
    CHECK_FALSE(seen.errors[0].in_tlsa);
    CHECK(seen.errors[1].line == 3);
    CHECK(seen.errors[1].in_tlsa);
    REQUIRE(seen.records.size() == 1);
    CHECK(seen.records[0].owner == "c.example.");
}

TEST_CASE("reader follows $INCLUDE relative to the including file") {
    Collector collector;
    REQUIRE(
        read_zone_file("tests/data/zones/include.zone", {}, collector).ok());
    REQUIRE(collector.records.size() == 3);
    CHECK(collector.records[1].file == "tests/data/zones/sub/devices.zone");
    CHECK(collector.records[1].owner == "d3._device.devices.example.");
    CHECK(collector.records[1].line == 2);
    CHECK(collector.records[2].owner == "d2._device.example.");
    CHECK(collector.errors.empty());
}

TEST_CASE("reader stops a file that includes itself") {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / "dance-zone-loop";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "loop.zone") << "$ORIGIN example.\n"
                                        "$INCLUDE loop.zone\n";
    Collector collector;
    ZoneReadOptions options;
    options.max_include_depth = 3;
    REQUIRE(
        read_zone_file((dir / "loop.zone").string(), options, collector).ok());
    REQUIRE(collector.errors.size() == 1);
    CHECK(collector.errors[0].line == 2);
    CHECK(collector.errors[0].message.find("nested deeper than 3 levels") !=
          std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("reader rejects a missing file and a directory") {
    Collector collector;
    Status missing =
        read_zone_file("tests/data/zones/no-such.zone", {}, collector);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().category == ErrorCategory::input);
    CHECK(missing.error().message ==
          "cannot read zone file tests/data/zones/no-such.zone: file open "
          "error");

    Status directory = read_zone_file("tests/data/zones", {}, collector);
    REQUIRE_FALSE(directory.ok());
    CHECK(directory.error().message ==
          "cannot read zone file tests/data/zones: not a regular file");
}

TEST_CASE("wire names print with escapes") {
    const std::uint8_t wire[] = {3, 'a', '.', 'b', 2, 0x01, 'C', 0};
    CHECK(wire_name_to_text(wire) == "a\\.b.\\001C.");
    CHECK(wire_name_lowercase(wire)[6] == 'c');
    const std::uint8_t root[] = {0};
    CHECK(wire_name_to_text(root) == ".");
}
