#!/usr/bin/env python3
"""Generate shell completions and man-page sections from `dance --dump-cli`.

The dump comes from the same CLI11 definitions that print --help, so the
completions and the SYNOPSIS and OPTIONS sections cannot drift from it.

    cli-docs.py completion {bash,zsh,fish} CLI_JSON OUTPUT
    cli-docs.py man CLI_JSON PAGE SOURCE.scd OUTPUT.scd [CHECKS]

PAGE is "dance" for dance(1) or a subcommand name such as "tlsa". SOURCE is
hand-written scdoc with marker lines (a scdoc comment, so an unexpanded
marker never reaches the page) where the generated sections go:

    ; @SYNOPSIS@      the SYNOPSIS section
    ; @OPTIONS@       the OPTIONS section
    ; @SUBCOMMANDS@   the SUBCOMMANDS section, a list of subcommands
    ; @SUBCOMMAND_PAGES@  a paragraph naming each subcommand's page
    ; @CHECKS@        the CHECKS section, from CHECKS: the output of
                      `dance zone-check --list-checks`
"""

import json
import re
import sys

MARKERS = ("SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "SUBCOMMAND_PAGES",
           "CHECKS")


def load(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def read(path):
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def subcommand(cli, name):
    """Return the subcommand called name, or an empty stand-in.

    A source file compiled in before its subcommand is registered must not
    break the build, so the page is still written, without options, and
    the docs tests report the missing subcommand.
    """
    for sub in cli["subcommands"]:
        if sub["name"] == name:
            return sub
    known = ", ".join(sub["name"] for sub in cli["subcommands"])
    print(f"cli-docs: warning: no subcommand '{name}' in the dump "
          f"(registered: {known})", file=sys.stderr)
    return {"name": name, "description": "", "footer": "", "options": [],
            "positionals": [], "subcommands": []}


def long_or_first_name(option):
    longs = [name for name in option["names"] if name.startswith("--")]
    return longs[0] if longs else option["names"][0]


# Value names that say the value is a path; CLI11's ExistingFile,
# ExistingDirectory and ExistingPath checks describe themselves the same way.
FILE_WORDS = {"FILE", "PATH"}
DIR_WORDS = {"DIR", "DIRECTORY"}


def value_kind(option):
    """Return "file", "dir", "any" or "" for what an option's value names.

    "any" is an option left with CLI11's generic TEXT value name: it may
    well be a path, so the shells offer file names. A specific value name
    such as NAME or SECONDS gets no completion.
    """
    words = set(option.get("validators", [])) | {option["value_name"]}
    if words & DIR_WORDS:
        return "dir"
    if words & FILE_WORDS:
        return "file"
    if option["value_name"] == "TEXT":
        return "any"
    return ""


# ---------------------------------------------------------------- bash


def bash_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def bash_value_cases(scope, options):
    """Yield case-arms completing the value after an option in scope."""
    for option in options:
        if option["flag"]:
            continue
        patterns = "|".join(f'"{scope} {name}"' for name in option["names"])
        if option["choices"]:
            words = bash_quote(" ".join(option["choices"]))
            action = f'COMPREPLY=($(compgen -W {words} -- "$cur"))'
        elif value_kind(option) == "dir":
            action = 'COMPREPLY=($(compgen -d -- "$cur"))'
        elif value_kind(option) in ("file", "any"):
            action = 'COMPREPLY=($(compgen -f -- "$cur"))'
        else:
            # Free text: offer nothing rather than file names.
            action = "compopt +o default 2>/dev/null"
        yield f"        {patterns})\n            {action}\n            return ;;"


def option_words(options):
    return " ".join(name for option in options for name in option["names"])


def generate_bash(cli):
    subs = cli["subcommands"]
    names = " ".join(sub["name"] for sub in subs)
    pattern = "|".join(sub["name"] for sub in subs) or "''"
    option_arms = [f'        "") options={bash_quote(option_words(cli["options"]))} ;;']
    value_arms = list(bash_value_cases("", cli["options"]))
    positional_arms = []
    for sub in subs:
        option_arms.append(
            f'        {sub["name"]}) options='
            f'{bash_quote(option_words(sub["options"]))} ;;')
        value_arms.extend(bash_value_cases(sub["name"], sub["options"]))
        kinds = {value_kind(p) for p in sub["positionals"]}
        if "dir" in kinds:
            positional_arms.append(
                f'            {sub["name"]}) COMPREPLY=($(compgen -d -- "$cur")) ;;')
        elif kinds & {"file", "any"}:
            positional_arms.append(
                f'            {sub["name"]}) COMPREPLY=($(compgen -f -- "$cur")) ;;')

    return f"""# bash completion for dance.
# Generated from `dance --dump-cli` by scripts/cli-docs.py: edit the CLI11
# definitions in tools/dance/, not this file.

_dance() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}}
    local prev=""
    local subcommand="" options i
    local -i before=$((COMP_CWORD - 1))

    # COMP_WORDBREAKS splits "--opt=value" into "--opt", "=" and "value".
    if [[ $cur == "=" ]]; then
        cur=""
        before=$((COMP_CWORD - 1))
    elif ((before > 0)) && [[ ${{COMP_WORDS[before]}} == "=" ]]; then
        before=$((before - 1))
    fi
    ((before > 0)) && prev=${{COMP_WORDS[before]}}

    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
            {pattern})
                subcommand=${{COMP_WORDS[i]}}
                break ;;
        esac
    done

    case "$subcommand $prev" in
{chr(10).join(value_arms) or '        "") ;;'}
    esac

    case $subcommand in
{chr(10).join(option_arms)}
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [[ -z $subcommand ]]; then
        COMPREPLY=($(compgen -W {bash_quote(names)} -- "$cur"))
    else
        case $subcommand in
{chr(10).join(positional_arms) or '            "") ;;'}
        esac
    fi
}}

complete -o default -F _dance dance
"""


# ----------------------------------------------------------------- zsh


def zsh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def zsh_escape_description(text):
    first_line = text.split("\n")[0]
    return (first_line.replace("\\", "\\\\").replace("[", "\\[")
            .replace("]", "\\]"))


def zsh_escape_message(text):
    return text.replace("\\", "\\\\").replace(":", "\\:")


def zsh_action(option):
    if option["choices"]:
        escaped = [choice.replace("\\", "\\\\").replace(" ", "\\ ")
                   .replace("(", "\\(").replace(")", "\\)")
                   for choice in option["choices"]]
        return "(" + " ".join(escaped) + ")"
    kind = value_kind(option)
    if kind == "dir":
        return "_files -/"
    if kind in ("file", "any"):
        return "_files"
    return " "


def zsh_option_specs(options):
    specs = []
    for option in options:
        names = option["names"]
        description = zsh_escape_description(option["description"])
        exclusion = "" if option["repeatable"] else "(" + " ".join(names) + ")"
        prefix = "*" if option["repeatable"] else ""
        for name in names:
            if option["flag"]:
                form = name
                value = ""
            else:
                form = name + ("=" if name.startswith("--") else "+")
                message = zsh_escape_message(
                    option["value_name"] or "value")
                value = f":{message}:{zsh_action(option)}"
            spec = f"{exclusion}{prefix}{form}[{description}]{value}"
            specs.append(zsh_quote(spec))
    return specs


def zsh_positional_specs(positionals):
    specs = []
    for index, positional in enumerate(positionals, start=1):
        message = zsh_escape_message(positional["name"])
        action = zsh_action(positional)
        if positional["expected_max"] != 1:
            specs.append(zsh_quote(f"*:{message}:{action}"))
        else:
            specs.append(zsh_quote(f"{index}:{message}:{action}"))
    return specs


def zsh_arguments(specs, indent="    "):
    joined = f" \\\n{indent}    ".join(specs)
    return f"{indent}_arguments -s -S \\\n{indent}    {joined}"


def generate_zsh(cli):
    functions = []
    command_entries = []
    dispatch = []
    for sub in cli["subcommands"]:
        function = "_dance_" + sub["name"].replace("-", "_")
        specs = (zsh_option_specs(sub["options"])
                 + zsh_positional_specs(sub["positionals"]))
        functions.append(f"{function}() {{\n{zsh_arguments(specs)}\n}}\n")
        entry = sub["name"] + ":" + sub["description"].split("\n")[0]
        command_entries.append("        " + zsh_quote(entry))
        dispatch.append(f"                {sub['name']}) {function} ;;")

    top_specs = zsh_option_specs(cli["options"]) + [
        zsh_quote("1:subcommand:->subcommand"),
        zsh_quote("*::argument:->argument"),
    ]
    top = zsh_arguments(top_specs).replace("_arguments -s -S",
                                           "_arguments -C -s -S")
    return f"""#compdef dance
# zsh completion for dance.
# Generated from `dance --dump-cli` by scripts/cli-docs.py: edit the CLI11
# definitions in tools/dance/, not this file.

{chr(10).join(functions)}
_dance() {{
    local curcontext=$curcontext state line
    local -a subcommands=(
{chr(10).join(command_entries)}
    )
{top}

    case $state in
        subcommand)
            _describe -t subcommands 'dance subcommand' subcommands ;;
        argument)
            curcontext=${{curcontext%:*:*}}:dance-$words[1]:
            case $words[1] in
{chr(10).join(dispatch) or '                "") ;;'}
            esac ;;
    esac
}}

_dance "$@"
"""


# ---------------------------------------------------------------- fish


def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_option_lines(condition, options):
    for option in options:
        parts = ["complete -c dance", "-n", fish_quote(condition)]
        for name in option["names"]:
            if name.startswith("--"):
                parts += ["-l", name[2:]]
            else:
                parts += ["-s", name[1:]]
        if not option["flag"]:
            if option["choices"]:
                parts += ["-x", "-a", fish_quote(" ".join(option["choices"]))]
            elif value_kind(option) == "dir":
                parts += ["-x", "-a", "'(__fish_complete_directories)'"]
            elif value_kind(option):
                parts += ["-r", "-F"]
            else:
                parts += ["-x"]
        parts += ["-d", fish_quote(option["description"].split("\n")[0])]
        yield " ".join(parts)


def generate_fish(cli):
    lines = [
        "# fish completion for dance.",
        "# Generated from `dance --dump-cli` by scripts/cli-docs.py: edit the",
        "# CLI11 definitions in tools/dance/, not this file.",
        "",
        "complete -c dance -f",
    ]
    lines += fish_option_lines("__fish_use_subcommand", cli["options"])
    for sub in cli["subcommands"]:
        description = sub["description"].split("\n")[0]
        lines.append(
            "complete -c dance -n __fish_use_subcommand -a "
            f"{sub['name']} -d {fish_quote(description)}")
    for sub in cli["subcommands"]:
        condition = f"__fish_seen_subcommand_from {sub['name']}"
        lines.append("")
        lines += fish_option_lines(condition, sub["options"])
        if any(value_kind(p) for p in sub["positionals"]):
            lines.append(f"complete -c dance -n {fish_quote(condition)} -F")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- man


def scd_escape(text):
    """Escape scdoc's emphasis characters and a leading list marker."""
    escaped = (text.replace("\\", "\\\\").replace("*", "\\*")
               .replace("_", "\\_"))
    lines = []
    for line in escaped.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("-", "+", ". ", "#")):
            line = line.replace(stripped, "\\" + stripped, 1)
        lines.append(line)
    return "\n".join(lines)


