// DNSSEC checks of the TLSA RRsets in a signed zone file, offline, with
// the zone's own DNSKEYs as the trust anchor.
//
// Signatures are verified with Knot DNS's libdnssec (Debian libknot-dev,
// the same package as the zone scanner). It takes DNSKEY RDATA and RRSIG
// signatures as they appear in the zone and converts them for GnuTLS
// itself, including the r||s form of ECDSA signatures, which calling
// gnutls_pubkey_verify_data2 directly would leave to us. The signed data,
// RFC 4034 section 3.1.8.1, is built here.
#include <algorithm>
#include <ctime>
#include <memory>

// libdnssec's headers (Knot 3.2) have no extern "C" guards of their own.
extern "C" {
#include <libdnssec/crypto.h>
#include <libdnssec/error.h>
#include <libdnssec/key.h>
#include <libdnssec/keytag.h>
#include <libdnssec/sign.h>
}

#include "dance/zone_check.hpp"

namespace dance {

namespace {

constexpr std::size_t rrsig_fixed_length = 18; // fields before the signer
constexpr std::uint16_t dnskey_zone_flag = 0x0100;
constexpr std::int64_t seconds_per_day = 86400;

struct KeyDeleter {
    void operator()(dnssec_key_t* key) const { dnssec_key_free(key); }
};

struct SignContextDeleter {
    void operator()(dnssec_sign_ctx_t* context) const {
        dnssec_sign_free(context);
    }
};

dnssec_binary_t binary(std::span<const std::uint8_t> bytes) {
    return dnssec_binary_t{bytes.size(),
                           const_cast<std::uint8_t*>(bytes.data())};
}

struct ZoneKey {
    std::vector<std::uint8_t> owner;
    std::uint16_t flags = 0;
    std::uint8_t algorithm = 0;
    std::uint16_t tag = 0;
    std::unique_ptr<dnssec_key_t, KeyDeleter> key; // null: not loadable
};

std::vector<ZoneKey> prepare_keys(const std::vector<DnskeyEntry>& dnskeys) {
    dnssec_crypto_init();
    std::vector<ZoneKey> keys;
    for (const DnskeyEntry& dnskey : dnskeys) {
        if (dnskey.rdata.size() < 4)
            continue;
        ZoneKey key;
        key.owner = dnskey.owner;
        key.flags =
            static_cast<std::uint16_t>(dnskey.rdata[0] << 8 | dnskey.rdata[1]);
        key.algorithm = dnskey.rdata[3];
        dnssec_binary_t rdata = binary(dnskey.rdata);
        dnssec_keytag(&rdata, &key.tag);

        dnssec_key_t* loaded = nullptr;
        if (dnssec_key_new(&loaded) == DNSSEC_EOK) {
            key.key.reset(loaded);
            if (dnssec_key_set_rdata(loaded, &rdata) != DNSSEC_EOK)
                key.key.reset();
        }
        keys.push_back(std::move(key));
    }
    return keys;
}

// The fixed fields and the signer name of one RRSIG.
struct Rrsig {
    std::uint8_t algorithm = 0;
    std::uint8_t labels = 0;
    std::uint32_t original_ttl = 0;
    std::uint32_t expiration = 0;
    std::uint32_t inception = 0;
    std::uint16_t key_tag = 0;
    std::vector<std::uint8_t> signer;            // lowercase wire form
    std::span<const std::uint8_t> signed_fields; // RDATA before signature
    std::span<const std::uint8_t> signature;
};

std::uint32_t read_u32(std::span<const std::uint8_t> bytes) {
    return static_cast<std::uint32_t>(bytes[0]) << 24 |
           static_cast<std::uint32_t>(bytes[1]) << 16 |
           static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
}

std::optional<Rrsig> parse_rrsig(std::span<const std::uint8_t> rdata) {
    if (rdata.size() < rrsig_fixed_length + 1)
        return std::nullopt;
    Rrsig rrsig;
    rrsig.algorithm = rdata[2];
    rrsig.labels = rdata[3];
    rrsig.original_ttl = read_u32(rdata.subspan(4));
    rrsig.expiration = read_u32(rdata.subspan(8));
    rrsig.inception = read_u32(rdata.subspan(12));
    rrsig.key_tag = static_cast<std::uint16_t>(rdata[16] << 8 | rdata[17]);

    std::size_t end = rrsig_fixed_length;
    while (end < rdata.size() && rdata[end] != 0)
        end += 1 + rdata[end];
    if (end >= rdata.size())
        return std::nullopt;
    ++end; // the root label
    rrsig.signer = wire_name_lowercase(
        rdata.subspan(rrsig_fixed_length, end - rrsig_fixed_length));
    rrsig.signed_fields = rdata.first(end);
    rrsig.signature = rdata.subspan(end);
    return rrsig;
}

// RFC 4034 section 3.1.5: the 32-bit times are serial numbers, so each is
// read as the absolute time nearest to `now`.
std::int64_t absolute_time(std::uint32_t field, std::int64_t now) {
    auto offset = static_cast<std::int32_t>(
        field - static_cast<std::uint32_t>(static_cast<std::uint64_t>(now)));
    return now + offset;
}

std::string utc_text(std::int64_t time) {
    std::time_t seconds = static_cast<std::time_t>(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

void append_u16(std::vector<std::uint8_t>& out, std::uint32_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
}

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    append_u16(out, value >> 16);
    append_u16(out, value & 0xffff);
}

// The owner as it was signed: RFC 4035 section 5.3.2 rebuilds a wildcard
// owner as "*." plus the rightmost `labels` labels.
std::vector<std::uint8_t> signed_owner(const std::vector<std::uint8_t>& wire,
                                       std::size_t labels) {
    std::vector<std::string> all = wire_name_labels(wire);
    if (!all.empty() && all.front() == "*")
        all.erase(all.begin());
    if (all.size() <= labels)
        return wire;
    std::vector<std::uint8_t> owner = {1, '*'};
    for (std::size_t i = all.size() - labels; i < all.size(); ++i) {
        owner.push_back(static_cast<std::uint8_t>(all[i].size()));
        owner.insert(owner.end(), all[i].begin(), all[i].end());
    }
    owner.push_back(0);
    return owner;
}

// RFC 4034 sections 3.1.8.1 and 6.3: the RRSIG fields without the
// signature, then each distinct RR of the set in canonical order, with the
// original TTL.
std::vector<std::uint8_t> signed_data(const OwnerGroup& owner,
                                      const Rrsig& rrsig) {
    std::vector<std::vector<std::uint8_t>> rdatas;
    for (const TlsaEntry& entry : owner.records) {
        const TlsaRecord& record = entry.record;
        std::vector<std::uint8_t> rdata = {record.usage, record.selector,
                                           record.matching_type};
        rdata.insert(rdata.end(), record.data.begin(), record.data.end());
        rdatas.push_back(std::move(rdata));
    }
    std::sort(rdatas.begin(), rdatas.end());
    rdatas.erase(std::unique(rdatas.begin(), rdatas.end()), rdatas.end());

    std::vector<std::uint8_t> data(rrsig.signed_fields.begin(),
                                   rrsig.signed_fields.end());
    std::copy(rrsig.signer.begin(), rrsig.signer.end(),
              data.begin() + rrsig_fixed_length);
    std::vector<std::uint8_t> name = signed_owner(owner.wire, rrsig.labels);
    for (const std::vector<std::uint8_t>& rdata : rdatas) {
        data.insert(data.end(), name.begin(), name.end());
        append_u16(data, rr_type_tlsa);
        append_u16(data, 1); // class IN
        append_u32(data, rrsig.original_ttl);
        append_u16(data, static_cast<std::uint32_t>(rdata.size()));
        data.insert(data.end(), rdata.begin(), rdata.end());
    }
    return data;
}

enum class VerifyOutcome { valid, invalid, unsupported };

VerifyOutcome verify_with(const ZoneKey& key,
                          std::span<const std::uint8_t> data,
                          std::span<const std::uint8_t> signature) {
    if (!key.key)
        return VerifyOutcome::unsupported;
    dnssec_sign_ctx_t* raw = nullptr;
    if (dnssec_sign_new(&raw, key.key.get()) != DNSSEC_EOK)
        return VerifyOutcome::unsupported;
    std::unique_ptr<dnssec_sign_ctx_t, SignContextDeleter> context(raw);

    dnssec_binary_t input = binary(data);
    dnssec_binary_t signature_binary = binary(signature);
    if (dnssec_sign_add(context.get(), &input) != DNSSEC_EOK)
        return VerifyOutcome::unsupported;
    int result = dnssec_sign_verify(context.get(), false, &signature_binary);
    if (result == DNSSEC_EOK)
        return VerifyOutcome::valid;
    if (result == DNSSEC_INVALID_SIGNATURE)
        return VerifyOutcome::invalid;
    return VerifyOutcome::unsupported;
}

class SignatureChecks {
public:
    SignatureChecks(ZoneChecker& checker, const std::vector<ZoneKey>& keys)
        : checker_(checker), keys_(keys) {}

    void check_rrset(const OwnerGroup& owner);

private:
    void check_signature(const OwnerGroup& owner, const SignatureEntry& entry);
    bool check_times(const OwnerGroup& owner, const SignatureEntry& entry,
                     const Rrsig& rrsig);
    void verify(const OwnerGroup& owner, const SignatureEntry& entry,
                const Rrsig& rrsig);
    void report(const OwnerGroup& owner, const SignatureEntry& entry,
                const char* check, Severity severity, std::string message) {
        checker_.add({check, severity, checker_.file_name(entry.file),
                      entry.line, owner.text, std::move(message)});
    }

    ZoneChecker& checker_;
    const std::vector<ZoneKey>& keys_;
};

void SignatureChecks::check_rrset(const OwnerGroup& owner) {
    if (owner.records.empty())
        return;
    if (owner.signatures.empty()) {
        const TlsaEntry& first = owner.records.front();
        // draft-ietf-dance-client-auth: a server accepts only a
        // DNSSEC-signed TLSA RRset, so an unsigned one authenticates no
        // client.
        checker_.add({"dnssec-rrsig-missing", Severity::error,
                      checker_.file_name(first.file), first.line, owner.text,
                      "TLSA RRset at " + owner.text +
                          " has no RRSIG in a signed zone: re-sign the zone "
                          "after adding the records"});
        return;
    }
    for (const SignatureEntry& entry : owner.signatures)
        check_signature(owner, entry);
}

void SignatureChecks::check_signature(const OwnerGroup& owner,
                                      const SignatureEntry& entry) {
    std::optional<Rrsig> rrsig = parse_rrsig(entry.rdata);
    if (!rrsig) {
        report(owner, entry, "dnssec-signature-invalid", Severity::error,
               "RRSIG RDATA is truncated: it has no complete signer name");
        return;
    }
    std::size_t owner_labels = wire_name_labels(owner.wire).size();
    if (rrsig->labels > owner_labels) {
        // RFC 4035 section 5.3.1: the labels field cannot exceed the
        // owner's label count.
        report(owner, entry, "dnssec-signature-invalid", Severity::error,
               "RRSIG labels field " + std::to_string(rrsig->labels) +
                   " exceeds the " + std::to_string(owner_labels) +
                   " labels of " + owner.text);
        return;
    }
    check_times(owner, entry, *rrsig);
    verify(owner, entry, *rrsig);
}

bool SignatureChecks::check_times(const OwnerGroup& owner,
                                  const SignatureEntry& entry,
                                  const Rrsig& rrsig) {
    std::int64_t now = checker_.options().now;
    std::int64_t expiration = absolute_time(rrsig.expiration, now);
    std::int64_t inception = absolute_time(rrsig.inception, now);
    std::int64_t window =
        static_cast<std::int64_t>(checker_.options().policy.signature_days) *
        seconds_per_day;

    if (expiration < now) {
        report(owner, entry, "dnssec-signature-expired", Severity::error,
               "RRSIG expired at " + utc_text(expiration) +
                   "; validators reject the RRset until it is re-signed");
        return false;
    }
    if (inception > now) {
        report(owner, entry, "dnssec-signature-expired", Severity::error,
               "RRSIG is not valid before " + utc_text(inception) +
                   "; validators reject the RRset until then");
        return false;
    }
    if (expiration - now < window) {
        report(owner, entry, "dnssec-signature-expiring", Severity::warning,
               "RRSIG expires at " + utc_text(expiration) + ", within " +
                   std::to_string(checker_.options().policy.signature_days) +
                   " days: re-sign the zone before then");
    }
    return true;
}

void SignatureChecks::verify(const OwnerGroup& owner,
                             const SignatureEntry& entry, const Rrsig& rrsig) {
    std::vector<const ZoneKey*> candidates;
    for (const ZoneKey& key : keys_) {
        if (key.owner == rrsig.signer && key.algorithm == rrsig.algorithm &&
            key.tag == rrsig.key_tag && (key.flags & dnskey_zone_flag))
            candidates.push_back(&key);
    }
    std::string key_text = "key tag " + std::to_string(rrsig.key_tag) +
                           ", algorithm " + std::to_string(rrsig.algorithm) +
                           ", signer " + wire_name_to_text(rrsig.signer);
    if (candidates.empty()) {
        report(owner, entry, "dnssec-dnskey-missing", Severity::error,
               "RRSIG (" + key_text +
                   ") matches no zone DNSKEY in the zone files: publish "
                   "the key or re-sign with a published one");
        return;
    }

    std::vector<std::uint8_t> data = signed_data(owner, rrsig);
    bool unsupported = false;
    for (const ZoneKey* key : candidates) {
        VerifyOutcome outcome = verify_with(*key, data, rrsig.signature);
        if (outcome == VerifyOutcome::valid)
            return;
        unsupported = unsupported || outcome == VerifyOutcome::unsupported;
    }
    if (unsupported) {
        report(owner, entry, "dnssec-algorithm-unsupported", Severity::warning,
               "RRSIG (" + key_text +
                   ") could not be verified: the algorithm or key is not "
                   "supported by libdnssec here");
        return;
    }
    report(owner, entry, "dnssec-signature-invalid", Severity::error,
           "RRSIG (" + key_text +
               ") does not verify over the TLSA RRset: the records changed "
               "after signing, or the signature is corrupt; re-sign the zone");
}

} // namespace

void check_dnssec(ZoneChecker& checker,
                  const std::unordered_map<std::string, OwnerGroup>& owners,
                  const std::vector<DnskeyEntry>& dnskeys, bool signed_zone) {
    if (!signed_zone) {
        std::string file = checker.file_count() ? checker.file_name(0) : "";
        checker.add({"dnssec-unsigned", Severity::notice, file, 0, "",
                     "the zone has no RRSIG records: servers accept only "
                     "DNSSEC-signed TLSA records, so sign the zone before "
                     "publishing; signatures are checked when the zone file "
                     "is signed"});
        return;
    }

    std::vector<ZoneKey> keys = prepare_keys(dnskeys);
    SignatureChecks checks(checker, keys);
    for (const auto& [key, owner] : owners)
        checks.check_rrset(owner);
}

} // namespace dance
