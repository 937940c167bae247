#!/usr/bin/env python3
"""Checks that the generated docs match the CLI they were generated from.

    check_cli_docs.py completions CLI_JSON BASH ZSH FISH
    check_cli_docs.py man CLI_JSON PAGE ROFF
    check_cli_docs.py pages CLI_JSON PAGE,PAGE,...   (the pages built)
    check_cli_docs.py exit-codes EXIT_CODES_HPP DANCE_SCD
    check_cli_docs.py cli                 (runs $DANCE_BIN)

Each failure prints one line naming the file, the subcommand and the
missing or unexpected item; the exit status is 1 when any check failed.
"""

import json
import os
import re
import subprocess
import sys

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


def load_json(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def read(path):
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def scopes(cli):
    """Yield (subcommand name or "", app) for the top level and each one."""
    yield "", cli
    for sub in cli["subcommands"]:
        yield sub["name"], sub


# --------------------------------------------------------- completions


def bash_scope_text(script, scope):
    label = '""' if scope == "" else scope
    match = re.search(rf"^\s*{re.escape(label)}\) options='([^']*)' ;;$",
                      script, re.MULTILINE)
    return match.group(1).split() if match else None


def check_bash(cli, path):
    script = read(path)
    for scope, app in scopes(cli):
        words = bash_scope_text(script, scope)
        if words is None:
            fail(f"{path}: no option list for '{scope or 'dance'}'")
            continue
        for option in app["options"]:
            for name in option["names"]:
                if name not in words:
                    fail(f"{path}: '{scope or 'dance'}' lacks {name}")
            for choice in option["choices"]:
                arm = f'"{scope} {option["names"][-1]}"'
                if arm not in script or choice not in script.split(arm)[1]:
                    fail(f"{path}: {scope} {option['names'][-1]} lacks the "
                         f"value {choice}")
    names = re.search(r"compgen -W '([^']*)' -- \"\$cur\"\)\)\n    else",
                      script)
    listed = names.group(1).split() if names else []
    for sub in cli["subcommands"]:
        if sub["name"] not in listed:
            fail(f"{path}: subcommand {sub['name']} is not offered")


def zsh_function_text(script, scope):
    function = "_dance" + ("_" + scope.replace("-", "_") if scope else "")
    match = re.search(rf"^{function}\(\) {{\n(.*?)^}}$", script,
                      re.MULTILINE | re.DOTALL)
    return match.group(1) if match else None


def check_zsh(cli, path):
    script = read(path)
    for scope, app in scopes(cli):
        body = zsh_function_text(script, scope)
        if body is None:
            fail(f"{path}: no function for '{scope or 'dance'}'")
            continue
        for option in app["options"]:
            for name in option["names"]:
                spec = re.compile(rf"'(\([^)]*\))?\*?{re.escape(name)}[=+]?\[")
                if not spec.search(body):
                    fail(f"{path}: '{scope or 'dance'}' lacks {name}")
    for sub in cli["subcommands"]:
        if f"'{sub['name']}:" not in script:
            fail(f"{path}: subcommand {sub['name']} is not offered")


def check_fish(cli, path):
    lines = read(path).split("\n")
    for scope, app in scopes(cli):
        condition = ("'__fish_use_subcommand'" if scope == "" else
                     f"'__fish_seen_subcommand_from {scope}'")
        scoped = [line for line in lines if f"-n {condition} " in line]
        for option in app["options"]:
            for name in option["names"]:
                flag = f"-l {name[2:]} " if name.startswith("--") else \
                    f"-s {name[1:]} "
                if not any(flag in line for line in scoped):
                    fail(f"{path}: '{scope or 'dance'}' lacks {name}")
    for sub in cli["subcommands"]:
        if not any(f"-a {sub['name']} " in line for line in lines):
            fail(f"{path}: subcommand {sub['name']} is not offered")


def check_completions(cli_path, bash, zsh, fish):
    cli = load_json(cli_path)
    check_bash(cli, bash)
    check_zsh(cli, zsh)
    check_fish(cli, fish)


# ----------------------------------------------------------------- man


def render(roff):
    """Render a page as plain text and return (text, groff warnings)."""
    warnings = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z", roff],
        capture_output=True, text=True, check=False).stderr
    text = subprocess.run(
        ["groff", "-man", "-Tascii", "-P-cbou", roff],
        capture_output=True, text=True, check=True).stdout
    return text, warnings


