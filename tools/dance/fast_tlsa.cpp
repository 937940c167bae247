// Every check here mirrors one in cmd_tlsa.cpp, association.cpp,
// credential.cpp or name.cpp, narrowed. Where the full path would print a
// warning or an error, or might write other octets than this file, the
// call is declined and goes to the full path.
#include "fast_tlsa.hpp"

#include "exit_codes.hpp"
#include "fast_certificate.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace dance::cli {

namespace {

using Bytes = std::vector<std::uint8_t>;

// The full path's default --max-input-size.
constexpr std::size_t max_input_size = 1024 * 1024;

struct Parameters {
    std::uint8_t selector = 1;
    std::uint8_t matching_type = 1;
};

struct FastCall {
    std::string path;
    std::string owner; // canonical, with the trailing dot; empty if none
    std::string ttl;   // decimal; empty if none
    std::vector<Parameters> records;
};

// ---- The command line -----------------------------------------------------

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// A record parameter as parse_parameter() in tlsa.cpp reads it: one to
// three digits, or a mnemonic of RFC 7218 in any case. -1 when unknown.
int parameter_value(std::string_view text,
                    std::initializer_list<std::string_view> mnemonics) {
    if (!text.empty() && text.size() <= 3 &&
        text.find_first_not_of("0123456789") == std::string_view::npos)
        return std::stoi(std::string(text));
    int value = 0;
    for (std::string_view mnemonic : mnemonics) {
        if (equal_ignoring_case(text, mnemonic))
            return value;
        ++value;
    }
    return -1;
}

bool is_dane_ee(std::string_view text) {
    return parameter_value(text,
                           {"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"}) == 3;
}

bool set_selector(std::string_view text, Parameters& parameters) {
    int value = parameter_value(text, {"Cert", "SPKI"});
    parameters.selector = static_cast<std::uint8_t>(value);
    return value == 0 || value == 1;
}

bool set_matching_type(std::string_view text, Parameters& parameters) {
    int value = parameter_value(text, {"Full", "SHA2-256", "SHA2-512"});
    parameters.matching_type = static_cast<std::uint8_t>(value);
    return value >= 0 && value <= 2;
}

// "U:S:M" with usage 3, as -p takes it.
bool add_triple(std::string_view text, std::vector<Parameters>& records) {
    std::size_t first = text.find(':');
    std::size_t second = text.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos ||
        text.find(':', second + 1) != std::string_view::npos)
        return false;
    Parameters parameters;
    bool valid =
        is_dane_ee(text.substr(0, first)) &&
        set_selector(text.substr(first + 1, second - first - 1), parameters) &&
        set_matching_type(text.substr(second + 1), parameters);
    records.push_back(parameters);
    return valid;
}

// The owner name as Name::parse() and Name::to_string() write it, for
// names of plain ASCII labels only: lowercase, with one trailing dot.
// Wildcards, A-labels ("xn--"), Unicode and every name that the full path
// rejects give an empty string.
std::string canonical_owner(std::string_view text) {
    if (text.ends_with('.'))
        text.remove_suffix(1);
    std::string owner;
    std::size_t wire_length = 1;
    while (true) {
        std::size_t dot = text.find('.');
        std::string label(text.substr(0, dot));
        for (char& c : label)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        // RFC 1035 section 2.3.4: labels of 1 to 63 octets, names of 255
        // octets at most; RFC 1123 section 2.1: no hyphen at either end.
        bool plain =
            !label.empty() && label.size() <= 63 && label.front() != '-' &&
            label.back() != '-' && !label.starts_with("xn--") &&
            label.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_") == std::string::npos;
        if (!plain)
            return "";
        owner += label + '.';
        wire_length += 1 + label.size();
        if (dot == std::string_view::npos)
            break;
        text.remove_prefix(dot + 1);
    }
    return wire_length <= 255 ? owner : "";
}

// A TTL as CLI11 and CLI::Range(0, 2^31 - 1) accept it, in plain decimal
// only: CLI11 reads a leading 0 as octal, so such values are declined.
bool valid_ttl(std::string_view text) {
    if (text.empty() || text.size() > 10 ||
        text.find_first_not_of("0123456789") != std::string_view::npos ||
        (text.size() > 1 && text[0] == '0'))
        return false;
    return std::stoll(std::string(text)) <= 2147483647LL;
}

