// The per-record DANE rules: DANE-EE, DANE-TA (with a bare key anchor),
// PKIX-EE and PKIX-TA against a certificate chain, and DANE-EE against a
// raw public key.
#include "dance/match_internal.hpp"

#include <string>
#include <utility>

namespace dance::match_detail {

namespace {

std::string selected_part(const TlsaRecord& record) {
    return record.selector == static_cast<std::uint8_t>(Selector::spki)
               ? "the SPKI of "
               : "";
}

} // namespace

std::string usage_label(std::uint8_t usage) {
    const char* names[] = {"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"};
    return usage < 4 ? names[usage] : "usage " + std::to_string(usage);
}

Status Evaluator::load_pkix_store(const std::vector<DerBytes>& anchors) {
    pkix_store_ = make_trust_list();
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        auto certificate = parse_certificate(anchors[i]);
        if (!certificate) {
            pkix_store_.reset();
            return make_error(ErrorCategory::input,
                              "CA store certificate " + std::to_string(i + 1) +
                                  " does not parse as X.509 DER");
        }
        add_anchor(pkix_store_.get(), *certificate);
    }
    return Ok{};
}

RecordVerdict Evaluator::evaluate(const TlsaRecord& record) const {
    if (raw_spki_)
        return evaluate_raw_key(record);

    switch (static_cast<Usage>(record.usage)) {
    case Usage::dane_ee:
        return evaluate_dane_ee(record);
    case Usage::dane_ta:
        return evaluate_dane_ta(record);
    case Usage::pkix_ee:
        return evaluate_pkix_ee(record);
    case Usage::pkix_ta:
        return evaluate_pkix_ta(record);
    }
    return {record, RecordOutcome::unusable, "unknown certificate usage"};
}

// draft-ietf-dance-client-auth with RFC 7250: a raw public key carries no
// certificate, so only DANE-EE records over the SPKI can match it.
RecordVerdict Evaluator::evaluate_raw_key(const TlsaRecord& record) const {
    bool dane_ee_spki =
        record.usage == static_cast<std::uint8_t>(Usage::dane_ee) &&
        record.selector == static_cast<std::uint8_t>(Selector::spki);
    if (!dane_ee_spki)
        return {record, RecordOutcome::not_matched,
                "cannot match a raw public key: only DANE-EE SPKI records "
                "(3 1 x) can"};

    if (association_matches(*raw_spki_, record))
        return {record, RecordOutcome::matched, "matches the raw public key"};
    return {record, RecordOutcome::not_matched,
            "does not match the raw public key"};
}

// RFC 7671 section 5.1: DANE-EE matches the leaf alone; its names and
// validity dates are not checked.
RecordVerdict Evaluator::evaluate_dane_ee(const TlsaRecord& record) const {
    if (certificate_matches(chain_.front(), record))
        return {record, RecordOutcome::matched,
                "matches " + selected_part(record) + "the leaf certificate"};
    return {record, RecordOutcome::not_matched,
            "does not match " + selected_part(record) + "the leaf certificate"};
}

// RFC 7671 section 5.2: DANE-TA names a trust anchor that the client
// sends in its chain, unless the record holds the anchor's full public
// key (2 1 0). The chain from the leaf to the anchor must validate, and
// the ClientName must be a dNSName of the leaf.
RecordVerdict Evaluator::evaluate_dane_ta(const TlsaRecord& record) const {
    for (std::size_t i = 1; i < chain_.size(); ++i) {
        if (certificate_matches(chain_[i], record))
            return check_path(record, i,
                              "matches " + selected_part(record) +
                                  "certificate " + std::to_string(i + 1) +
                                  " of the presented chain");
    }

    bool bare_key =
        record.selector == static_cast<std::uint8_t>(Selector::spki) &&
        record.matching_type == static_cast<std::uint8_t>(MatchingType::full);
    if (bare_key)
        return evaluate_bare_ta_key(record);

    if (chain_.size() == 1)
        return {record, RecordOutcome::not_matched,
                "cannot match: the client presented no issuer certificate"};
    return {record, RecordOutcome::not_matched,
            "matches no issuer certificate of the presented chain"};
}

// A 2 1 0 record is the anchor's key itself: find the highest certificate
// of the chain it signed, then validate the chain below that one.
RecordVerdict Evaluator::evaluate_bare_ta_key(const TlsaRecord& record) const {
    Pubkey key = import_spki(record.data);
    if (!key)
        return {record, RecordOutcome::unusable,
                "the public key in the record does not parse"};

    for (std::size_t i = chain_.size(); i-- > 0;) {
        if (signed_by(chain_[i], key.get()))
            return check_path(record, i,
                              "the key in the record signed certificate " +
                                  std::to_string(i + 1) +
                                  " of the presented chain");
    }
    return {record, RecordOutcome::not_matched,
            "holds a key that signed no certificate of the presented chain"};
}