def option_synopsis(option):
    name = long_or_first_name(option)
    text = f"*{scd_escape(name)}*"
    if not option["flag"]:
        text += f" _{scd_escape(option['value_name'] or 'VALUE')}_"
    return text


def positional_synopsis(positional):
    text = f"_{scd_escape(positional['name'])}_"
    if positional["expected_max"] != 1:
        text += "..."
    if not positional["required"]:
        text = f"[{text}]"
    return text


def synopsis_section(command, app):
    words = [f"*{scd_escape(command)}*"]
    optional = False
    for option in app["options"]:
        if option["required"]:
            words.append(option_synopsis(option))
        else:
            optional = True
    if optional:
        words.insert(1, "[_options_]")
    words += [positional_synopsis(p) for p in app["positionals"]]
    if app["subcommands"]:
        words.append("_subcommand_ [_options_]")
    return "# SYNOPSIS\n\n" + " ".join(words) + "\n"


def option_heading(option):
    names = ", ".join(f"*{scd_escape(name)}*" for name in option["names"])
    if not option["flag"]:
        names += f" _{scd_escape(option['value_name'] or 'VALUE')}_"
    return names


def option_notes(option):
    notes = []
    if option["choices"]:
        choices = ", ".join(f"*{scd_escape(c)}*" for c in option["choices"])
        notes.append(f"One of {choices}.")
    if option["default"]:
        notes.append(f"Default: {scd_escape(option['default'])}.")
    if option["required"]:
        notes.append("Required.")
    if option["repeatable"] and not option["flag"]:
        notes.append("May be given more than once.")
    if option["excludes"]:
        excluded = ", ".join(f"*{scd_escape(n)}*" for n in option["excludes"])
        notes.append(f"Cannot be combined with {excluded}.")
    if option["needs"]:
        needed = ", ".join(f"*{scd_escape(n)}*" for n in option["needs"])
        notes.append(f"Requires {needed}.")
    if option["envname"]:
        notes.append(f"Environment: *{scd_escape(option['envname'])}*.")
    return notes


