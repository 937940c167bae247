#!/usr/bin/env bash
# Loads the generated fish completion and checks what fish offers after
# "dance tl" and "dance tlsa --us". Skips (77) until tlsa is registered.
set -u
completion=$1

if ! grep -q '__fish_seen_subcommand_from tlsa' "$completion"; then
    echo "SKIP: the CLI has no tlsa subcommand yet"
    exit 77
fi

failed=0

# Checks the candidates fish lists for a command line, descriptions cut.
expect_completion() {
    local expected=$1 line=$2 offered
    offered=$(fish --no-config -c "source '$completion'; complete -C '$line'" |
        cut -f1 | tr '\n' ' ' | sed 's/ $//')
    if [[ $offered != "$expected" ]]; then
        echo "FAIL: '$line<TAB>' offered '$offered', expected '$expected'"
        failed=1
    else
        echo "ok: '$line<TAB>' offers '$offered'"
    fi
}

expect_completion "tlsa" "dance tl"
expect_completion "--usage" "dance tlsa --us"

exit $failed