// Validates chain_[0..anchor] with chain_[anchor] trusted, at the
// configured time, then checks the ClientName.
RecordVerdict Evaluator::check_path(const TlsaRecord& record,
                                    std::size_t anchor,
                                    const std::string& what) const {
    std::vector<const Certificate*> path;
    for (std::size_t i = 0; i <= anchor; ++i)
        path.push_back(&chain_[i]);

    std::optional<std::string> problem;
    if (anchor > 0) {
        TrustList list = make_trust_list();
        add_anchor(list.get(), chain_[anchor]);
        problem = verify_signatures(std::span(path).first(anchor), list.get());
    }
    if (!problem)
        problem = verify_dates(path, options_.now);

    if (problem)
        return {record, RecordOutcome::chain_invalid,
                what + ", but the chain does not validate: " + *problem};
    return check_name(record, what);
}

RecordVerdict Evaluator::check_name(const TlsaRecord& record,
                                    const std::string& what) const {
    const Certificate& leaf = chain_.front();
    if (!leaf_names(leaf, client_name_))
        return {record, RecordOutcome::name_not_in_certificate,
                what + ", but " + client_name_.to_text() +
                    " is not a dNSName of the leaf (it has: " +
                    list_names(leaf.dns_names) + ")"};
    return {record, RecordOutcome::matched,
            what + "; the chain validates and the leaf names " +
                client_name_.to_text()};
}

// PKIX-EE: the leaf matches the record and also validates to the
// configured CA store (RFC 6698 section 2.1.1).
RecordVerdict Evaluator::evaluate_pkix_ee(const TlsaRecord& record) const {
    if (!certificate_matches(chain_.front(), record))
        return {record, RecordOutcome::not_matched,
                "does not match " + selected_part(record) +
                    "the leaf certificate"};
    return check_pkix_path(record, "matches " + selected_part(record) +
                                       "the leaf certificate");
}

// PKIX-TA: a CA certificate on the path to the configured CA store
// matches the record. The candidates are the presented issuers and the
// store's issuer of the topmost presented certificate.
RecordVerdict Evaluator::evaluate_pkix_ta(const TlsaRecord& record) const {
    for (std::size_t i = 1; i < chain_.size(); ++i) {
        if (certificate_matches(chain_[i], record))
            return check_pkix_path(
                record, "matches " + selected_part(record) + "certificate " +
                            std::to_string(i + 1) + " of the presented chain");
    }

    auto issuer = pkix_issuer_of_top();
    if (issuer && certificate_matches(*issuer, record))
        return check_pkix_path(record, "matches " + selected_part(record) +
                                           "the CA store certificate that "
                                           "issued the presented chain");
    return {record, RecordOutcome::not_matched,
            "matches no CA certificate of the presented chain or the CA "
            "store issuer"};
}

std::optional<Certificate> Evaluator::pkix_issuer_of_top() const {
    gnutls_x509_crt_t issuer = nullptr;
    if (gnutls_x509_trust_list_get_issuer(pkix_store_.get(),
                                          chain_.back().crt.get(), &issuer,
                                          GNUTLS_TL_GET_COPY) < 0)
        return std::nullopt;
    Crt owned(issuer);

    gnutls_datum_t der{};
    if (gnutls_x509_crt_export2(owned.get(), GNUTLS_X509_FMT_DER, &der) < 0)
        return std::nullopt;
    DerBytes bytes(der.data, der.data + der.size);
    gnutls_free(der.data);
    return parse_certificate(bytes);
}

RecordVerdict Evaluator::check_pkix_path(const TlsaRecord& record,
                                         const std::string& what) const {
    std::vector<const Certificate*> path;
    for (const Certificate& certificate : chain_)
        path.push_back(&certificate);

    auto problem = verify_signatures(path, pkix_store_.get());
    auto issuer = pkix_issuer_of_top();
    if (issuer)
        path.push_back(&*issuer);
    if (!problem)
        problem = verify_dates(path, options_.now);

    if (problem)
        return {record, RecordOutcome::chain_invalid,
                what + ", but the chain does not validate to the CA store: " +
                    *problem};
    return check_name(record, what);
}

} // namespace dance::match_detail
