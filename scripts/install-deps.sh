#!/usr/bin/env bash
# Installs the Debian 12 packages that dance needs to build, test and
# benchmark. Safe to run again; installs only what is missing.
set -euo pipefail

packages=(
    # build
    g++ meson ninja-build pkg-config cmake
    libgnutls28-dev libgetdns-dev libssl-dev
    libcli11-dev nlohmann-json3-dev doctest-dev
    # Knot DNS's zone scanner and libdnssec, for dance zone-check
    libknot-dev
    # nettle's static library (SHA-2), linked into the dance executable
    nettle-dev
    # test peers and the loopback DNSSEC test bed
    gnutls-bin openssl nsd unbound ldnsutils bind9-dnsutils getdns-utils
    knot-dnsutils iproute2 python3
    # JSON checks in the dance verify integration tests
    jq
    # fuzzing and sanitizers (clang's runtime for -fsanitize=fuzzer)
    clang libclang-rt-14-dev
    # docs and shell completions
    scdoc bash-completion groff-base zsh fish
    # benchmarks
    hyperfine valgrind
    # kzonecheck, the peer of bench/zone.sh
    knot-dnssecutils time
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "install-deps: missing packages: ${missing[*]}" >&2
        echo "install-deps: run this script as root, or install them" >&2
        exit 1
    fi
    sudo=(sudo)
fi

# Installing nsd and unbound would start Debian's services, and unbound's
# would resolve from the internet's root servers and fetch the root key.
# The tests start their own instances on loopback, so a policy-rc.d that
# denies service starts is put in place first when none exists.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
