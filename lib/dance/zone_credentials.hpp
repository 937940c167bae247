// Credentials for the zone checks, each with the owner name its TLSA
// records live at, read from a directory.
#pragma once

#include "dance/credential.hpp"
#include "dance/error.hpp"
#include "dance/name.hpp"

#include <string>
#include <vector>

namespace dance {

struct OwnedCredential {
    Credential credential;
    Name owner;
    bool next = false; // the next key of a rollover, published in advance
};

struct CredentialSet {
    std::string directory;
    std::vector<OwnedCredential> entries;

    // Credential files that name no owner: no mapping entry and no
    // dNSName. Reported as credential-no-owner notices.
    std::vector<std::string> unowned;
};

// Loads the credentials in `directory` and in its `next/` subdirectory
// (files ending .pem, .crt, .cer, .der, .pub or .key; keys in `next/` are
// next keys). Owner names come from `map_file` when it is not empty, with
// lines "FILE OWNER [next]" (FILE relative to `directory`, '#' comments);
// a file the map does not list, or every file without a map, uses each
// dNSName of its leaf certificate as an owner. Errors (category input)
// name the file that cannot be read and why.
Result<CredentialSet> load_credential_set(const std::string& directory,
                                          const std::string& map_file);

} // namespace dance
