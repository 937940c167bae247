// Handshake load generator for bench/tls.sh: THREADS threads each run
// dance's TLS client in a loop against 127.0.0.1:PORT for SECONDS and
// count handshakes that end accepted. Prints one JSON line.
//
//   tls_load PORT THREADS SECONDS CERT KEY [CLIENT_NAME]
//
// Without CLIENT_NAME no dane_clientid is sent (the plain mutual-TLS
// baseline). Built by bench/tls.sh against build/lib/libdance.so.
#include "dance/handshake.hpp"
#include "dance/net.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: tls_load PORT THREADS SECONDS CERT KEY "
                             "[CLIENT_NAME]\n");
        return 2;
    }
    const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
    const int threads = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);

    dance::ClientConfig config;
    config.certificate_file = argv[4];
    config.key_file = argv[5];
    if (argc > 6)
        config.client_name = argv[6];
    config.verdict_wait = std::chrono::milliseconds(2000);

    std::atomic<long> accepted{0}, rejected{0}, failed{0};
    std::mutex latency_mutex;
    std::vector<double> latencies;
    const auto end = dance::Clock::now() +
                     std::chrono::milliseconds(static_cast<long>(seconds * 1000));

    auto worker = [&] {
        auto client = dance::TlsClient::create(config);
        if (!client.ok()) {
            std::fprintf(stderr, "%s\n", client.error().message.c_str());
            std::exit(2);
        }
        std::vector<double> local;
        while (dance::Clock::now() < end) {
            const auto start = dance::Clock::now();
            auto fd = dance::connect_tcp({"127.0.0.1", port},
                                         start + std::chrono::seconds(10));
            if (!fd.ok()) {
                ++failed;
                continue;
            }
            auto report =
                client->handshake(*fd, start + std::chrono::seconds(10));
            ::close(*fd);
            const double ms =
                std::chrono::duration<double, std::milli>(dance::Clock::now() -
                                                          start)
                    .count();
            if (report.outcome == dance::ClientOutcome::accepted) {
                ++accepted;
                local.push_back(ms);
            } else if (report.outcome == dance::ClientOutcome::rejected) {
                ++rejected;
            } else {
                ++failed;
            }
        }
        std::lock_guard lock(latency_mutex);
        latencies.insert(latencies.end(), local.begin(), local.end());
    };

    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back(worker);
    for (auto& thread : pool)
        thread.join();

    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        if (latencies.empty())
            return 0.0;
        return latencies[static_cast<std::size_t>(
            p * static_cast<double>(latencies.size() - 1))];
    };
    std::printf("{\"accepted\": %ld, \"rejected\": %ld, \"failed\": %ld, "
                "\"per_second\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, "
                "\"max_ms\": %.2f}\n",
                accepted.load(), rejected.load(), failed.load(),
                static_cast<double>(accepted.load()) / seconds,
                percentile(0.5), percentile(0.99), percentile(1.0));
    return 0;
}
