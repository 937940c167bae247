// The DNS-backed Authenticator of dance serve: a pool of resolvers that
// bounds the lookups in flight, a TTL cache of secure answers, and the
// verification engine that `dance verify` uses.
#include "dance/match.hpp"
#include "dance/serve.hpp"
#include "dance/verify.hpp"

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <unordered_map>

namespace dance {

namespace {

struct CacheEntry {
    TlsaLookup lookup;
    Clock::time_point expires;
};

class TlsaAuthenticator {
public:
    TlsaAuthenticator(TlsaAuthenticatorConfig config, Resolver first)
        : config_(std::move(config)) {
        idle_.push_back(std::make_unique<Resolver>(std::move(first)));
        created_ = 1;
    }

    ClientAuthentication authenticate(
        const Name& name, const std::vector<std::vector<std::uint8_t>>& chain,
        Clock::time_point deadline) {
        ClientAuthentication result;
        const auto start = Clock::now();
        std::optional<TlsaLookup> lookup = cached(name);
        result.cached = lookup.has_value();
        if (!lookup) {
            auto fetched = fetch(name, deadline);
            if (!fetched.ok()) {
                result.reason = fetched.error().category ==
                                        ErrorCategory::dns
                                    ? "lookup-capacity"
                                    : "resolver-error";
                result.detail = fetched.error().message;
                result.lookup_time = elapsed(start);
                return result;
            }
            lookup = std::move(*fetched);
        }
        result.lookup_time = elapsed(start);

        PresentedCredential presented;
        presented.chain = chain;
        MatchOptions options;
        options.now = static_cast<std::int64_t>(std::time(nullptr));
        const VerifyReport report =
            make_verify_report(name, *lookup, presented, options);
        if (!result.cached)
            store(name, report);

        result.authenticated = report.verdict.authenticated;
        result.reason = match_reason_code(report.verdict.reason);
        result.detail = report.verdict.detail;
        result.must_abort =
            report.verdict.server_action == ServerAction::abort;
        return result;
    }

private:
    static std::chrono::microseconds elapsed(Clock::time_point start) {
        return std::chrono::duration_cast<std::chrono::microseconds>(
            Clock::now() - start);
    }

    std::optional<TlsaLookup> cached(const Name& name) {
        std::lock_guard lock(cache_mutex_);
        auto found = cache_.find(name.to_string());
        if (found == cache_.end())
            return std::nullopt;
        if (found->second.expires <= Clock::now()) {
            cache_.erase(found);
            return std::nullopt;
        }
        return found->second.lookup;
    }

    // Keeps secure outcomes only, for the report's cache time: the TTL cut
    // short by the earliest RRSIG expiry. Anything else is looked up
    // again next time.
    void store(const Name& name, const VerifyReport& report) {
        const auto seconds = report.cache_seconds();
        if (report.lookup.dnssec != DnssecStatus::secure || !seconds ||
            *seconds <= 0)
            return;

        std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= config_.max_cache_entries)
            evict_expired();
        if (cache_.size() >= config_.max_cache_entries)
            return;
        cache_[name.to_string()] = CacheEntry{
            report.lookup, Clock::now() + std::chrono::seconds(*seconds)};
    }

    void evict_expired() {
        const auto now = Clock::now();
        std::erase_if(cache_,
                      [&](const auto& entry) { return entry.second.expires <= now; });
    }

    // Takes an idle resolver, creating one while fewer than max_lookups
    // exist; waits until the deadline otherwise.
    Result<std::unique_ptr<Resolver>> acquire(Clock::time_point deadline) {
        std::unique_lock lock(pool_mutex_);
        while (idle_.empty() && created_ >= config_.max_lookups) {
            if (pool_changed_.wait_until(lock, deadline) ==
                std::cv_status::timeout)
                return make_error(ErrorCategory::dns,
                                  "all " +
                                      std::to_string(config_.max_lookups) +
                                      " lookup slots stayed busy until the "
                                      "handshake deadline");
        }
        if (!idle_.empty()) {
            auto resolver = std::move(idle_.back());
            idle_.pop_back();
            return resolver;
        }
        ++created_;
        lock.unlock();

        auto resolver = Resolver::create(config_.resolver);
        if (!resolver.ok()) {
            std::lock_guard relock(pool_mutex_);
            --created_;
            pool_changed_.notify_one();
            return resolver.error();
        }
        return std::make_unique<Resolver>(std::move(*resolver));
    }

    void release(std::unique_ptr<Resolver> resolver) {
        std::lock_guard lock(pool_mutex_);
        idle_.push_back(std::move(resolver));
        pool_changed_.notify_one();
    }

    Result<TlsaLookup> fetch(const Name& name, Clock::time_point deadline) {
        auto resolver = acquire(deadline);
        if (!resolver.ok())
            return resolver.error();
        auto lookup = (*resolver)->lookup_tlsa(name);
        release(std::move(*resolver));
        return lookup;
    }

    TlsaAuthenticatorConfig config_;

    std::mutex pool_mutex_;
    std::condition_variable pool_changed_;
    std::vector<std::unique_ptr<Resolver>> idle_;
    std::size_t created_ = 0;

    std::mutex cache_mutex_;
    std::unordered_map<std::string, CacheEntry> cache_;
};

} // namespace

Result<Authenticator> make_tlsa_authenticator(
    const TlsaAuthenticatorConfig& config) {
    if (config.max_lookups == 0)
        return make_error(ErrorCategory::usage,
                          "the number of lookups in flight must be at "
                          "least 1");
    auto first = Resolver::create(config.resolver);
    if (!first.ok())
        return first.error();

    auto authenticator =
        std::make_shared<TlsaAuthenticator>(config, std::move(*first));
    return Authenticator(
        [authenticator](const Name& name,
                        const std::vector<std::vector<std::uint8_t>>& chain,
                        Clock::time_point deadline) {
            return authenticator->authenticate(name, chain, deadline);
        });
}

} // namespace dance
