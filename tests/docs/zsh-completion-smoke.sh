#!/usr/bin/env bash
# Runs the generated zsh completion in a real zsh and checks what <TAB>
# offers after "dance tl", "dance tlsa --us" and "dance zone-check
# --fail-on ". Skips (77) until tlsa is registered.
set -u
completion=$1
here=$(cd "$(dirname "$0")" && pwd)
completion_dir=$(cd "$(dirname "$completion")" && pwd)

if ! grep -q '^_dance_tlsa()' "$completion"; then
    echo "SKIP: the CLI has no tlsa subcommand yet"
    exit 77
fi

failed=0

# Checks the candidates, sorted and joined with spaces, for a command line.
expect_completion() {
    local expected=$1 line=$2 offered
    offered=$(timeout 30 zsh -f "$here/zsh-completion-capture.zsh" \
        "$completion_dir" "$line" | tr '\n' ' ' | sed 's/ $//')
    if [[ $offered != "$expected" ]]; then
        echo "FAIL: '$line<TAB>' offered '$offered', expected '$expected'"
        failed=1
    else
        echo "ok: '$line<TAB>' offers '$offered'"
    fi
}

expect_completion "tlsa" "dance tl"
expect_completion "--usage" "dance tlsa --us"
if grep -q '^_dance_zone_check()' "$completion"; then
    expect_completion "error notice warning" "dance zone-check --fail-on "
fi

exit $failed
