"""The house rules, measured from the code's own imports (module level and inside functions):
no import cycle, no private name imported across modules, lower layers never import upper ones,
every imported name exists, at most 12 modules at the top of the package, none over 400 lines,
and temp-then-rename writing in at most two modules."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "themes"

# Lowest first. A module may import its own layer and the layers below it, never one above.
LAYERS = [
    {"themes", "themes.errors", "themes.config", "themes.types", "themes.progress"},
    {"themes.io"},
    {"themes.text"},
    {"themes.embed"},
    {"themes.discover"},
    {"themes.results"},
    {"themes.model"},
    {"themes.exchange"},
    {"themes.evaluate", "themes.report"},
    {"themes.steps"},
    {"themes.engines"},
    {"themes.pipeline"},
    {"themes.review"},
    {"themes.commands"},
    {"themes.cli"},
]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every import of a themes module, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                (node.module == "themes" or node.module.startswith("themes.")):
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append(("<relative>", [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("themes")]
    return out


def resolve(mod: str, name: str, known: dict) -> str:
    """The module an import depends on: ``from themes.x import y`` is themes.x.y when that is a module."""
    return f"{mod}.{name}" if f"{mod}.{name}" in known else mod


def layer(mod: str) -> int:
    best, depth = None, -1
    for i, group in enumerate(LAYERS):
        for prefix in group:
            if (mod == prefix or mod.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = i, prefix.count(".")
    assert best is not None, f"{mod} is in no layer: add it to LAYERS"
    return best


def graph() -> dict[str, set[str]]:
    known = modules()
    g: dict[str, set[str]] = {m: set() for m in known}
    for mod, path in known.items():
        for target, names, _ in imports(path):
            if target == "<relative>":
                continue
            for n in names or [""]:
                dep = resolve(target, n, known) if n else target
                if dep != mod and dep != "themes":
                    g[mod].add(dep)
    return g


def test_no_relative_imports():
    bad = [f"{module_name(p)}:{line}" for p in SRC.rglob("*.py") for t, _, line in imports(p) if t == "<relative>"]
    assert not bad, f"absolute imports only (themes.x.y): {bad}"


def test_no_import_cycle():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(g.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(d):] + [d]))
            if d in g and state.get(d) is None:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if state.get(m) is None:
            visit(m)


def test_lower_layers_never_import_upper_ones():
    bad = [f"{m} -> {d}" for m, deps in graph().items() if m != "themes" for d in deps if layer(d) > layer(m)]
    assert not bad, "upward imports: " + "; ".join(sorted(bad))


def test_no_private_names_across_modules():
    bad = []
    for p in list(SRC.rglob("*.py")) + list((SRC.parents[1] / "tests").glob("*.py")):
        for target, names, line in imports(p):
            bad += [f"{p.name}:{line} {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert not bad, f"private names imported: {bad}"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: module_name(p))
def test_every_imported_name_exists(path):
    for target, names, line in imports(path):
        if target == "<relative>":
            continue
        mod = importlib.import_module(target)
        for n in names:
            assert hasattr(mod, n) or importlib.util.find_spec(f"{target}.{n}") is not None, \
                f"{module_name(path)}:{line}: {target} has no {n}"


def test_size_limits():
    top = [p for p in SRC.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= 12, f"{len(top)} modules at the top of the package: {sorted(p.name for p in top)}"
    long = {module_name(p): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"modules over 400 lines: {long}"


def test_temp_then_rename_lives_in_at_most_two_modules():
    rename = re.compile(r"\bos\.(replace|rename)\(|\.rename\(|\.replace\(tmp")
    writers = sorted(module_name(p) for p in SRC.rglob("*.py") if rename.search(p.read_text()))
    assert len(writers) <= 2 and "themes.io.atomic" in writers, writers


def test_ruff_is_clean():
    """`ruff check src tests` with the settings in pyproject.toml (ruff is in the test extra)."""
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    root = SRC.parents[1]
    res = subprocess.run([ruff, "check", "src", "tests"], cwd=root, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:]