def section(text, heading):
    match = re.search(rf"^{heading}\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)", text,
                      re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def check_man(cli_path, page, roff):
    cli = load_json(cli_path)
    app = cli if page == "dance" else next(
        (sub for sub in cli["subcommands"] if sub["name"] == page), None)
    if app is None:
        fail(f"{roff}: no subcommand {page} in the dump")
        return

    text, warnings = render(roff)
    for line in warnings.strip().split("\n"):
        if line:
            fail(f"{roff}: groff warning: {line}")

    headings = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS",
                "EXIT STATUS", "SEE ALSO"]
    if page != "dance":
        headings.append("EXAMPLES")
    for heading in headings:
        if not section(text, heading).strip():
            fail(f"{roff}: section {heading} is missing or empty")

    options = section(text, "OPTIONS")
    for option in app["options"]:
        for name in option["names"]:
            if not re.search(rf"(^|[\s,]){re.escape(name)}\b", options):
                fail(f"{roff}: OPTIONS lacks {name}")
    for positional in app["positionals"]:
        if positional["name"] not in options:
            fail(f"{roff}: OPTIONS lacks the argument {positional['name']}")

    if page == "dance":
        listed = section(text, "SUBCOMMANDS")
        for sub in cli["subcommands"]:
            if not re.search(rf"^\s+{re.escape(sub['name'])}\s*$", listed,
                             re.MULTILINE):
                fail(f"{roff}: SUBCOMMANDS lacks {sub['name']}")


def check_pages(cli_path, built):
    pages = set(built.split(","))
    for sub in load_json(cli_path)["subcommands"]:
        if f"dance-{sub['name']}" not in pages:
            fail(f"subcommand {sub['name']} has no man page: write "
                 f"man/dance-{sub['name']}.scd (its source file must be "
                 f"tools/dance/cmd_{sub['name'].replace('-', '_')}.cpp)")


# ---------------------------------------------------------- exit codes


def check_exit_codes(header_path, scd_path):
    header = read(header_path)
    declared = [int(code) for code in
                re.findall(r"^\s*exit_\w+\s*=\s*(\d+),", header,
                           re.MULTILINE)]
    if not declared:
        fail(f"{header_path}: no exit codes found")

    scd = read(scd_path)
    match = re.search(r"^# EXIT STATUS\n(.*?)(?=^# |\Z)", scd,
                      re.MULTILINE | re.DOTALL)
    if not match:
        fail(f"{scd_path}: no EXIT STATUS section")
        return
    documented = [int(code) for code in
                  re.findall(r"^\*(\d+)\*\s*$", match.group(1),
                             re.MULTILINE)]
    if documented != declared:
        fail(f"{scd_path}: EXIT STATUS lists {documented}, but "
             f"{header_path} declares {declared}")


# ----------------------------------------------------------------- cli


def run_dance(*args):
    return subprocess.run([os.environ["DANCE_BIN"], *args],
                          capture_output=True, text=True, timeout=30,
                          check=False)


def check_usage_error(args):
    result = run_dance(*args)
    command = " ".join(["dance", *args])
    if result.returncode != 2:
        fail(f"'{command}' exited {result.returncode}, expected 2")
    if not result.stderr.startswith("dance: error: "):
        fail(f"'{command}' wrote {result.stderr!r} to standard error, "
             "expected 'dance: error: ...'")
    if result.stdout:
        fail(f"'{command}' wrote to standard output: {result.stdout!r}")


def check_cli():
    result = run_dance("--help")
    if result.returncode != 0:
        fail(f"'dance --help' exited {result.returncode}, expected 0")
    if "Usage: dance" not in result.stdout:
        fail(f"'dance --help' printed no usage line: {result.stdout!r}")

    check_usage_error(["--no-such-option"])

    cli = json.loads(run_dance("--dump-cli").stdout)
    for sub in cli["subcommands"]:
        result = run_dance(sub["name"], "--help")
        if result.returncode != 0:
            fail(f"'dance {sub['name']} --help' exited {result.returncode}")
        # A missing required option may be reported first, so the message
        # is not required to name the unknown one.
        check_usage_error([sub["name"], "--no-such-option"])


def main(argv):
    commands = {
        ("completions", 4): lambda: check_completions(*argv[2:]),
        ("man", 3): lambda: check_man(*argv[2:]),
        ("pages", 2): lambda: check_pages(*argv[2:]),
        ("exit-codes", 2): lambda: check_exit_codes(*argv[2:]),
        ("cli", 0): check_cli,
    }
    command = commands.get((argv[1] if len(argv) > 1 else "",
                            len(argv) - 2))
    if command is None:
        sys.exit(__doc__)
    command()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