// The options the fast path handles, as CLI11 would read them.
struct Arguments {
    std::vector<std::string_view> files;
    std::vector<std::string_view> triples;
    std::optional<std::string_view> owner, ttl, usage, selector, mtype;
};

bool store_once(std::optional<std::string_view>& slot, std::string_view value) {
    if (slot)
        return false; // a repeated single-value option
    slot = value;
    return true;
}

bool store(std::string_view name, std::string_view value, Arguments& args) {
    if (name == "--cert") {
        args.files.push_back(value);
        return true;
    }
    if (name == "-p" || name == "--params") {
        args.triples.push_back(value);
        return true;
    }
    if (name == "--owner")
        return store_once(args.owner, value);
    if (name == "--ttl")
        return store_once(args.ttl, value);
    if (name == "-u" || name == "--usage")
        return store_once(args.usage, value);
    if (name == "-s" || name == "--selector")
        return store_once(args.selector, value);
    if (name == "-m" || name == "--mtype")
        return store_once(args.mtype, value);
    return false;
}

// A file name that could also be read as a subcommand name is left to
// CLI11.
bool plain_file_name(std::string_view name) {
    return !name.empty() && name[0] != '-' &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") !=
               std::string_view::npos;
}

std::optional<Arguments> split_arguments(int argc, char** argv) {
    if (argc < 3 || std::string_view(argv[1]) != "tlsa")
        return std::nullopt;
    Arguments args;
    for (int i = 2; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word.empty() || word[0] != '-') {
            if (!plain_file_name(word))
                return std::nullopt;
            args.files.push_back(word);
            continue;
        }

        std::string_view name = word, value;
        std::size_t equals = word.find('=');
        if (word.starts_with("--") && equals != std::string_view::npos) {
            name = word.substr(0, equals);
            value = word.substr(equals + 1);
        } else if (i + 1 < argc) {
            value = argv[++i];
        }
        // Empty values are usage errors; values that start with "-" may be
        // read as options.
        if (value.empty() || value[0] == '-' || !store(name, value, args))
            return std::nullopt;
    }
    return args;
}

// The records in the order collect_requests() in cmd_tlsa.cpp gives them.
std::optional<FastCall> parse_call(int argc, char** argv) {
    std::optional<Arguments> args = split_arguments(argc, argv);
    if (!args || args->files.size() != 1)
        return std::nullopt;

    FastCall call;
    call.path = std::string(args->files[0]);
    bool single = args->usage || args->selector || args->mtype;
    if (single || args->triples.empty()) {
        Parameters parameters;
        if ((args->usage && !is_dane_ee(*args->usage)) ||
            (args->selector && !set_selector(*args->selector, parameters)) ||
            (args->mtype && !set_matching_type(*args->mtype, parameters)))
            return std::nullopt;
        call.records.push_back(parameters);
    }
    for (std::string_view triple : args->triples)
        if (!add_triple(triple, call.records))
            return std::nullopt;

    if (args->owner) {
        call.owner = canonical_owner(*args->owner);
        if (call.owner.empty())
            return std::nullopt;
    }
    if (args->ttl) {
        if (!valid_ttl(*args->ttl))
            return std::nullopt;
        call.ttl = std::string(*args->ttl);
    }
    return call;
}

// ---- The input ------------------------------------------------------------

// The whole file, when it is a regular file of 1 to 1 MiB octets. Other
// files are not even opened: opening and closing a FIFO would block on
// it or end its writer with SIGPIPE before the full path could read it.
std::optional<Bytes> read_input(const std::string& path) {
    struct stat before {};
    if (stat(path.c_str(), &before) != 0 || !S_ISREG(before.st_mode))
        return std::nullopt;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return std::nullopt;
    struct stat info {};
    Bytes bytes;
    bool usable = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
                  info.st_size > 0 &&
                  static_cast<std::uint64_t>(info.st_size) <= max_input_size;
    if (usable) {
        bytes.resize(static_cast<std::size_t>(info.st_size) + 1);
        ssize_t count = read(fd, bytes.data(), bytes.size());
        usable = count == info.st_size;
        bytes.resize(usable ? static_cast<std::size_t>(count) : 0);
    }
    close(fd);
    if (!usable)
        return std::nullopt;
    return bytes;
}

