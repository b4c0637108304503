#!/usr/bin/env python3
"""List pairs of Rust source files that import each other, in every crate
under harness/ (the layout rule of harness/ARCHITECTURE.md: no pair of
files imports each other). A file imports another when one of its paths
(`use` trees and inline `crate::`/`super::`/`self::` paths) names an item
of the module that file defines. Declaring `mod child;` is not an import.
A name re-exported with `pub use` counts as imported from the module that
defines it. A module and its own submodules are one unit (a parent that
calls its children, children that use the parent's types): only pairs of
files where neither is the other's ancestor are reported.
Exit status 1 when a pair exists. Usage: scripts/import-pairs.py [-v]"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness")


def module_files(src):
    """Map module path (tuple) -> file, for one crate's src/."""
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("lib", "main", "mod"):
                parts = parts[:-1]
            if parts and parts[0] == "bin":
                continue
            mods[tuple(parts)] = os.path.join(dirpath, f)
    return mods


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return text


def expand(tree):
    """Expand a use tree `a::{b, c::{d, e}}` into paths."""
    tree = re.sub(r"\s+", " ", tree)
    tree = re.sub(r"\s*(::|,|\{|\})\s*", r"\1", tree).strip()
    out = []

    def go(prefix, s):
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for p in parts:
            if not p:
                continue
            m = re.match(r"^(.*?)::\{(.*)\}$", p, re.S)
            if m:
                go(prefix + m.group(1).split("::"), m.group(2))
            elif p.startswith("{") and p.endswith("}"):
                go(prefix, p[1:-1])
            else:
                out.append(prefix + p.split(" as ")[0].split("::"))

    go([], tree)
    return out


def paths_of(text, me, mods):
    text = strip(text)
    children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M))
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        for p in expand(m.group(1)):
            found.append([x for x in p if x])
    for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", text):
        found.append(m.group(1).split("::"))
    targets = set()
    for p in found:
        t = resolve(p, me, mods, children)
        if t is not None:
            targets.add(t)
    targets.discard(me)
    return targets


def reexports(text, me, mods):
    """Names a module re-exports with `pub use`, each with the module path it
    comes from."""
    text = strip(text)
    children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M))
    out = {}
    for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
        for p in expand(m.group(1)):
            p = [x for x in p if x]
            t = resolve(p, me, mods, children)
            if t is not None and p:
                out[p[-1]] = t
    return out


REEXPORTS = {}


def resolve(p, me, mods, children):
    """The module (path tuple) whose item the path `p` names, or None for a
    path outside this crate."""
    if not p:
        return None
    if p[0] == "crate":
        base, rest = (), p[1:]
    elif p[0] == "super":
        base, rest = me[:-1], p[1:]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif p[0] == "self":
        base, rest = me, p[1:]
    elif p[0] in children:
        base, rest = me, p
    else:
        return None
    # the deepest module named by the path, then through re-exports
    best, i = base, 0
    while i < len(rest) and best + (rest[i],) in mods:
        best, i = best + (rest[i],), i + 1
    seen = set()
    while i < len(rest) and rest[i] in REEXPORTS.get(best, {}) and best not in seen:
        seen.add(best)
        best = REEXPORTS[best][rest[i]]
    return best


def main():
    verbose = "-v" in sys.argv
    pairs = []
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if not os.path.isdir(src):
            continue
        mods = module_files(src)
        REEXPORTS.clear()
        for me, path in mods.items():
            with open(path, encoding="utf-8") as f:
                REEXPORTS[me] = reexports(f.read(), me, mods)
        edges = {}
        for me, path in mods.items():
            with open(path, encoding="utf-8") as f:
                edges[me] = {t for t in paths_of(f.read(), me, mods) if t in mods}
        for a, ts in edges.items():
            for b in ts:
                ancestor = a == b[: len(a)] or b == a[: len(b)]
                if a < b and a in edges.get(b, ()) and not ancestor:
                    pairs.append((mods[a], mods[b]))
        if verbose:
            for a, ts in sorted(edges.items()):
                for b in sorted(ts):
                    print(f"{crate}: {'::'.join(a) or 'lib'} -> {'::'.join(b) or 'lib'}")
    for a, b in pairs:
        print(f"import pair: {os.path.relpath(a, ROOT + '/..')} <-> {os.path.relpath(b, ROOT + '/..')}")
    sys.exit(1 if pairs else 0)


if __name__ == "__main__":
    main()
