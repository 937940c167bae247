#include "fast_certificate.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace dance::cli {

namespace {

using Bytes = std::span<const std::uint8_t>;

namespace tag {
constexpr std::uint8_t boolean = 0x01;
constexpr std::uint8_t integer = 0x02;
constexpr std::uint8_t bit_string = 0x03;
constexpr std::uint8_t octet_string = 0x04;
constexpr std::uint8_t null = 0x05;
constexpr std::uint8_t oid = 0x06;
constexpr std::uint8_t utc_time = 0x17;
constexpr std::uint8_t generalized_time = 0x18;
constexpr std::uint8_t sequence = 0x30;
constexpr std::uint8_t set = 0x31;
constexpr std::uint8_t version = 0xa0;    // [0] EXPLICIT
constexpr std::uint8_t extensions = 0xa3; // [3] EXPLICIT
} // namespace tag

// Nesting deeper than this inside an attribute value is left to the full
// path; real certificates stay far below it.
constexpr int max_depth = 16;

// Reads DER elements one after the other from a span of octets.
class Reader {
public:
    explicit Reader(Bytes bytes) : rest_(bytes) {}

    bool at_end() const { return rest_.empty(); }
    Bytes rest() const { return rest_; }
    bool next_is(std::uint8_t tag) const {
        return !rest_.empty() && rest_[0] == tag;
    }

    // Reads the next element, of any tag. Only single-octet tags and the
    // shortest definite length form are accepted (X.690 section 10.1).
    std::optional<Bytes> any(std::uint8_t& tag, Bytes* whole = nullptr) {
        if (rest_.size() < 2 || (rest_[0] & 0x1f) == 0x1f || rest_[0] == 0)
            return std::nullopt;
        tag = rest_[0];
        std::size_t header = 2;
        std::size_t length = rest_[1];
        if (length >= 0x80) {
            std::size_t octets = length & 0x7f;
            if (octets == 0 || octets > 3 || rest_.size() < 2 + octets ||
                rest_[2] == 0)
                return std::nullopt;
            length = 0;
            for (std::size_t i = 0; i < octets; ++i)
                length = (length << 8) | rest_[2 + i];
            if (length < 0x80)
                return std::nullopt;
            header += octets;
        }
        if (length > rest_.size() - header)
            return std::nullopt;

        if (whole != nullptr)
            *whole = rest_.first(header + length);
        Bytes content = rest_.subspan(header, length);
        rest_ = rest_.subspan(header + length);
        return content;
    }

