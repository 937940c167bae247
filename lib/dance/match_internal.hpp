// Internal parts of the DANE matcher, shared by match.cpp,
// match_evaluate.cpp and match_certificate.cpp. Not installed: callers use
// match.hpp.
#pragma once

#include "dance/match.hpp"

#include <cstdint>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace dance::match_detail {

using Bytes = std::span<const std::uint8_t>;

struct CrtDeleter {
    void operator()(gnutls_x509_crt_t crt) const {
        gnutls_x509_crt_deinit(crt);
    }
};

using Crt =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_crt_t>, CrtDeleter>;

struct PubkeyDeleter {
    void operator()(gnutls_pubkey_t key) const { gnutls_pubkey_deinit(key); }
};

using Pubkey =
    std::unique_ptr<std::remove_pointer_t<gnutls_pubkey_t>, PubkeyDeleter>;

// Owns a trust list and the CA certificates added to it.
struct TrustListDeleter {
    void operator()(gnutls_x509_trust_list_t list) const {
        gnutls_x509_trust_list_deinit(list, 1);
    }
};

using TrustList =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_trust_list_t>,
                    TrustListDeleter>;

// One certificate of the presented chain or of the CA store.
struct Certificate {
    DerBytes der;
    DerBytes spki;
    Crt crt;
    std::vector<std::string> dns_names;
    std::int64_t not_before = 0;
    std::int64_t not_after = 0;
};

// ---- match_certificate.cpp ----------------------------------------------

gnutls_datum_t datum(Bytes bytes);
Crt import_certificate(Bytes der);
Pubkey import_spki(Bytes der); // nullptr when the SPKI does not parse
std::optional<Bytes> tbs_certificate(Bytes certificate);
std::optional<Certificate> parse_certificate(Bytes der);

std::string format_time(std::int64_t unix_time);
std::optional<std::string> validity_problem(const Certificate& certificate,
                                            std::int64_t now);

bool association_matches(Bytes selected, const TlsaRecord& record);
bool certificate_matches(const Certificate& certificate,
                         const TlsaRecord& record);
bool leaf_names(const Certificate& leaf, const Name& client_name);
std::string list_names(const std::vector<std::string>& names);

TrustList make_trust_list();
void add_anchor(gnutls_x509_trust_list_t list, const Certificate& certificate);
std::optional<std::string>
verify_signatures(std::span<const Certificate* const> path,
                  gnutls_x509_trust_list_t anchors);
std::optional<std::string>
verify_dates(std::span<const Certificate* const> path, std::int64_t now);
bool signed_by(const Certificate& certificate, gnutls_pubkey_t key);

// ---- match_evaluate.cpp -------------------------------------------------

// "DANE-EE" for 3, "usage 7" for an unassigned value.
std::string usage_label(std::uint8_t usage);

// Evaluates records against one presented credential. Holds the parsed
// chain and the CA store so each record reuses them.
class Evaluator {
public:
    Evaluator(std::vector<Certificate> chain, std::optional<DerBytes> raw_spki,
              const Name& client_name, const MatchOptions& options)
        : chain_(std::move(chain)), raw_spki_(std::move(raw_spki)),
          client_name_(client_name), options_(options) {}

    Status load_pkix_store(const std::vector<DerBytes>& anchors);
    bool has_pkix_store() const { return pkix_store_ != nullptr; }

    RecordVerdict evaluate(const TlsaRecord& record) const;

    const Certificate* leaf() const {
        return chain_.empty() ? nullptr : &chain_.front();
    }

private:
    RecordVerdict evaluate_raw_key(const TlsaRecord& record) const;
    RecordVerdict evaluate_dane_ee(const TlsaRecord& record) const;
    RecordVerdict evaluate_dane_ta(const TlsaRecord& record) const;
    RecordVerdict evaluate_bare_ta_key(const TlsaRecord& record) const;
    RecordVerdict evaluate_pkix_ee(const TlsaRecord& record) const;
    RecordVerdict evaluate_pkix_ta(const TlsaRecord& record) const;

    RecordVerdict check_path(const TlsaRecord& record, std::size_t anchor,
                             const std::string& what) const;
    RecordVerdict check_pkix_path(const TlsaRecord& record,
                                  const std::string& what) const;
    RecordVerdict check_name(const TlsaRecord& record,
                             const std::string& what) const;
    std::optional<Certificate> pkix_issuer_of_top() const;

    std::vector<Certificate> chain_;
    std::optional<DerBytes> raw_spki_;
    const Name& client_name_;
    const MatchOptions& options_;
    TrustList pkix_store_;
};

} // namespace dance::match_detail
