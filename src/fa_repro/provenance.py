"""Which package source files a pipeline stage runs, so that Snakemake reruns exactly the stages
whose code changed: the transitive closure of a module's module-level imports inside ``fa_repro``."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def _module_path(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    pkg = PACKAGE_ROOT / rel / "__init__.py"
    return pkg if pkg.exists() else (PACKAGE_ROOT / rel).with_suffix(".py")


def _imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:  # module level only: lazy imports inside functions belong to their caller
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "fa_repro")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "fa_repro":
                continue
            found.add(mod)
            for alias in node.names:  # "from . import x" may import a submodule
                if _module_path(f"{mod}.{alias.name}").exists():
                    found.add(f"{mod}.{alias.name}")
    return found


def module_files(*modules: str, root: str | Path | None = None) -> list[str]:
    """Source files of ``modules`` and of every ``fa_repro`` module they import, transitively
    (parent packages' ``__init__.py`` included), as paths relative to ``root`` when given."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_path(name)
        if not path.exists():
            raise FileNotFoundError(f"module {name} not found at {path}")
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        todo.extend(_imports(path, name))
    files = sorted({_module_path(n) for n in seen})
    if root is not None:
        files = [p.relative_to(Path(root).resolve()) for p in files]
    return [str(p) for p in files]
