#!/usr/bin/env bash
# Sources the generated bash completion and checks what <TAB> offers after
# "dance tl" and "dance tlsa --us", and the values of a set-checked option.
# Skips (77) until tlsa is registered.
set -u
completion=$1

# compopt only works inside a real completion; here it is a no-op.
compopt() { :; }
# shellcheck source=/dev/null
source "$completion" || exit 1

if ! grep -q '^ *tlsa) options=' "$completion"; then
    echo "SKIP: the CLI has no tlsa subcommand yet"
    exit 77
fi

failed=0

# Sets COMP_WORDS to the words given, the cursor in the last one, and
# checks COMPREPLY against the expected words.
expect_completion() {
    local expected=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _dance
    local offered="${COMPREPLY[*]}"
    if [[ $offered != "$expected" ]]; then
        echo "FAIL: '$*<TAB>' offered '$offered', expected '$expected'"
        failed=1
    else
        echo "ok: '$*<TAB>' offers '$offered'"
    fi
}

expect_completion "tlsa" dance tl
expect_completion "--usage" dance tlsa --us

# Values from a CLI11 set check, also after "--option=".
if grep -q '"zone-check --fail-on"' "$completion"; then
    expect_completion "warning" dance zone-check --fail-on w
    expect_completion "sarif" dance zone-check --format = s
fi

exit $failed
