// Reading a whole input file, or standard input, with a size limit, so a
// directory, an endless device such as /dev/zero or a closed descriptor
// ends in an input error instead of a hang or a silent empty read.
#pragma once

#include "dance/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace dance {

// Reads `path` whole; "-" is standard input. `what` names the input in
// errors ("policy file", "trust anchor file"). Directories are rejected,
// and so is anything larger than `limit` octets: a regular file by its
// size before reading, a pipe or device once that much has been read.
Result<std::string> read_input_file(const std::string& path,
                                    std::string_view what, std::size_t limit);

} // namespace dance
