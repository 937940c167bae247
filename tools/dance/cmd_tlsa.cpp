// dance tlsa: TLSA records from certificates, bundles and keys.
//
// Inputs are streamed: a bounded window of them is loaded and turned into
// records on several threads, and each is written, in input order, before
// the window moves on, so a fleet of any size runs in flat memory. A
// failed input is reported and skipped, and the exit code tells whether
// any failed.
#include "command.hpp"
#include "dance/association.hpp"
#include "dance/credential.hpp"
#include "dance/hex.hpp"
#include "dance/input_file.hpp"
#include "dance/message_text.hpp"
#include "dance/name.hpp"
#include "dance/tlsa.hpp"
#include "exit_codes.hpp"
#include "ordered_work.hpp"
#include "output.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <thread>
#include <vector>

namespace dance::cli {

namespace {

constexpr std::uint32_t default_nsupdate_ttl = 3600;

// The cap on the default thread count. Reading the batch and writing the
// records stay on one thread, which limits what more threads can gain.
constexpr std::size_t max_default_threads = 8;

// Inputs held at once per thread, done or waiting to be written.
constexpr std::size_t window_per_thread = 64;

struct TlsaOptions {
    std::vector<std::string> certificates;
    std::vector<std::string> public_keys;
    std::vector<std::string> private_keys;
    std::vector<std::string> files; // kind detected from the content
    std::string batch;
    std::size_t threads = 0; // 0: the number of CPU cores, at most 8

    std::vector<std::string> parameter_triples; // -p U:S:M
    std::string usage, selector, matching_type; // -u, -s, -m

    std::string owner;
    std::uint32_t ttl = 0;
    bool generic = false;
    bool nsupdate = false;
    bool json = false;
    std::size_t ca_index = 0;
    bool force = false;
    std::size_t max_input_size = default_max_credential_size;

