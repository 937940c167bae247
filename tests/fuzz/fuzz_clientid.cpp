// Fuzzes the dane_clientid decoders with arbitrary extension_data and
// checks the invariants the handshake layer relies on.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dance/clientid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);

    const dance::ClientIdDecode decoded =
        dance::decode_client_extension(input);
    if (decoded.ok() == decoded.error.has_value())
        std::abort();

    // An accepted name re-encodes to exactly the input octets.
    if (decoded.ok()) {
        auto encoded = dance::encode_client_extension(*decoded.client_name);
        if (!encoded.ok())
            std::abort();
        if (encoded->size() != size ||
            !std::equal(encoded->begin(), encoded->end(), data))
            std::abort();
    }

    (void)dance::decode_server_extension(input);
    return 0;
}
