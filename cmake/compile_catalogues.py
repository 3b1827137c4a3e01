#!/usr/bin/env python3
"""Compiles the message catalogues (libsign/i18n/*.toml) into C++ tables.

Each catalogue becomes an array of {"section.key", "text"} sorted by key, searched by bisection
at run time: nothing is parsed when a process starts (parsing the TOML was a twentieth of a
short `xsign verify`). A catalogue that is not TOML, has a key outside a section or a value that
is not a string fails the build, naming the file.

usage: compile_catalogues.py OUT.cpp NAME=FILE.toml...
"""
import sys
import tomllib


def c_string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append("\\%03o" % code)
        elif ch == "?":
            out.append("\\?")  # no trigraphs
        else:
            out.append(ch)  # UTF-8 source text as it is
    return '"' + "".join(out) + '"'


def entries(path: str):
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        sys.exit(f"message catalogue {path} is broken: {e}")
    out = []
    for section, body in table.items():
        if not isinstance(body, dict):
            sys.exit(f"message catalogue {path}: '{section}' is not a section")
        for key, text in body.items():
            if not isinstance(text, str):
                sys.exit(f"message catalogue {path}: {section}.{key} is not a string")
            out.append((f"{section}.{key}", text))
    return sorted(out, key=lambda e: e[0].encode("utf-8"))


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    lines = [
        "// Generated from libsign/i18n/*.toml by cmake/compile_catalogues.py: edit those files.",
        '#include "i18n/catalogue_sources.hpp"',
        "",
        "namespace sign::detail {",
    ]
    for spec in sys.argv[2:]:
        name, path = spec.split("=", 1)
        rows = entries(path)
        lines.append(f"constexpr CatalogueEntry kCatalogue{name}Entries[] = {{")
        lines += [f"    {{{c_string(k)}, {c_string(v)}}}," for k, v in rows]
        lines.append("};")
        lines.append(f"constinit const std::span<const CatalogueEntry> kCatalogue{name}(kCatalogue{name}Entries);")
    lines.append("}  // namespace sign::detail")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


main()