    CLI::App* app = nullptr;
    bool has_option(const char* name) const { return app->count(name) > 0; }
};

// The checked options: the records to compute for every input and how to
// write them.
struct Plan {
    std::vector<AssociationRequest> requests;
    std::optional<Name> owner;
    std::optional<std::uint32_t> ttl;
    LoadOptions load;
    enum class Format { rdata, zone, generic, nsupdate, json } format;
};

struct Input {
    std::string path;
    ExpectedKind expected = ExpectedKind::any;
    std::optional<Name> owner;  // from the batch file; else the plan's
    std::string label;          // how messages name it
    std::optional<Error> error; // a batch line that could not be read
};

const char* help_footer = R"(Output:
  Without --owner each record is printed as its RDATA alone,
  "3 1 1 <hex>", one line per record, to paste after an owner name.
  (danetool invents "_443._tcp.www.example.com" when no host is given;
  a DANCE owner name is the client's choice, so dance asks for it.)
  With --owner: zone-file lines "<owner.> [ttl] IN TLSA 3 1 1 <hex>".
  Standard output carries only records or JSON; warnings go to stderr.

Which certificate is hashed:
  Usages 1 (PKIX-EE) and 3 (DANE-EE) use the first certificate of the
  file (the leaf). Usages 0 (PKIX-TA) and 2 (DANE-TA) use the last one
  of the bundle (its top CA), or the one at --ca-index (0 = leaf).
  A public or private key gives SPKI records (selector 1) only.

Batch file (--batch): one input per line, "credential-path owner-name";
  the owner may be left out when --owner is given. Relative paths are
  relative to the batch file's folder. "#" starts a comment line.

Examples:
  dance tlsa --cert device.pem
      3 1 1 record data (DANE-EE, SPKI, SHA2-256, as RFC 7671 advises)
  dance tlsa --key device.key --owner sensor1._device.example.com
      the same record, as a zone-file line, from the private key
  dance tlsa --cert chain.pem -p 2:0:1 --owner '*._device.example.com'
      a DANE-TA record for the organisation CA at the top of chain.pem
  dance tlsa -p 3:1:1 -p 3:1:2 --json --cert a.pem b.pem c.pem
      JSON Lines, one object per certificate, with both digests
  dance tlsa --batch fleet.txt --ttl 3600 --nsupdate | nsupdate -l
      records for a whole fleet, as nsupdate commands

Exit codes: 0 all records written, 2 usage error, 3 one or more inputs
failed (the others were still written).)";

void define_inputs(CLI::App& app, TlsaOptions& options) {
    app.add_option("--cert", options.certificates,
                   "Certificate or bundle, PEM or DER (leaf first, then "
                   "its issuers); repeatable, or several files")
        ->type_name("FILE");
    app.add_option("--pubkey", options.public_keys,
                   "Bare public key (SubjectPublicKeyInfo), PEM or DER")
        ->type_name("FILE");
    app.add_option("--key", options.private_keys,
                   "Private key, PEM or DER (PKCS#8, RSA or EC); only its "
                   "public key is used. Encrypted keys are not supported")
        ->type_name("FILE");
    app.add_option("files", options.files,
                   "Credential files of any kind, detected from the content; "
                   "'-' reads standard input")
        ->type_name("FILE");
    app.add_option("--batch", options.batch,
                   "File of 'credential-path owner-name' lines, for fleets; "
                   "'-' reads standard input")
        ->type_name("FILE");
    app.add_option("--threads", options.threads,
                   "Threads computing records (default: the number of CPU "
                   "cores, at most 8); output stays in input order")
        ->type_name("N")
        ->check(CLI::Range(1, 64));
}

void define_parameters(CLI::App& app, TlsaOptions& options) {
    app.add_option("-p,--params", options.parameter_triples,
                   "Record parameters usage:selector:matching-type, numbers "
                   "or mnemonics (2:0:1, DANE-EE:SPKI:SHA2-256); repeatable. "
                   "Default 3:1:1")
        ->type_name("U:S:M")
        ->allow_extra_args(false);
    app.add_option("-u,--usage", options.usage,
                   "Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, "
                   "3 DANE-EE (default 3)")
        ->type_name("USAGE");
    app.add_option("-s,--selector", options.selector,
                   "Selector: 0 Cert (whole certificate), 1 SPKI (public "
                   "key; default)")
        ->type_name("SELECTOR");
    app.add_option("-m,--mtype", options.matching_type,
                   "Matching type: 0 Full, 1 SHA2-256 (default), 2 SHA2-512")
        ->type_name("MTYPE");
    app.add_option("--ca-index", options.ca_index,
                   "For usages 0 and 2: position in the bundle of the CA to "
                   "hash, 0 being the leaf (default: the last certificate)")
        ->type_name("N");
    app.add_flag("--force", options.force,
                 "Hash the chosen certificate for usage 0 or 2 even when it "
                 "is not a CA");
}

void define_output(CLI::App& app, TlsaOptions& options) {
    app.add_option("--owner", options.owner,
                   "TLSA owner name, which DANCE clients send as their "
                   "ClientName (see 'dance owner'); applies to every input")
        ->type_name("NAME");
    app.add_option("--ttl", options.ttl,
                   "TTL in seconds written in each record (nsupdate: "
                   "default 3600)")
        ->type_name("SECONDS")
        // RFC 2181 section 8: a TTL is 0 to 2^31 - 1; a value with the top
        // bit set counts as 0.
        ->check(CLI::Range(0LL, 2147483647LL));
    app.add_flag("--generic", options.generic,
                 "Write RFC 3597 generic lines (TYPE52 \\# ...) for software "
                 "that does not know TLSA; needs an owner");
    app.add_flag("--nsupdate", options.nsupdate,
                 "Write 'update add' commands for nsupdate(1); needs an "
                 "owner");
    app.add_flag("--json", options.json,
                 "Write JSON Lines: one object per input with its records, "
                 "certificates, warnings or error");
    app.add_option("--max-input-size", options.max_input_size,
                   "Largest credential file accepted, in octets")
        ->type_name("OCTETS")
        ->check(CLI::Range(1LL, 1LL << 40));
}

// ---- Checking the options -------------------------------------------------

Result<AssociationRequest> parse_triple(std::string_view text) {
    std::size_t first = text.find(':');
    std::size_t second = first == std::string_view::npos
                             ? std::string_view::npos
                             : text.find(':', first + 1);
    if (second == std::string_view::npos ||
        text.find(':', second + 1) != std::string_view::npos)
        return make_error(ErrorCategory::usage,
                          "invalid -p value '" + std::string(text) +
                              "': expected usage:selector:matching-type, "
                              "such as 3:1:1");
    Result<std::uint8_t> usage = parse_usage(text.substr(0, first));
    Result<std::uint8_t> selector =
        parse_selector(text.substr(first + 1, second - first - 1));
    Result<std::uint8_t> matching_type =
        parse_matching_type(text.substr(second + 1));
    for (const Error* error :
         {usage.ok() ? nullptr : &usage.error(),
          selector.ok() ? nullptr : &selector.error(),
          matching_type.ok() ? nullptr : &matching_type.error()})
        if (error)
            return make_error(ErrorCategory::usage, "invalid -p value '" +
                                                        std::string(text) +
                                                        "': " + error->message);
    return AssociationRequest{*usage, *selector, *matching_type, {}, false};
}

Result<AssociationRequest> parse_single(const TlsaOptions& options) {
    AssociationRequest request;
    if (!options.usage.empty()) {
        Result<std::uint8_t> usage = parse_usage(options.usage);
        if (!usage)
            return make_error(ErrorCategory::usage,
                              "invalid --usage: " + usage.error().message);
        request.usage = *usage;
    }
    if (!options.selector.empty()) {
        Result<std::uint8_t> selector = parse_selector(options.selector);
        if (!selector)
            return make_error(ErrorCategory::usage,
                              "invalid --selector: " +
                                  selector.error().message);
        request.selector = *selector;
    }
    if (!options.matching_type.empty()) {
        Result<std::uint8_t> type = parse_matching_type(options.matching_type);
        if (!type)
            return make_error(ErrorCategory::usage,
                              "invalid --mtype: " + type.error().message);
        request.matching_type = *type;
    }
    return request;
}

// Rejects parameter values outside the IANA registries before any input is
// read, so a typo does not fail every input of a fleet one by one.
Status check_assigned(const AssociationRequest& request) {
    if (request.usage <= 3 && request.selector <= 1 &&
        request.matching_type <= 2)
        return Ok{};
    return make_error(ErrorCategory::usage,
                      "record parameters " + std::to_string(request.usage) +
                          ":" + std::to_string(request.selector) + ":" +
                          std::to_string(request.matching_type) +
                          " are not all assigned: usage 0-3, selector 0-1, "
                          "matching type 0-2");
}

Result<std::vector<AssociationRequest>>
collect_requests(const TlsaOptions& options) {
    std::vector<AssociationRequest> requests;
    bool single = !options.usage.empty() || !options.selector.empty() ||
                  !options.matching_type.empty();
    if (single || options.parameter_triples.empty()) {
        Result<AssociationRequest> request = parse_single(options);
        if (!request)
            return request.error();
        requests.push_back(*request);
    }
    for (const std::string& text : options.parameter_triples) {
        Result<AssociationRequest> request = parse_triple(text);
        if (!request)
            return request.error();
        requests.push_back(*request);
    }

    for (AssociationRequest& request : requests) {
        Status assigned = check_assigned(request);
        if (!assigned)
            return assigned.error();
        if (options.has_option("--ca-index"))
            request.ca_index = options.ca_index;
        request.force = options.force;
    }
    return requests;
}

Result<Plan::Format> choose_format(const TlsaOptions& options,
                                   bool owner_known) {
    int chosen = options.generic + options.nsupdate + options.json;
    if (chosen > 1)
        return make_error(ErrorCategory::usage,
                          "--generic, --nsupdate and --json exclude each "
                          "other: choose one");
    if ((options.generic || options.nsupdate) && !owner_known)
        return make_error(
            ErrorCategory::usage,
            std::string(options.generic ? "--generic" : "--nsupdate") +
                " writes whole records and needs an owner "
                "name: add --owner NAME or use --batch");
    if (options.json)
        return Plan::Format::json;
    if (options.nsupdate)
        return Plan::Format::nsupdate;
    if (options.generic)
        return Plan::Format::generic;
    return options.owner.empty() ? Plan::Format::rdata : Plan::Format::zone;
}

Result<Plan> make_plan(const TlsaOptions& options) {
    bool no_input = options.certificates.empty() &&
                    options.public_keys.empty() &&
                    options.private_keys.empty() && options.files.empty() &&
                    options.batch.empty();
    if (no_input)
        return make_error(ErrorCategory::usage,
                          "no credential given: pass --cert, --pubkey, --key, "
                          "--batch or a file name");

    Plan plan;
    Result<std::vector<AssociationRequest>> requests =
        collect_requests(options);
    if (!requests)
        return requests.error();
    plan.requests = std::move(*requests);

    if (!options.owner.empty()) {
        Result<Name> owner = Name::parse(options.owner);
        if (!owner)
            return make_error(ErrorCategory::usage,
                              "invalid --owner: " + owner.error().message);
        plan.owner = std::move(*owner);
    }
    if (options.has_option("--ttl"))
        plan.ttl = options.ttl;
    if (options.max_input_size == 0)
        return make_error(ErrorCategory::usage,
                          "--max-input-size must be at least 1 octet");
    plan.load.max_size = options.max_input_size;

    bool owner_known = plan.owner.has_value() || !options.batch.empty();
    Result<Plan::Format> format = choose_format(options, owner_known);
    if (!format)
        return format.error();
    plan.format = *format;

    // Issuer names and dNSNames appear only in JSON and in the name checks
    // of usages 0, 1 and 2; skipping them speeds up large DANE-EE batches.
    plan.load.all_names = plan.format == Plan::Format::json;
    for (const AssociationRequest& request : plan.requests)
        plan.load.all_names |= request.usage != 3;
    return plan;
}

// ---- Rendering ------------------------------------------------------------

std::int64_t unix_now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string record_line(const Plan& plan, const std::optional<Name>& owner,
                        const TlsaRecord& record) {
    switch (plan.format) {
    case Plan::Format::zone:
    case Plan::Format::rdata:
        if (owner)
            return format_zone_line(*owner, plan.ttl, record);
        return format_tlsa_rdata(record);
    case Plan::Format::generic:
        return format_generic_line(*owner, plan.ttl, record);
    case Plan::Format::nsupdate:
        return format_nsupdate(*owner, plan.ttl.value_or(default_nsupdate_ttl),
                               record);
    case Plan::Format::json:
        break;
    }
    return "";
}

nlohmann::json certificate_json(const CertificateInfo& certificate,
                                std::size_t position) {
    return {
        {"position", position},
        {"subject", certificate.subject},
        {"issuer", certificate.issuer},
        {"sha256", to_hex(certificate.sha256)},
        {"dns_names", certificate.dns_names},
        {"not_before", certificate.not_before},
        {"not_after", certificate.not_after},
        {"is_ca", certificate.is_ca},
        {"key", certificate.key.description()},
    };
}

nlohmann::json credential_json(const Credential& credential) {
    const char* kind =
        credential.kind == CredentialKind::certificates ? "certificates"
        : credential.kind == CredentialKind::public_key ? "public_key"
                                                        : "private_key";
    nlohmann::json certificates = nlohmann::json::array();
    for (std::size_t i = 0; i < credential.certificates.size(); ++i)
        certificates.push_back(certificate_json(credential.certificates[i], i));
    return {
        {"kind", kind},
        {"encoding", credential.encoding == Encoding::pem ? "pem" : "der"},
        {"key", credential.key.description()},
        {"certificates", certificates},
        {"leaf", credential.is_bare_key() ? nlohmann::json(nullptr)
                                          : nlohmann::json(0)},
        {"chains", credential.chains},
    };
}

nlohmann::json association_json(const Association& association) {
    nlohmann::json record = tlsa_to_json(association.record);
    nlohmann::json hashed = {{"sha256", to_hex(association.sha256)}};
    if (association.certificate_index) {
        hashed["position"] = *association.certificate_index;
        hashed["subject"] = association.subject;
    }
    record["hashed"] = hashed;
    return record;
}

nlohmann::json input_json(const Input& input,
                          const std::optional<Name>& owner) {
    nlohmann::json object = {{"input", input.label}};
    object["owner"] =
        owner ? nlohmann::json(owner->to_string()) : nlohmann::json(nullptr);
    return object;
}

// ---- Processing one input -------------------------------------------------

struct Outcome {
    Credential credential;
    std::vector<Association> associations;
    std::vector<std::string> warnings;
};

Result<Outcome> process(const Input& input, const Plan& plan,
                        const std::optional<Name>& owner) {
    if (input.error)
        return *input.error;
    LoadOptions load = plan.load;
    load.expected = input.expected;
    Result<Credential> credential = load_credential(input.path, load);
    if (!credential)
        return credential.error();

    Outcome outcome{std::move(*credential), {}, {}};
    std::int64_t now = unix_now();
    for (const AssociationRequest& request : plan.requests) {
        Result<Association> association =
            compute_association(outcome.credential, request);
        if (!association)
            return association.error();
        for (std::string& warning :
             association_warnings(outcome.credential, *association, owner, now))
            outcome.warnings.push_back(std::move(warning));
        outcome.associations.push_back(std::move(*association));
    }
    return outcome;
}

// The messages and output of one input, written in this order: warnings,
// then its records or JSON object on standard output, then its error.
struct Rendered {
    std::vector<std::string> warnings;
    std::string output;
    std::optional<Error> error;
};

std::string render_text(const Outcome& outcome, const Plan& plan,
                        const std::optional<Name>& owner) {
    std::string text;
    for (const Association& association : outcome.associations)
        text += record_line(plan, owner, association.record) + '\n';
    return text;
}

std::string render_json(const Result<Outcome>& outcome, const Input& input,
                        const std::optional<Name>& owner) {
    nlohmann::json object = input_json(input, owner);
    object["ok"] = outcome.ok();
    if (!outcome.ok()) {
        object["error"] = {
            {"category", category_name(outcome.error().category)},
            {"message", outcome.error().message}};
    } else {
        object["credential"] = credential_json(outcome->credential);
        nlohmann::json records = nlohmann::json::array();
        for (const Association& association : outcome->associations)
            records.push_back(association_json(association));
        object["records"] = records;
        object["warnings"] = outcome->warnings;
    }
    return dump_json(object) + '\n';
}

// Computes one input's records and messages without writing them, so
// that inputs can be worked on in parallel and written in order.
Rendered render_input(const Input& input, const Plan& plan) {
    const std::optional<Name>& owner = input.owner ? input.owner : plan.owner;
    Result<Outcome> outcome = process(input, plan, owner);

    Rendered rendered;
    if (plan.format == Plan::Format::json)
        rendered.output = render_json(outcome, input, owner);
    if (!outcome) {
        rendered.error = outcome.error();
        return rendered;
    }
    for (const std::string& warning : outcome->warnings)
        rendered.warnings.push_back(input.label + ": " + warning);
    if (plan.format != Plan::Format::json)
        rendered.output = render_text(*outcome, plan, owner);
    return rendered;
}

// Writes one input's result and returns true when it produced records.
// Standard error is tied to standard output, so a message never overtakes
// records written before it.
bool write_rendered(const Rendered& rendered) {
    for (const std::string& warning : rendered.warnings)
        print_warning(warning);
    std::cout << rendered.output;
    if (rendered.error) {
        print_error(*rendered.error);
        return false;
    }
    return true;
}

// ---- Batch files ----------------------------------------------------------

// Reads "credential-path [owner-name]" from one batch line. The owner is
// the last field, so a path may contain spaces when an owner follows it.
// It may be left out only when --owner gives one for every line.
Input parse_batch_line(std::string_view line, const std::string& where,
                       const std::filesystem::path& folder, bool owner_given) {
    std::istringstream fields{std::string(line)};
    std::vector<std::string> words;
    for (std::string word; fields >> word;)
        words.push_back(word);

    Input input;
    input.label = where;
    std::string path = words[0];
    if (words.size() >= 2) {
        std::size_t owner_start = line.find_last_of(" \t");
        path = std::string(line.substr(0, owner_start));
        path.erase(path.find_last_not_of(" \t") + 1);
        path.erase(0, path.find_first_not_of(" \t"));
        Result<Name> owner = Name::parse(words.back());
        if (!owner)
            input.error = make_error(
                ErrorCategory::input,
                where + ": invalid owner name: " + owner.error().message);
        else
            input.owner = std::move(*owner);
    } else if (!owner_given) {
        input.error = make_error(ErrorCategory::input,
                                 where + ": no owner name: add one after the "
                                         "path or pass --owner");
    }
    // open() would stop at a NUL byte and read another file than named.
    if (!input.error && path.find('\0') != std::string::npos)
        input.error = make_error(ErrorCategory::input,
                                 where + ": the path contains a NUL byte, "
                                         "which no file name can hold: "
                                         "remove it");
    std::filesystem::path resolved(path);
    if (resolved.is_relative() && path != "-")
        resolved = folder / resolved;
    input.path = resolved.string();
    input.label = input.path;
    return input;
}

// Returns whether a batch line names an input: not blank, not a comment.
// Blank means white space of every kind that parse_batch_line() splits
// words on, vertical tab and form feed included.
bool names_input(std::string_view line) {
    std::size_t start = line.find_first_not_of(" \t\v\f\r");
    return start != std::string_view::npos && line[start] != '#';
}

class BatchReader {
public:
    // Streams a regular file line by line, so memory stays flat however
    // long the batch is. Anything else, and every file that cannot be
    // opened, goes through the bounded reader: /dev/zero or a closed
    // standard input is then an input error rather than a hang or an
    // empty success.
    static Result<BatchReader> open(const std::string& path, bool owner_given) {
        constexpr std::size_t max_batch_size = 256 * 1024 * 1024;
        BatchReader reader;
        reader.name_ = path == "-" ? "standard input" : path;
        reader.owner_given_ = owner_given;
        if (path != "-")
            reader.folder_ = std::filesystem::path(path).parent_path();

        struct stat info {};
        bool regular =
            path != "-" && ::stat(path.c_str(), &info) == 0 &&
            S_ISREG(info.st_mode) &&
            static_cast<std::uint64_t>(info.st_size) <= max_batch_size;
        if (regular) {
            auto file = std::make_unique<std::ifstream>(path);
            if (*file) {
                reader.path_ = path;
                reader.lines_ = std::move(file);
                return reader;
            }
        }

        auto content = read_input_file(path, "--batch file", max_batch_size);
        if (!content)
            return content.error();
        reader.lines_ =
            std::make_unique<std::istringstream>(std::move(*content));
        return reader;
    }

