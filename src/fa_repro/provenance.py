"""Which package source files a pipeline stage runs, so that Snakemake reruns exactly the stages
whose code changed: the transitive closure of a module's module-level imports inside ``fa_repro``."""
from __future__ import annotations

import ast
import functools
import hashlib
import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


@functools.cache
def _module_path(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    pkg = PACKAGE_ROOT / rel / "__init__.py"
    return pkg if pkg.exists() else (PACKAGE_ROOT / rel).with_suffix(".py")


@functools.cache
def _imports(path: Path, name: str) -> frozenset[str]:
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
    return frozenset(found)


def module_files(*modules: str, root: str | Path | None = None) -> list[str]:
    """Source files of ``modules`` and of every ``fa_repro`` module they import, transitively
    (parent packages' ``__init__.py`` included), as paths relative to ``root`` when given.

    Every file is parsed once per process and each answer is kept: the Snakefile asks for every job (thousands
    at paper scale), and the sources do not change while it builds its DAG."""
    return list(_module_files(tuple(modules), None if root is None else str(root)))


@functools.cache
def _module_files(modules: tuple[str, ...], root: str | None) -> tuple[str, ...]:
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
    return tuple(str(p) for p in files)


@functools.cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files_digest(files: list[str] | tuple[str, ...], root: str | Path = ".") -> str:
    """One SHA-256 over the paths and contents of ``files`` (relative to ``root``): a rule parameter that reruns
    a job when, and only when, the code it runs changes — where listing the files as inputs would cost
    Snakemake ~1 ms per file and job (the training rule: thousands of jobs × ~30 files at paper scale)."""
    return _files_digest(tuple(sorted(files)), str(root))


@functools.cache
def _files_digest(files: tuple[str, ...], root: str) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0" + _file_digest(os.path.join(root, f)).encode() + b"\n")
    return h.hexdigest()[:16]
