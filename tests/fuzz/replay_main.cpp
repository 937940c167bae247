// Runs a fuzz target over every file of its corpus directories, so the
// corpus is replayed in each ordinary test run without libFuzzer.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

int replay_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "replay: cannot open " << path << '\n';
        return 1;
    }
    std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    LLVMFuzzerTestOneInput(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t replayed = 0;
    int failures = 0;

    for (int i = 1; i < argc; ++i) {
        std::filesystem::path root(argv[i]);
        if (std::filesystem::is_regular_file(root)) {
            failures += replay_file(root);
            ++replayed;
            continue;
        }
        for (const auto& entry :
             std::filesystem::recursive_directory_iterator(root)) {
            if (!entry.is_regular_file())
                continue;
            failures += replay_file(entry.path());
            ++replayed;
        }
    }

    std::cout << "replayed " << replayed << " inputs\n";
    if (replayed == 0) {
        std::cerr << "replay: no corpus inputs found\n";
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
