"""The project's own layer rule (../shared/STYLE.md): imports only go downward; files stay under 400 lines."""

import ast
from pathlib import Path

ROWS = [
    ["cli"],
    ["recipes", "bench"],
    ["models", "scratch", "data", "train", "plot"],
    ["nn", "vision", "text"],
    ["core"],
]
LEVEL = {name: i for i, row in enumerate(ROWS) for name in row}
PKG = Path(__file__).resolve().parents[1] / "dive"


def _imports(path: Path):
    rel = path.relative_to(PKG.parent)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield node.lineno, [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            base = list(rel.with_suffix("").parts[: len(rel.parts) - node.level])
            yield node.lineno, [".".join(base + ([node.module] if node.module else []))]


def test_every_package_is_in_a_layer():
    packages = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(LEVEL), packages - set(LEVEL)


def test_imports_only_go_down_and_files_stay_small():
    problems = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent)
        if path.read_text().count("\n") > 400:
            problems.append(f"{rel}: over 400 lines")
        here = rel.parts[1] if len(rel.parts) > 2 else None
        if here not in LEVEL:
            continue
        for lineno, targets in _imports(path):
            for t in targets:
                parts = t.split(".")
                there = parts[1] if parts[0] == "dive" and len(parts) > 1 else None
                if there in LEVEL and there != here and LEVEL[there] <= LEVEL[here]:
                    problems.append(f"{rel}:{lineno}: {here} imports {there}")
    assert not problems, "\n".join(problems)


def test_models_never_import_scratch_data_or_train():
    for path in (PKG / "models").rglob("*.py"):
        for _, targets in _imports(path):
            assert not any(t.startswith(("dive.scratch", "dive.data", "dive.train")) for t in targets), path
