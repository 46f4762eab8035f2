"""The benchmark's renderers draw with their own code: walking their imports, transitively, reaches no
training generator (synth, separators, marks, strokes, pen, detect_scenes, paper, ...), only training's
data loaders, which hold no rendering choice. No TensorFlow."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("benchmarks", "training", "webapp")
# loading MNIST, UNIPEN and the scans: which items, never how they are drawn (training.sources); and the
# characters a number may hold, which the loaders' labels keep to (training.core.alphabet)
ALLOWED_TRAINING = {"training", "training.sources", "training.sources.datasets", "training.sources.realdata",
                    "training.sources.paperdata", "training.core.alphabet"}


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imports_of(name: str) -> set[str]:
    """The project modules ``name`` imports (``from a import b`` counts ``a.b`` where that is a module)."""
    tree = ast.parse(module_file(name).read_text())
    package = name if module_file(name).name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if module_file(f"{base}.{alias.name}")}
    return {m for m in found if m.split(".")[0] in PROJECT and module_file(m)}


def reachable(start: set[str], through=PROJECT) -> set[str]:
    """Every project module ``start`` imports, and what those import, walking on through the packages
    ``through`` only (a module of another package is counted, not walked into)."""
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            if name.split(".")[0] in through:
                todo.extend(imports_of(name) - seen)
    return seen


def renderer_modules() -> set[str]:
    return {f"benchmarks.scenes.{path.stem}" for path in (ROOT / "benchmarks" / "scenes").glob("*.py")
            if path.stem != "__init__"}


def test_the_renderers_reach_no_training_generator():
    reached = reachable(renderer_modules())
    assert {m for m in reached if m.startswith("training")} <= ALLOWED_TRAINING
    assert not {m for m in reached if m.startswith("webapp")}  # nor the app: the scenes are its input


def test_the_reader_benchmark_renders_only_with_the_benchmarks_renderers():
    """The benchmark reads through the app (``webapp`` and its runtime core ``training.core``, not walked into
    here: they are the thing measured); everything else it reaches from training is a data loader."""
    reached = reachable({"benchmarks.reader"}, through=("benchmarks", "training"))
    runtime = {m for m in reached if m == "training.core" or m.startswith("training.core.")}
    assert {m for m in reached if m.startswith("training")} - runtime <= ALLOWED_TRAINING
    assert not {m for m in reachable(runtime, through=("training",)) if m.startswith("training.")} - runtime - {
        "training.core"}  # the core reaches no generator either


def test_the_walk_finds_an_import_reached_through_another_module():
    """The guard's own check: training's scene renderer reaches the string generator through pen and synth."""
    assert "training.scenes.synth" in reachable({"training.scenes.detect_scenes"})