def sentence(text):
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", ":")) \
        else text + "."


def option_entry(heading, option):
    body = scd_escape(sentence(option["description"])).split("\n")
    notes = option_notes(option)
    if notes:
        body.append(" ".join(notes))
    indented = "\n".join("\t" + line if line else "" for line in body)
    return f"{heading}\n{indented}\n"


def options_section(app):
    entries = [option_entry(f"_{scd_escape(p['name'])}_", p)
               for p in app["positionals"]]
    groups = []
    for option in app["options"]:
        if option["group"] not in groups:
            groups.append(option["group"])
    for group in groups:
        if len(groups) > 1 and group != "Options":
            entries.append(f"## {scd_escape(group).upper()}\n")
        entries += [option_entry(option_heading(o), o)
                    for o in app["options"] if o["group"] == group]
    return "# OPTIONS\n\n" + "\n".join(entries)


def subcommands_section(cli):
    entries = []
    for sub in cli["subcommands"]:
        first_line = sub["description"].split("\n")[0]
        entries.append(
            f"*{sub['name']}*\n\t{scd_escape(sentence(first_line))} "
            f"See *dance-{sub['name']}*(1).\n")
    return "# SUBCOMMANDS\n\n" + "\n".join(entries)


def subcommand_pages(cli):
    return ", ".join(f"*dance-{sub['name']}*(1)" for sub in cli["subcommands"])


