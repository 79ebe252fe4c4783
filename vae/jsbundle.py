"""One script from the page's ES modules: what the app registers and the export inlines.

The browser code lives in ES modules under components/ (see components/latent_map/), which
node's test runner imports as they are. Streamlit takes a component's JavaScript as one
string, and the exported page must be one file that works from file:// with no request, so
both get a bundle: each module imported by the entry (transitively, relative paths only)
becomes a function scope that returns its exports, in dependency order, and each `import {
a, b as c } from "./x.js"` becomes `const { a, b: c } = <that scope's result>`. The entry
stays at the top level (its `export default` is the component's entry point), or, for a
classic <script>, loses its `export` keywords.

The modules follow a few rules so that this stays a page of code rather than a bundler:
imports are named and relative (`import { a } from "./core/x.js"`, `import * as ns from
...`), exports are `export function|class|const` or `export { ... }` (no `export let`:
bundled bindings are copies, not live), and nothing runs a side effect another module
relies on at import time. A module that breaks a rule gets a BundleError naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

IMPORT = re.compile(
    r"^import\s+(?:\{(?P<names>[^}]*)\}|\*\s+as\s+(?P<ns>\w+))"
    r"\s+from\s+[\"'](?P<path>[^\"']+)[\"'];?[ \t]*$",
    re.MULTILINE,
)
ANY_IMPORT = re.compile(r"^import\b", re.MULTILINE)
EXPORT_DECL = re.compile(
    r"^export\s+(?:async\s+)?(?:function\*?|class|const)\s+(?P<name>[\w$]+)", re.MULTILINE
)
EXPORT_LIST = re.compile(r"^export\s*\{(?P<names>[^}]*)\};?[ \t]*$", re.MULTILINE)
EXPORT_LET = re.compile(r"^export\s+(?:let|var)\b", re.MULTILINE)
EXPORT_DEFAULT = re.compile(r"^export\s+default\b", re.MULTILINE)
EXPORT_KEYWORD = re.compile(r"^export\s+(?=(?:async\s+)?(?:function|class|const)\b)", re.MULTILINE)


class BundleError(ValueError):
    """A module the bundle cannot take, and why."""


def _split_names(text: str) -> list[tuple[str, str]]:
    """'a, b as c' -> [('a', 'a'), ('b', 'c')]: (exported name, local name)."""
    out = []
    for part in text.replace("\n", " ").split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.split()
        if len(bits) == 1:
            out.append((bits[0], bits[0]))
        elif len(bits) == 3 and bits[1] == "as":
            out.append((bits[0], bits[2]))
        else:
            raise BundleError(f"cannot read the import or export list {text!r}")
    return out


class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.name = f"{path.parent.name}/{path.name}"
        self.source = path.read_text(encoding="utf-8")
        self.imports = [
            (m, (path.parent / m["path"]).resolve()) for m in IMPORT.finditer(self.source)
        ]
        if len(self.imports) != len(ANY_IMPORT.findall(self.source)):
            raise BundleError(
                f'{self.name}: only `import {{ ... }} from "./relative.js"` is supported'
            )
        for m, _ in self.imports:
            if not m["path"].startswith("."):
                raise BundleError(f"{self.name}: import of {m['path']!r} is not a relative path")
        if EXPORT_LET.search(self.source):
            raise BundleError(
                f"{self.name}: `export let` would be a copy, not a live binding, once bundled"
            )
        self.exports = [m["name"] for m in EXPORT_DECL.finditer(self.source)]
        for m in EXPORT_LIST.finditer(self.source):
            self.exports += [
                f"{exported}: {local}" if local != exported else local
                for local, exported in _split_names(m["names"])
            ]

    def body(self, scopes: dict[Path, str]) -> str:
        """The source with its imports bound to the bundled scopes."""

        def bind(m: re.Match) -> str:
            target = scopes[(self.path.parent / m["path"]).resolve()]
            if m["ns"]:
                return f"const {m['ns']} = {target};"
            names = ", ".join(a if a == b else f"{a}: {b}" for a, b in _split_names(m["names"]))
            return f"const {{ {names} }} = {target};"

        return IMPORT.sub(bind, self.source)


def _order(entry: Path) -> list[_Module]:
    """The modules entry needs, each after the modules it imports; the entry last."""
    done: dict[Path, _Module] = {}
    visiting: list[Path] = []

    def visit(path: Path) -> None:
        if path in done:
            return
        if path in visiting:
            cycle = " -> ".join(p.name for p in visiting[visiting.index(path) :] + [path])
            raise BundleError(f"import cycle: {cycle}")
        if not path.is_file():
            raise BundleError(f"{path} is imported but does not exist")
        visiting.append(path)
        module = _Module(path)
        for _, dep in module.imports:
            visit(dep)
        visiting.pop()
        done[path] = module

    visit(entry.resolve())
    for module in done.values():
        _check_names(module, done)
    return list(done.values())


def _check_names(module: _Module, modules: dict[Path, _Module]) -> None:
    """A named import the target does not export: an error, as a browser's SyntaxError.

    (Bundled, it would be a silent `undefined` until first called.)"""
    for m, path in module.imports:
        if m["ns"]:
            continue
        target = modules[path]
        exported = {e.split(":")[0].strip() for e in target.exports}
        for name, _ in _split_names(m["names"]):
            if name not in exported:
                raise BundleError(
                    f"{module.name} imports {name!r}, which {target.name} does not export"
                )


def bundle(entry: str | Path, module: bool = True) -> str:
    """The entry module and every module it imports, as one script.

    module=True keeps the entry's exports (an ES module, e.g. a Streamlit component);
    module=False strips them, for a classic <script> (the entry must then have no
    `export default`).
    """
    modules = _order(Path(entry))
    scopes: dict[Path, str] = {}
    parts = [] if module else ['"use strict";']
    parts += [
        f"// Bundled by vae/jsbundle.py from {len(modules)} modules; edit the modules, not this."
    ]
    for i, m in enumerate(modules[:-1]):
        scope = f"__lx_mod{i}"
        scopes[m.path] = scope
        body = EXPORT_LIST.sub("", EXPORT_KEYWORD.sub("", m.body(scopes)))
        if EXPORT_DEFAULT.search(body):
            raise BundleError(f"{m.name}: only the entry may have an `export default`")
        exports = ", ".join(m.exports)
        head = f"// ---- {m.path.name} ----\nconst {scope} = (() => {{"
        parts.append(f"{head}\n{body}\nreturn {{ {exports} }};\n}})();")
    last = modules[-1]
    body = last.body(scopes)
    if not module:
        if EXPORT_DEFAULT.search(body):
            raise BundleError(f"{last.name}: a classic script cannot `export default`")
        body = EXPORT_LIST.sub("", EXPORT_KEYWORD.sub("", body))
    parts.append(f"// ---- {last.path.name} ----\n{body}")
    return "\n".join(parts)