// Whether association_warnings() in association.cpp would warn for a
// DANE-EE record of this single certificate: Cert+Full data, validity
// dates that exclude now, or an RSA key under 2048 bits. A lone
// certificate always chains, and the name checks skip usage 3.
bool would_warn(const CertificateFacts& facts,
                const std::vector<Parameters>& records) {
    for (const Parameters& record : records)
        if (record.selector == 0 && record.matching_type == 0)
            return true;
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    if (now < facts.not_before || now > facts.not_after)
        return true;
    return facts.algorithm == KeyAlgorithm::rsa && facts.rsa_bits < 2048;
}

// ---- The records ----------------------------------------------------------

Bytes association_data(std::span<const std::uint8_t> selected,
                       std::uint8_t matching_type) {
    if (matching_type == 1) {
        Bytes digest(SHA256_DIGEST_SIZE);
        sha256_ctx context;
        sha256_init(&context);
        sha256_update(&context, selected.size(), selected.data());
        sha256_digest(&context, digest.size(), digest.data());
        return digest;
    }
    if (matching_type == 2) {
        Bytes digest(SHA512_DIGEST_SIZE);
        sha512_ctx context;
        sha512_init(&context);
        sha512_update(&context, selected.size(), selected.data());
        sha512_digest(&context, digest.size(), digest.data());
        return digest;
    }
    return Bytes(selected.begin(), selected.end());
}

void append_hex(std::string& text, const Bytes& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    for (std::uint8_t byte : bytes) {
        text += digits[byte >> 4];
        text += digits[byte & 0x0f];
    }
}

// The lines format_tlsa_rdata() and format_zone_line() write.
std::string render(const FastCall& call, const Bytes& der,
                   const CertificateFacts& facts) {
    std::string text;
    for (const Parameters& record : call.records) {
        if (!call.owner.empty()) {
            text += call.owner;
            if (!call.ttl.empty())
                text += " " + call.ttl;
            text += " IN TLSA ";
        }
        text += "3 " + std::to_string(record.selector) + " " +
                std::to_string(record.matching_type) + " ";
        std::span<const std::uint8_t> selected =
            record.selector == 0 ? std::span<const std::uint8_t>(der)
                                 : facts.spki;
        append_hex(text, association_data(selected, record.matching_type));
        text += '\n';
    }
    return text;
}

// Writes the records and reports a failed write as check_standard_output()
// in main.cpp does: exit 3, with no message for a reader that went away.
int write_output(const std::string& text) {
    errno = 0;
    bool written =
        std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
    int error = written ? 0 : errno;
    if (std::fflush(stdout) != 0 && error == 0)
        error = errno;
    if (error == 0 && std::ferror(stdout) != 0)
        error = EIO;

    // The line that Progress in output.cpp draws on a terminal, for the
    // one input, after the records.
    if (isatty(STDERR_FILENO) == 1)
        std::fputs("\rtlsa: 1/1 done, 0 failed\n", stderr);
    if (error == 0)
        return exit_ok;
    if (error != EPIPE)
        std::fprintf(stderr,
                     "dance: error: cannot write to standard output: %s\n",
                     std::strerror(error));
    return exit_input;
}

} // namespace

std::optional<int> run_fast_tlsa(int argc, char** argv) {
    std::optional<FastCall> call = parse_call(argc, argv);
    if (!call)
        return std::nullopt;
    std::optional<Bytes> bytes = read_input(call->path);
    if (!bytes)
        return std::nullopt;
    std::optional<Bytes> der = certificate_file_der(std::move(*bytes));
    if (!der)
        return std::nullopt;
    std::optional<CertificateFacts> facts = read_certificate(*der);
    if (!facts || would_warn(*facts, call->records))
        return std::nullopt;
    return write_output(render(*call, *der, *facts));
}

} // namespace dance::cli
