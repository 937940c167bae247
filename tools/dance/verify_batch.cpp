// dance verify --batch: many clients in one run. Lines are read and their
// credentials loaded only as the resolver takes new names, so at most
// --max-in-flight clients are held at once besides the output waiting
// for an earlier, slower line.
#include "dance/credential.hpp"
#include "dance/input_file.hpp"
#include "dance/message_text.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "verify_options.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace dance::cli {

namespace {

// Ranks an exit code for the batch's overall code: an input error
// needs fixing, a temporary failure a retry, a mismatch neither.
int severity(int exit_code) {
    switch (exit_code) {
    case exit_ok:
        return 0;
    case exit_negative:
        return 1;
    case exit_temporary:
        return 2;
    case exit_input:
        return 3;
    default:
        return 4;
    }
}

std::string trim(std::string_view text) {
    std::size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string_view::npos)
        return "";
    std::size_t end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(start, end - start + 1));
}

// One client line as read, before its credential is loaded.
struct BatchEntry {
    std::size_t line = 0;
    std::string name; // as written, for error output
    std::string cert, chain, pubkey, key;
};

Result<BatchEntry> parse_json_entry(const std::string& text) {
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return make_error(ErrorCategory::input,
                          "not a JSON object: write {\"name\": ..., "
                          "\"cert\": ...}");

    BatchEntry entry;
    for (auto& [key, value] : json.items()) {
        if (!value.is_string())
            return make_error(ErrorCategory::input,
                              "\"" + key + "\" must be a string");
        std::string field = value.get<std::string>();
        if (key == "name")
            entry.name = field;
        else if (key == "cert")
            entry.cert = field;
        else if (key == "chain")
            entry.chain = field;
        else if (key == "pubkey")
            entry.pubkey = field;
        else if (key == "key")
            entry.key = field;
        else
            return make_error(ErrorCategory::input,
                              "unknown field \"" + key +
                                  "\": use name, cert, chain, pubkey or key");
    }
    return entry;
}

// "name,path": the credential kind is taken from the file's content.
Result<BatchEntry> parse_csv_entry(const std::string& text) {
    std::size_t comma = text.find(',');
    if (comma == std::string::npos)
        return make_error(ErrorCategory::input,
                          "expected 'name,path' or a JSON object");
    BatchEntry entry;
    entry.name = trim(std::string_view(text).substr(0, comma));
    entry.cert = trim(std::string_view(text).substr(comma + 1));
    return entry;
}

std::string resolve_path(const std::filesystem::path& base,
                         const std::string& path) {
    std::filesystem::path given(path);
    return given.is_relative() ? (base / given).string() : path;
}

// Loads the credential of a line. A CSV path may hold any kind: a
// certificate chain, or a public or private key presented as a raw key.
Result<PresentedCredential>
load_entry_credential(const BatchEntry& entry,
                      const std::filesystem::path& base, bool csv) {
    int forms = (!entry.cert.empty() || !entry.chain.empty()) +
                !entry.pubkey.empty() + !entry.key.empty();
    if (forms != 1)
        return make_error(ErrorCategory::input,
                          "give one credential: \"cert\" and/or \"chain\", "
                          "\"pubkey\" or \"key\"");

    PresentedCredential presented;
    std::pair<const std::string*, ExpectedKind> files[] = {
        {&entry.cert, csv ? ExpectedKind::any : ExpectedKind::certificates},
        {&entry.chain, ExpectedKind::certificates},
        {&entry.pubkey, ExpectedKind::public_key},
        {&entry.key, ExpectedKind::private_key},
    };
    LoadOptions load;
    load.kind_options = {"the \"cert\" or \"chain\" field",
                         "the \"pubkey\" field", "the \"key\" field"};
    for (const auto& [path, expected] : files) {
        if (path->empty())
            continue;
        load.expected = expected;
        auto credential = load_credential(resolve_path(base, *path), load);
        if (!credential)
            return credential.error();
        if (credential->is_bare_key()) {
            presented.raw_public_key = credential->spki_der;
            continue;
        }
        for (const CertificateInfo& certificate : credential->certificates) {
            if (presented.chain.empty() ||
                certificate.der != presented.chain.front())
                presented.chain.push_back(certificate.der);
        }
    }
    return presented;
}

Result<VerifyItem> make_item(const BatchEntry& entry,
                             const std::filesystem::path& base, bool csv) {
    if (entry.name.empty())
        return make_error(ErrorCategory::input, "the client name is missing");
    auto name = Name::parse(entry.name);
    if (!name)
        return make_error(ErrorCategory::input, name.error().message);

    auto presented = load_entry_credential(entry, base, csv);
    if (!presented)
        return presented.error();
    return VerifyItem{std::move(*name), std::move(*presented), entry.line};
}

nlohmann::json error_json(std::size_t line, const std::string& name,
                          const Error& error) {
    return {
        {"line", line},
        {"client_name",
         name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name)},
        {"error",
         {{"category", category_name(error.category)},
          {"message", error.message}}},
    };
}

// Writes results in input order: a line waits until every earlier line
// has been written. Tracks the most severe exit code. Safe to call from
// several threads.
class OrderedOutput {
public:
    explicit OrderedOutput(Progress& progress) : progress_(progress) {}

    // Takes the JSON already serialized, so that callers on several
    // threads format their lines in parallel.
    void add(std::size_t sequence, std::string line, int exit_code) {
        std::lock_guard guard(lock_);
        waiting_.emplace(sequence, std::move(line));
        if (severity(exit_code) > severity(worst_))
            worst_ = exit_code;
        ++done_;
        failed_ += exit_code != exit_ok;
        progress_.advance(done_, failed_);
        flush();
    }