def checks_section(listing):
    """Turn "ID (severity): meaning" lines into a definition list."""
    if listing is None:
        sys.exit("cli-docs: the page has a '; @CHECKS@' marker, so give "
                 "the output of 'dance zone-check --list-checks'")
    entries = []
    for line in listing.strip().split("\n"):
        match = re.fullmatch(r"(\S+) \((\w+)\): (.+)", line)
        if not match:
            sys.exit(f"cli-docs: unexpected check listing line: {line!r}")
        check, severity, meaning = match.groups()
        entries.append(f"*{scd_escape(check)}* ({severity})\n"
                       f"\t{scd_escape(meaning)}\n")
    return "# CHECKS\n\n" + "\n".join(entries)


def generate_man(cli, page, source, listing=None):
    if page == "dance":
        app, command = cli, "dance"
    else:
        app, command = subcommand(cli, page), f"dance {page}"
    sections = {
        "SYNOPSIS": synopsis_section(command, app),
        "OPTIONS": options_section(app),
        "SUBCOMMANDS": subcommands_section(cli),
        "SUBCOMMAND_PAGES": subcommand_pages(cli),
    }
    if "; @CHECKS@" in source:
        sections["CHECKS"] = checks_section(listing)

    lines = []
    found = set()
    for line in source.split("\n"):
        marker = line.strip()
        name = marker[3:-1] if marker.startswith("; @") else ""
        if name in MARKERS and marker.endswith("@"):
            lines.append(sections[name].rstrip("\n"))
            found.add(name)
        else:
            lines.append(line)
    for required in ("SYNOPSIS", "OPTIONS"):
        if required not in found:
            sys.exit(f"cli-docs: the source of {page}(1) lacks the marker "
                     f"line '; @{required}@'")
    return "\n".join(lines)


def main(argv):
    if len(argv) == 5 and argv[1] == "completion":
        generators = {"bash": generate_bash, "zsh": generate_zsh,
                      "fish": generate_fish}
        if argv[2] not in generators:
            sys.exit(f"cli-docs: unknown shell '{argv[2]}': "
                     "use bash, zsh or fish")
        write(argv[4], generators[argv[2]](load(argv[3])))
        return 0
    if len(argv) in (6, 7) and argv[1] == "man":
        source = read(argv[4])
        listing = read(argv[6]) if len(argv) == 7 else None
        write(argv[5], generate_man(load(argv[2]), argv[3], source, listing))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