    // Reads the next element, which must have tag `expected`.
    std::optional<Bytes> read(std::uint8_t expected, Bytes* whole = nullptr) {
        if (!next_is(expected))
            return std::nullopt;
        std::uint8_t tag = 0;
        return any(tag, whole);
    }

private:
    Bytes rest_;
};

bool equal(Bytes a, Bytes b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

bool equal(Bytes a, std::initializer_list<std::uint8_t> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Checks that every constructed element below is itself well formed, so
// that no attribute value hides malformed DER.
bool valid_elements(Bytes content, int depth) {
    if (depth > max_depth)
        return false;
    Reader reader(content);
    while (!reader.at_end()) {
        std::uint8_t tag = 0;
        std::optional<Bytes> inner = reader.any(tag);
        if (!inner)
            return false;
        if ((tag & 0x20) != 0 && !valid_elements(*inner, depth + 1))
            return false;
    }
    return true;
}

// Characters in the dotted form of one subidentifier, with its dot; the
// first one stands for two arcs (X.690 section 8.19.4).
std::size_t dotted_length(std::uint64_t value, bool first) {
    if (first)
        return 2 + std::to_string(value < 80 ? value % 40 : value - 80).size();
    return 1 + std::to_string(value).size();
}

// An OBJECT IDENTIFIER's content: subidentifiers in the shortest base-128
// form (X.690 section 8.19.2). GnuTLS fails on subidentifiers that do not
// fit in 64 bits and on object identifiers whose dotted form needs 127
// characters or more in a name or an extension, so such identifiers are
// left to the full path: here at most 9 octets (63 bits) per
// subidentifier and 100 characters in all.
bool valid_oid(Bytes content) {
    constexpr std::size_t max_subidentifier_octets = 9;
    constexpr std::size_t max_dotted_length = 100;
    if (content.empty() || (content.back() & 0x80) != 0)
        return false;
    std::uint64_t value = 0;
    std::size_t octets = 0, dotted = 0;
    for (std::uint8_t octet : content) {
        if (octets == 0 && octet == 0x80)
            return false;
        if (++octets > max_subidentifier_octets)
            return false;
        value = (value << 7) | (octet & 0x7f);
        if ((octet & 0x80) == 0) {
            dotted += dotted_length(value, dotted == 0);
            value = 0;
            octets = 0;
        }
    }
    return dotted <= max_dotted_length;
}

std::optional<Bytes> read_oid(Reader& reader) {
    std::optional<Bytes> oid = reader.read(tag::oid);
    if (!oid || !valid_oid(*oid))
        return std::nullopt;
    return oid;
}

// A positive INTEGER in its shortest form; returns its magnitude octets.
std::optional<Bytes> read_positive_integer(Reader& reader) {
    std::optional<Bytes> value = reader.read(tag::integer);
    if (!value || value->empty() || ((*value)[0] & 0x80) != 0)
        return std::nullopt;
    if ((*value)[0] == 0) {
        if (value->size() == 1 || ((*value)[1] & 0x80) == 0)
            return std::nullopt;
        return value->subspan(1);
    }
    return value;
}

// Any INTEGER in its shortest form (X.690 section 8.3.2).
bool read_integer(Reader& reader) {
    std::optional<Bytes> value = reader.read(tag::integer);
    if (!value || value->empty())
        return false;
    if (value->size() == 1)
        return true;
    std::uint8_t first = (*value)[0], second = (*value)[1];
    return !(first == 0x00 && (second & 0x80) == 0) &&
           !(first == 0xff && (second & 0x80) != 0);
}

// AlgorithmIdentifier: an OID and at most one parameter element.
bool valid_algorithm(Bytes content) {
    Reader reader(content);
    if (!read_oid(reader))
        return false;
    if (reader.at_end())
        return true;
    std::uint8_t tag = 0;
    std::optional<Bytes> parameters = reader.any(tag);
    if (!parameters)
        return false;
    if ((tag & 0x20) != 0 && !valid_elements(*parameters, 1))
        return false;
    return reader.at_end();
}

// AttributeTypeAndValue: an OID and one value. GnuTLS imports an empty
// value but fails when it writes the name as text, which the full path
// does for the subject, so empty values are left to the full path.
bool valid_attribute(Bytes content) {
    Reader reader(content);
    std::uint8_t tag = 0;
    if (!read_oid(reader) || reader.at_end())
        return false;
    std::optional<Bytes> value = reader.any(tag);
    if (!value || value->empty())
        return false;
    if ((tag & 0x20) != 0 && !valid_elements(*value, 1))
        return false;
    return reader.at_end();
}

// Name: a SEQUENCE of non-empty SETs of { OID, value } (RFC 5280 4.1.2.4).
// An empty name is left to the full path, which fails to write an empty
// subject as text.
bool valid_name(Reader& reader) {
    std::optional<Bytes> rdns = reader.read(tag::sequence);
    if (!rdns || rdns->empty())
        return false;
    Reader sets(*rdns);
    while (!sets.at_end()) {
        std::optional<Bytes> set = sets.read(tag::set);
        if (!set || set->empty())
            return false;
        Reader attributes(*set);
        while (!attributes.at_end()) {
            std::optional<Bytes> attribute = attributes.read(tag::sequence);
            if (!attribute || !valid_attribute(*attribute))
                return false;
        }
    }
    return true;
}

// ---- Validity dates -------------------------------------------------------

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const std::int64_t era = year / 400;
    const std::int64_t year_of_era = year - era * 400;
    const std::int64_t day_of_year =
        (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
    static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30,
                                                   31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

// Reads `count` decimal digits.
std::optional<unsigned> digits(std::string_view text, std::size_t start,
                               std::size_t count) {
    unsigned value = 0;
    for (std::size_t i = start; i < start + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
}

// UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ", the only
// forms RFC 5280 section 4.1.2.5 allows. A two-digit year below 50 is in
// the 2000s (RFC 5280 section 4.1.2.5.1). Years before 1970 and from 9999
// on (GnuTLS reads 99991231235959Z as "no expiry") are left to the full
// path.
std::optional<std::int64_t> read_time(Reader& reader) {
    bool utc = reader.next_is(tag::utc_time);
    std::optional<Bytes> value =
        reader.read(utc ? tag::utc_time : tag::generalized_time);
    std::size_t year_digits = utc ? 2 : 4;
    if (!value || value->size() != year_digits + 11 || value->back() != 'Z')
        return std::nullopt;

    std::string_view text(reinterpret_cast<const char*>(value->data()),
                          value->size());
    std::optional<unsigned> year = digits(text, 0, year_digits);
    std::optional<unsigned> month = digits(text, year_digits, 2);
    std::optional<unsigned> day = digits(text, year_digits + 2, 2);
    std::optional<unsigned> hour = digits(text, year_digits + 4, 2);
    std::optional<unsigned> minute = digits(text, year_digits + 6, 2);
    std::optional<unsigned> second = digits(text, year_digits + 8, 2);
    if (!year || !month || !day || !hour || !minute || !second)
        return std::nullopt;

    std::int64_t full_year = *year;
    if (utc)
        full_year += *year < 50 ? 2000 : 1900;
    bool valid = full_year >= 1970 && full_year <= 9998 && *month >= 1 &&
                 *month <= 12 && *day >= 1 &&
                 *day <= days_in_month(full_year, *month) && *hour < 24 &&
                 *minute < 60 && *second < 60;
    if (!valid)
        return std::nullopt;
    return days_from_civil(full_year, *month, *day) * 86400 + *hour * 3600 +
           *minute * 60 + *second;
}

// ---- The public key -------------------------------------------------------

// Object identifiers, content octets only.
constexpr std::initializer_list<std::uint8_t> rsa_encryption = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
constexpr std::initializer_list<std::uint8_t> ec_public_key = {
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::initializer_list<std::uint8_t> ed25519 = {0x2b, 0x65, 0x70};
constexpr std::initializer_list<std::uint8_t> ed448 = {0x2b, 0x65, 0x71};
constexpr std::initializer_list<std::uint8_t> p256 = {0x2a, 0x86, 0x48, 0xce,
                                                      0x3d, 0x03, 0x01, 0x07};
constexpr std::initializer_list<std::uint8_t> p384 = {0x2b, 0x81, 0x04, 0x00,
                                                      0x22};
constexpr std::initializer_list<std::uint8_t> p521 = {0x2b, 0x81, 0x04, 0x00,
                                                      0x23};

unsigned bit_length(Bytes magnitude) {
    unsigned bits = 8 * static_cast<unsigned>(magnitude.size() - 1);
    for (std::uint8_t top = magnitude[0]; top != 0; top >>= 1)
        ++bits;
    return bits;
}

// RSAPublicKey (RFC 8017 appendix A.1.1), with NULL parameters.
bool read_rsa_key(Bytes parameters, Bytes key, CertificateFacts& facts) {
    if (!equal(parameters, {tag::null, 0x00}))
        return false;
    Reader outer(key);
    std::optional<Bytes> sequence = outer.read(tag::sequence);
    if (!sequence || !outer.at_end())
        return false;
    Reader fields(*sequence);
    std::optional<Bytes> modulus = read_positive_integer(fields);
    std::optional<Bytes> exponent = read_positive_integer(fields);
    if (!modulus || !exponent || !fields.at_end())
        return false;
    facts.algorithm = KeyAlgorithm::rsa;
    facts.rsa_bits = bit_length(*modulus);
    return true;
}

// An uncompressed point on a named curve (RFC 5480 section 2).
bool read_ec_key(Bytes parameters, Bytes key, CertificateFacts& facts) {
    Reader reader(parameters);
    std::optional<Bytes> curve = read_oid(reader);
    if (!curve || !reader.at_end())
        return false;
    std::size_t coordinate = equal(*curve, p256)   ? 32
                             : equal(*curve, p384) ? 48
                             : equal(*curve, p521) ? 66
                                                   : 0;
    if (coordinate == 0 || key.size() != 1 + 2 * coordinate || key[0] != 0x04)
        return false;
    facts.algorithm = KeyAlgorithm::ecdsa;
    return true;
}

// SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7).
bool read_public_key(Bytes spki, CertificateFacts& facts) {
    Reader reader(spki);
    std::optional<Bytes> algorithm = reader.read(tag::sequence);
    std::optional<Bytes> bits = reader.read(tag::bit_string);
    if (!algorithm || !bits || !reader.at_end() || bits->empty() ||
        (*bits)[0] != 0)
        return false;
    Bytes key = bits->subspan(1);

    Reader identifier(*algorithm);
    std::optional<Bytes> oid = read_oid(identifier);
    if (!oid)
        return false;
    Bytes parameters = identifier.rest();
    if (equal(*oid, rsa_encryption))
        return read_rsa_key(parameters, key, facts);
    if (equal(*oid, ec_public_key))
        return read_ec_key(parameters, key, facts);
    bool edwards = equal(*oid, ed25519) || equal(*oid, ed448);
    if (!edwards || !parameters.empty())
        return false;
    // RFC 8410 section 3: no parameters; keys of 32 and 57 octets.
    facts.algorithm =
        equal(*oid, ed25519) ? KeyAlgorithm::ed25519 : KeyAlgorithm::ed448;
    return key.size() == (facts.algorithm == KeyAlgorithm::ed25519 ? 32 : 57);
}

// ---- The certificate ------------------------------------------------------

constexpr std::initializer_list<std::uint8_t> subject_alt_name = {0x55, 0x1d,
                                                                  0x11};
constexpr std::initializer_list<std::uint8_t> issuer_alt_name = {0x55, 0x1d,
                                                                 0x12};

// GeneralNames (RFC 5280 section 4.2.1.6), which GnuTLS decodes when it
// imports a certificate: only non-empty rfc822Name, dNSName and URI
// entries and IPv4 or IPv6 addresses are accepted here.
bool valid_general_names(Bytes value) {
    Reader outer(value);
    std::optional<Bytes> list = outer.read(tag::sequence);
    if (!list || list->empty() || !outer.at_end())
        return false;
    Reader names(*list);
    while (!names.at_end()) {
        std::uint8_t tag = 0;
        std::optional<Bytes> name = names.any(tag);
        if (!name || name->empty())
            return false;
        bool text = tag == 0x81 || tag == 0x82 || tag == 0x86;
        bool address = tag == 0x87 && (name->size() == 4 || name->size() == 16);
        if (!text && !address)
            return false;
    }
    return true;
}

// Extensions: a non-empty SEQUENCE of { OID, critical TRUE (FALSE is the
// default, so DER leaves it out), OCTET STRING }, each OID at most once
// (RFC 5280 section 4.2).
bool valid_extensions(Bytes wrapper) {
    Reader outer(wrapper);
    std::optional<Bytes> list = outer.read(tag::sequence);
    if (!list || list->empty() || !outer.at_end())
        return false;

    std::vector<Bytes> seen;
    Reader extensions(*list);
    while (!extensions.at_end()) {
        std::optional<Bytes> extension = extensions.read(tag::sequence);
        if (!extension)
            return false;
        Reader fields(*extension);
        std::optional<Bytes> oid = read_oid(fields);
        if (!oid)
            return false;
        if (fields.next_is(tag::boolean)) {
            std::optional<Bytes> critical = fields.read(tag::boolean);
            if (!critical || !equal(*critical, {0xff}))
                return false;
        }
        std::optional<Bytes> value = fields.read(tag::octet_string);
        if (!value || !fields.at_end())
            return false;
        bool names =
            equal(*oid, subject_alt_name) || equal(*oid, issuer_alt_name);
        if (names && !valid_general_names(*value))
            return false;
        for (Bytes other : seen)
            if (equal(other, *oid))
                return false;
        seen.push_back(*oid);
    }
    return true;
}

// version [0] EXPLICIT INTEGER: present means v3 (2) here; v2 and an
// explicit v1 are left to the full path.
std::optional<bool> read_version_is_v3(Reader& reader) {
    if (!reader.next_is(tag::version))
        return false;
    std::optional<Bytes> wrapper = reader.read(tag::version);
    if (!wrapper || !equal(*wrapper, {tag::integer, 0x01, 0x02}))
        return std::nullopt;
    return true;
}

bool read_validity(Reader& reader, CertificateFacts& facts) {
    std::optional<Bytes> validity = reader.read(tag::sequence);
    if (!validity)
        return false;
    Reader dates(*validity);
    std::optional<std::int64_t> not_before = read_time(dates);
    std::optional<std::int64_t> not_after = read_time(dates);
    if (!not_before || !not_after || !dates.at_end())
        return false;
    facts.not_before = *not_before;
    facts.not_after = *not_after;
    return true;
}

// TBSCertificate (RFC 5280 section 4.1). `signature_algorithm` is the
// outer one, which the inner one must repeat octet for octet (RFC 5280
// section 4.1.1.2).
bool read_tbs(Bytes tbs, Bytes signature_algorithm, CertificateFacts& facts) {
    Reader reader(tbs);
    std::optional<bool> v3 = read_version_is_v3(reader);
    if (!v3 || !read_integer(reader))
        return false;

    Bytes algorithm;
    if (!reader.read(tag::sequence, &algorithm) ||
        !equal(algorithm, signature_algorithm))
        return false;
    if (!valid_name(reader) || !read_validity(reader, facts) ||
        !valid_name(reader))
        return false;

    Bytes spki;
    std::optional<Bytes> key = reader.read(tag::sequence, &spki);
    if (!key || !read_public_key(*key, facts))
        return false;
    facts.spki = spki;

    // Unique identifiers ([1], [2]) are not read here; extensions only
    // in v3 (RFC 5280 section 4.1.2.9).
    if (*v3 && reader.next_is(tag::extensions)) {
        std::optional<Bytes> extensions = reader.read(tag::extensions);
        if (!extensions || !valid_extensions(*extensions))
            return false;
    }
    return reader.at_end();
}

} // namespace

std::optional<CertificateFacts>
read_certificate(std::span<const std::uint8_t> der) {
    Reader outer(der);
    std::optional<Bytes> certificate = outer.read(tag::sequence);
    if (!certificate || !outer.at_end())
        return std::nullopt;

    Reader parts(*certificate);
    std::optional<Bytes> tbs = parts.read(tag::sequence);
    Bytes algorithm_element;
    std::optional<Bytes> algorithm =
        parts.read(tag::sequence, &algorithm_element);
    std::optional<Bytes> signature = parts.read(tag::bit_string);
    if (!tbs || !algorithm || !signature || !parts.at_end())
        return std::nullopt;
    if (!valid_algorithm(*algorithm) || signature->empty() ||
        (*signature)[0] != 0)
        return std::nullopt;

    CertificateFacts facts;
    if (!read_tbs(*tbs, algorithm_element, facts))
        return std::nullopt;
    return facts;
}

// ---- PEM ------------------------------------------------------------------

namespace {

constexpr std::string_view pem_begin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view pem_end = "-----END CERTIFICATE-----";

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

// Takes one line off the front of `text`: its content without the "\n"
// or "\r\n" ending. std::nullopt when no line ending follows.
std::optional<std::string_view> take_line(std::string_view& text) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos)
        return std::nullopt;
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

// Decodes canonical base64 (RFC 4648 section 4): whole quanta, "="
// padding only at the end, and zero bits after the last octet.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0)
        return std::nullopt;
    std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=');
    std::vector<std::uint8_t> octets;
    octets.reserve(text.size() / 4 * 3);

    std::uint32_t bits = 0;
    std::size_t count = text.size() - padding;
    for (std::size_t i = 0; i < count; ++i) {
        int value = base64_value(text[i]);
        if (value < 0)
            return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        if (i % 4 == 3) {
            octets.push_back(static_cast<std::uint8_t>(bits >> 16));
            octets.push_back(static_cast<std::uint8_t>(bits >> 8));
            octets.push_back(static_cast<std::uint8_t>(bits));
            bits = 0;
        }
    }
    if (padding == 2) {
        if ((bits & 0x0f) != 0)
            return std::nullopt;
        octets.push_back(static_cast<std::uint8_t>(bits >> 4));
    } else if (padding == 1) {
        if ((bits & 0x03) != 0)
            return std::nullopt;
        octets.push_back(static_cast<std::uint8_t>(bits >> 10));
        octets.push_back(static_cast<std::uint8_t>(bits >> 2));
    }
    return octets;
}

bool is_base64_line(std::string_view line) {
    return !line.empty() && std::all_of(line.begin(), line.end(), [](char c) {
        return base64_value(c) >= 0 || c == '=';
    });
}

} // namespace

std::optional<std::vector<std::uint8_t>>
decode_certificate_pem(std::span<const std::uint8_t> bytes) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
    std::optional<std::string_view> first = take_line(text);
    if (!first || *first != pem_begin)
        return std::nullopt;

    std::string body;
    while (true) {
        std::optional<std::string_view> line = take_line(text);
        if (!line && text == pem_end)
            return decode_base64(body); // no line ending after END
        if (!line)
            return std::nullopt;
        if (*line == pem_end)
            break;
        if (!is_base64_line(*line))
            return std::nullopt;
        body += *line;
    }
    if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
        return std::nullopt;
    return decode_base64(body);
}

std::optional<std::vector<std::uint8_t>>
certificate_file_der(std::vector<std::uint8_t> content) {
    if (!content.empty() && content[0] == '-')
        return decode_certificate_pem(content);
    std::string_view text(reinterpret_cast<const char*>(content.data()),
                          content.size());
    if (!content.empty() && content[0] == tag::sequence &&
        text.find("-----BEGIN ") == std::string_view::npos)
        return content;
    return std::nullopt;
}

} // namespace dance::cli