    int worst() const {
        std::lock_guard guard(lock_);
        return worst_;
    }

private:
    void flush() {
        while (!waiting_.empty() && waiting_.begin()->first == next_) {
            std::cout << waiting_.begin()->second << '\n';
            waiting_.erase(waiting_.begin());
            ++next_;
        }
        std::cout << std::flush;
    }

    mutable std::mutex lock_;
    Progress& progress_;
    std::map<std::size_t, std::string> waiting_;
    std::size_t next_ = 0;
    std::size_t done_ = 0;
    std::size_t failed_ = 0;
    int worst_ = exit_ok;
};

// Reads client lines, skipping blank lines, '#' comments and a CSV header
// "name,path". Lines that cannot be used go straight to the output.
class BatchReader {
public:
    BatchReader(std::istream& in, std::filesystem::path base,
                OrderedOutput& output)
        : in_(in), base_(std::move(base)), output_(output) {}

    std::optional<VerifyItem> next() {
        std::string text;
        while (std::getline(in_, text)) {
            ++line_;
            std::string trimmed = trim(text);
            if (trimmed.empty() || trimmed.front() == '#' ||
                trimmed == "name,path")
                continue;

            auto item = parse(trimmed);
            if (item)
                return std::move(*item);
        }
        return std::nullopt;
    }

    // Position in the output of the client with input line `line`,
    // forgotten once taken. Safe to call while next() runs on another
    // thread.
    std::size_t take_sequence(std::size_t line) {
        std::lock_guard guard(sequences_lock_);
        auto found = sequences_.find(line);
        std::size_t sequence = found->second;
        sequences_.erase(found);
        return sequence;
    }

private:
    std::optional<VerifyItem> parse(const std::string& text) {
        {
            std::lock_guard guard(sequences_lock_);
            sequences_[line_] = next_sequence_++;
        }
        bool csv = text.front() != '{';
        auto entry = csv ? parse_csv_entry(text) : parse_json_entry(text);
        if (!entry) {
            reject("", entry.error());
            return std::nullopt;
        }
        entry->line = line_;
        auto item = make_item(*entry, base_, csv);
        if (!item) {
            reject(entry->name, item.error());
            return std::nullopt;
        }
        return std::move(*item);
    }

    void reject(const std::string& name, const Error& error) {
        Error located{error.category,
                      "line " + std::to_string(line_) + ": " + error.message};
        output_.add(take_sequence(line_),
                    dump_json(error_json(line_, name, located)),
                    exit_code_for(error.category));
    }

    std::istream& in_;
    std::filesystem::path base_;
    OrderedOutput& output_;
    std::size_t line_ = 0;
    std::size_t next_sequence_ = 0;
    std::mutex sequences_lock_;
    std::map<std::size_t, std::size_t> sequences_;
};

// Lines with content in the batch, for the progress total.
std::size_t count_lines(const std::string& content) {
    std::istringstream in(content);
    std::size_t count = 0;
    std::string text;
    while (std::getline(in, text)) {
        std::string trimmed = trim(text);
        count += !trimmed.empty() && trimmed.front() != '#' &&
                 trimmed != "name,path";
    }
    return count;
}

std::size_t thread_count(const VerifyOptions& options) {
    if (options.threads > 0)
        return options.threads;
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
}

} // namespace

int run_batch(const VerifyOptions& options, const MatchOptions& match) {
    // Read whole, with a limit, so /dev/zero or a closed standard input is
    // an input error rather than a hang or an empty success.
    constexpr std::size_t max_batch_size = 256 * 1024 * 1024;
    auto content =
        read_input_file(options.batch, "--batch file", max_batch_size);
    if (!content) {
        print_error(content.error());
        return exit_input;
    }

    // Exit 0 means that every client is authenticated, which must not
    // happen for a batch that names no client at all.
    std::size_t clients = count_lines(*content);
    if (clients == 0) {
        std::string source =
            options.batch == "-" ? "standard input" : options.batch;
        print_error(make_error(ErrorCategory::input,
                               "--batch " + source +
                                   " contains no client line: write one "
                                   "'name,path' line or JSON object per "
                                   "client"));
        return exit_input;
    }
    Progress progress("verified", clients);
    std::istringstream lines(std::move(*content));
    std::filesystem::path base = std::filesystem::current_path();
    if (options.batch != "-")
        base = std::filesystem::absolute(options.batch).parent_path();

    OrderedOutput output(progress);
    BatchReader reader(lines, base, output);

    // Runs on the worker threads, concurrently.
    auto on_report = [&](std::size_t line, Result<VerifyReport> report) {
        if (!report) {
            output.add(reader.take_sequence(line),
                       dump_json(error_json(line, "", report.error())),
                       exit_code_for(report.error().category));
            return;
        }
        nlohmann::json object = verify_report_to_json(*report);
        object["line"] = line;
        std::string text = dump_json(object);
        output.add(reader.take_sequence(line), std::move(text),
                   exit_code_for_report(*report));
    };

    Status status = verify_batch_threaded(
        resolver_config(options), [&] { return reader.next(); }, on_report,
        match, options.max_in_flight, thread_count(options));
    if (!status) {
        print_error(status.error());
        int code = exit_code_for(status.error().category);
        return severity(code) > severity(output.worst()) ? code
                                                         : output.worst();
    }
    return output.worst();
}

} // namespace dance::cli