    // Lines with an input, for the progress total: a streamed file is
    // read a second time, and content in memory is scanned in place.
    std::size_t count_inputs() const {
        std::size_t count = 0;
        if (!path_.empty()) {
            std::ifstream file(path_);
            for (std::string line; std::getline(file, line);)
                count += names_input(line);
            return count;
        }
        std::string_view rest =
            static_cast<const std::istringstream&>(*lines_).view();
        while (!rest.empty()) {
            std::size_t end = std::min(rest.find('\n'), rest.size());
            count += names_input(rest.substr(0, end));
            rest.remove_prefix(std::min(end + 1, rest.size()));
        }
        return count;
    }

    // The next input, or std::nullopt at the end of the file.
    std::optional<Input> next() {
        std::string line;
        while (std::getline(*lines_, line)) {
            ++line_number_;
            if (!names_input(line))
                continue;
            std::size_t start = line.find_first_not_of(" \t\r");
            line.erase(line.find_last_not_of(" \t\r") + 1);
            std::string where = name_ + ":" + std::to_string(line_number_);
            return parse_batch_line(std::string_view(line).substr(start), where,
                                    folder_, owner_given_);
        }
        return std::nullopt;
    }

private:
    std::string name_;
    std::string path_; // set when the file is streamed
    std::unique_ptr<std::istream> lines_;
    std::filesystem::path folder_;
    bool owner_given_ = false;
    std::size_t line_number_ = 0;
};

// ---- The run --------------------------------------------------------------

std::vector<Input> listed_inputs(const TlsaOptions& options) {
    std::vector<Input> inputs;
    auto add = [&](const std::vector<std::string>& paths,
                   ExpectedKind expected) {
        for (const std::string& path : paths)
            inputs.push_back(Input{path, expected, std::nullopt,
                                   path == "-" ? "standard input" : path,
                                   std::nullopt});
    };
    add(options.certificates, ExpectedKind::certificates);
    add(options.public_keys, ExpectedKind::public_key);
    add(options.private_keys, ExpectedKind::private_key);
    add(options.files, ExpectedKind::any);
    return inputs;
}

// Returns the worker threads for a run of `inputs` inputs: none for one,
// because the calling thread does a single input fastest.
std::size_t worker_count(const TlsaOptions& options, std::size_t inputs) {
    std::size_t threads = options.threads;
    if (threads == 0)
        threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(),
                                          1, max_default_threads);
    if (threads == 1 || inputs <= 1)
        return 0;
    return std::min(threads, inputs);
}

int run_tlsa(const TlsaOptions& options) {
    Result<Plan> plan = make_plan(options);
    if (!plan) {
        print_error(plan.error());
        return exit_usage;
    }

    std::optional<BatchReader> batch;
    if (!options.batch.empty()) {
        Result<BatchReader> reader =
            BatchReader::open(options.batch, plan->owner.has_value());
        if (!reader) {
            print_error(reader.error());
            return exit_input;
        }
        batch.emplace(std::move(*reader));
    }

    std::vector<Input> inputs = listed_inputs(options);
    std::size_t total = inputs.size() + (batch ? batch->count_inputs() : 0);
    std::size_t threads = worker_count(options, total);
    OrderedWork<Input, Rendered> work(
        [&](const Input& input) { return render_input(input, *plan); }, threads,
        std::max<std::size_t>(threads, 1) * window_per_thread);

    std::size_t done = 0, failed = 0;
    Progress progress("tlsa", total);
    // Waits for the inputs of the older half of the window, then writes
    // them and every input after them that is done too, and flushes once.
    auto write_done = [&] {
        work.await(work.size() / 2);
        do {
            failed += !write_rendered(work.take().second);
            progress.advance(++done, failed);
        } while (work.ready());
        std::cout << std::flush;
    };
    auto submit = [&](Input input) {
        // Standard input is read on this thread once everything before it
        // is written, as in a sequential run, so a second '-' finds it empty.
        bool from_stdin = input.path == "-";
        while (from_stdin ? !work.empty() : work.full())
            write_done();
        work.submit(std::move(input), from_stdin);
    };

    for (Input& input : inputs)
        submit(std::move(input));
    if (batch) {
        while (std::optional<Input> input = batch->next())
            submit(std::move(*input));
    }
    while (!work.empty())
        write_done();

    if (failed > 0 && failed == done) {
        print_error(done == 1 ? std::string("the input failed; no records "
                                            "were written")
                              : "all " + std::to_string(done) +
                                    " inputs failed; no records were written");
        return exit_input;
    }
    if (failed > 0) {
        print_error(std::to_string(failed) + " of " + std::to_string(done) +
                    " input(s) failed; records were written for the others");
        return exit_input;
    }
    return exit_ok;
}

} // namespace

Subcommand add_tlsa_command(CLI::App& parent) {
    auto options = std::make_shared<TlsaOptions>();
    CLI::App* app = parent.add_subcommand(
        "tlsa", "Compute TLSA records (RFC 6698) from certificates, bundles, "
                "public keys or private keys, one input or a whole fleet");
    options->app = app;
    define_inputs(*app, *options);
    define_parameters(*app, *options);
    define_output(*app, *options);
    app->footer(help_footer);
    return {app, [options] { return run_tlsa(*options); }};
}

} // namespace dance::cli
