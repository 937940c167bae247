#include "dance/zone_credentials.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace dance {

namespace {

namespace fs = std::filesystem;

struct MapEntry {
    Name owner;
    bool next = false;
};

bool is_credential_file(const fs::directory_entry& entry) {
    static const std::set<std::string> extensions = {".pem", ".crt", ".cer",
                                                     ".der", ".pub", ".key"};
    return entry.is_regular_file() &&
           extensions.count(entry.path().extension().string());
}

// Credential files of the directory and of next/, relative to it, sorted.
std::vector<std::string> list_files(const fs::path& directory) {
    std::vector<std::string> files;
    for (const char* sub : {"", "next"}) {
        fs::path folder = directory / sub;
        std::error_code error;
        if (!fs::is_directory(folder, error))
            continue;
        for (const fs::directory_entry& entry :
             fs::directory_iterator(folder, error)) {
            if (is_credential_file(entry))
                files.push_back(
                    (fs::path(sub) / entry.path().filename()).string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

Error map_error(const std::string& map_file, unsigned line,
                const std::string& detail) {
    return make_error(ErrorCategory::input,
                      "invalid credential map " + map_file + " line " +
                          std::to_string(line) + ": " + detail);
}

Result<std::multimap<std::string, MapEntry>>
read_map(const std::string& map_file) {
    std::multimap<std::string, MapEntry> entries;
    std::ifstream input(map_file);
    if (!input)
        return make_error(ErrorCategory::input, "cannot read credential map " +
                                                    map_file +
                                                    ": missing or unreadable");

    std::string line;
    unsigned number = 0;
    while (std::getline(input, line)) {
        ++number;
        std::istringstream words(line.substr(0, line.find('#')));
        std::string file, owner, flag, extra;
        if (!(words >> file))
            continue;
        if (!(words >> owner))
            return map_error(map_file, number, "expected 'FILE OWNER [next]'");
        words >> flag >> extra;
        if ((!flag.empty() && flag != "next") || !extra.empty())
            return map_error(map_file, number,
                             "unexpected '" + (extra.empty() ? flag : extra) +
                                 "': only the word 'next' may follow the "
                                 "owner name");
        Result<Name> name = Name::parse(owner);
        if (!name)
            return map_error(map_file, number, name.error().message);
        entries.emplace(fs::path(file).lexically_normal().string(),
                        MapEntry{*name, flag == "next"});
    }
    return entries;
}

bool in_next_folder(const std::string& file) {
    return fs::path(file).begin()->string() == "next";
}

Status add_credential(CredentialSet& set, const std::string& file,
                      const std::multimap<std::string, MapEntry>& map) {
    std::string path = (fs::path(set.directory) / file).string();
    Result<Credential> credential = load_credential(path);
    if (!credential)
        return credential.error();

    auto [first, last] = map.equal_range(file);
    for (auto it = first; it != last; ++it) {
        set.entries.push_back({*credential, it->second.owner,
                               it->second.next || in_next_folder(file)});
    }
    if (first != last)
        return Ok{};

    const CertificateInfo* leaf = credential->leaf();
    bool owned = false;
    for (const std::string& dns_name :
         leaf ? leaf->dns_names : std::vector<std::string>{}) {
        Result<Name> name = Name::parse(dns_name);
        if (!name)
            continue;
        set.entries.push_back({*credential, *name, in_next_folder(file)});
        owned = true;
    }
    if (!owned)
        set.unowned.push_back(path);
    return Ok{};
}

} // namespace

Result<CredentialSet> load_credential_set(const std::string& directory,
                                          const std::string& map_file) {
    std::error_code error;
    if (!fs::is_directory(directory, error))
        return make_error(ErrorCategory::input,
                          "cannot read credential directory " + directory +
                              ": not found or not a directory");

    std::multimap<std::string, MapEntry> map;
    if (!map_file.empty()) {
        auto read = read_map(map_file);
        if (!read)
            return read.error();
        map = std::move(*read);
    }

    std::vector<std::string> files = list_files(directory);
    for (const auto& [file, entry] : map) {
        if (std::find(files.begin(), files.end(), file) == files.end())
            files.push_back(file);
    }

    CredentialSet set;
    set.directory = directory;
    for (const std::string& file : files) {
        Status added = add_credential(set, file, map);
        if (!added)
            return added.error();
    }
    return set;
}

} // namespace dance
