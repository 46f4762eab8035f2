"""The model store: one folder per model with ``model.keras``, ``card.json``, history and curves.

Listing and reading cards needs no TensorFlow (the web process uses them); ``load_model``
imports Keras only when called.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

STORE_DIR = Path(os.environ.get("DIGIT_READER_MODEL_STORE") or Path(__file__).resolve().parents[2] / "model_store")
MODEL_FILE = "model.keras"
CARD_FILE = "card.json"
RESCORER_FILE = "rescorer.keras"  # a digit classifier that reads each digit again (training.core.rescore)
DEFAULT_FILE = "DEFAULT"


class ModelNotFoundError(LookupError):
    """No usable model under the name or path asked for; the message lists what exists."""


@dataclass(frozen=True)
class StoredModel:
    """A model folder and its card."""

    name: str
    path: Path
    card: dict

    @property
    def decoder(self) -> str:
        return self.card["decoder"]


def list_models(store: Path | None = None) -> list[StoredModel]:
    """Every model in the store that has both a card and a model file, by name."""
    store = Path(store or STORE_DIR)
    found = []
    for folder in sorted(p for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")) if store.exists() else []:
        card = folder / CARD_FILE
        if card.exists() and (folder / MODEL_FILE).exists():
            found.append(StoredModel(folder.name, folder, json.loads(card.read_text())))
    return found


def default_name(store: Path | None = None) -> str:
    """The name written in the store's DEFAULT file."""
    path = Path(store or STORE_DIR) / DEFAULT_FILE
    if not path.exists():
        raise ModelNotFoundError(f"no {DEFAULT_FILE} file in {path.parent}; models: {_names(store)}")
    return path.read_text().strip()


def _names(store: Path | None) -> str:
    return ", ".join(m.name for m in list_models(store)) or "(none)"


def find(name_or_path: str | os.PathLike | None = None, store: Path | None = None) -> StoredModel:
    """A model by store name, by folder path, or by ``.keras`` file path; None means the default."""
    name_or_path = name_or_path or default_name(store)
    path = Path(name_or_path)
    if path.suffix == ".keras":
        path = path.parent
    if not path.is_dir() or not (path / MODEL_FILE).exists():
        path = Path(store or STORE_DIR) / str(name_or_path)
    card = path / CARD_FILE
    if not card.exists() or not (path / MODEL_FILE).exists():
        raise ModelNotFoundError(f"no model {str(name_or_path)!r} (looked for {path / MODEL_FILE} and its "
                                 f"{CARD_FILE}); models in {store or STORE_DIR}: {_names(store)}")
    try:
        return StoredModel(path.name, path, json.loads(card.read_text()))
    except json.JSONDecodeError as exc:
        raise ModelNotFoundError(f"model {path.name!r} has a corrupt {CARD_FILE}: {exc}") from exc


def load_model(stored: StoredModel):
    """Load the Keras model of a stored model; a corrupt file raises ModelNotFoundError."""
    import keras

    try:
        return keras.saving.load_model(stored.path / MODEL_FILE, compile=False)
    except Exception as exc:  # Keras raises many types for a damaged zip or config
        raise ModelNotFoundError(f"model {stored.name!r} at {stored.path / MODEL_FILE} cannot be loaded "
                                 f"({type(exc).__name__}: {exc}); models: {_names(stored.path.parent)}") from exc


def load_rescorer(stored: StoredModel):
    """The model's digit rescorer (a Keras model), or None when its card names none."""
    if "rescorer" not in stored.card:
        return None
    import keras

    path = stored.path / stored.card["rescorer"].get("file", RESCORER_FILE)
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:  # as load_model: a damaged file is a missing model, said clearly
        raise ModelNotFoundError(f"model {stored.name!r}: its rescorer {path} cannot be loaded "
                                 f"({type(exc).__name__}: {exc})") from exc


def load_reader(stored: StoredModel):
    """A function reading a batch of lines, float32 (n, 32, 256, 1) -> logits (n, steps, 11): the line
    model, and its digit rescorer when the card names one (for the CLI and tests; the app uses
    ``webapp.serving.inference.LocalBackend``)."""
    return reader_of(load_model(stored), load_rescorer(stored), stored.card)


def reader_of(model, rescorer, card: dict):
    """The batch -> logits function of a line model and its rescorer (None: the line model alone), fused as
    ``card``'s ``rescorer`` section says: what ``load_reader`` gives, for a model still in memory (a fine-tune)."""
    if rescorer is None:
        return model.predict_on_batch
    from training.core import rescore

    settings = card["rescorer"]
    return rescore.predictor(model.predict_on_batch, rescorer.predict_on_batch, settings["weight"],
                             settings.get("sure", 1.0))


def update_card(stored: StoredModel, changes: dict) -> None:
    """Merge ``changes`` into a model's card, written to a temporary file and renamed into place."""
    temporary = stored.path / (CARD_FILE + ".tmp")
    temporary.write_text(json.dumps({**stored.card, **changes}, indent=2))
    os.replace(temporary, stored.path / CARD_FILE)


def set_default(name: str, store: Path | None = None) -> None:
    """Make ``name`` the store's DEFAULT (written beside and renamed into place: never half a name). Servers
    read it when they start."""
    path = Path(store or STORE_DIR) / DEFAULT_FILE
    temporary = path.with_name(DEFAULT_FILE + ".tmp")
    temporary.write_text(name + "\n")
    os.replace(temporary, path)


def save_model(model, path: Path) -> None:
    """Save a Keras model through a temporary file beside ``path``, renamed into place: never half a file."""
    temporary = path.with_name(f"{path.stem}.tmp{path.suffix}")
    model.save(temporary)
    os.replace(temporary, path)


def publish(staging: Path, destination: Path) -> None:
    """Move a fully written model folder into place; a crash never leaves a half model."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if destination.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{destination.name}-", dir=destination.parent))
        os.replace(destination, old / "model")
    os.chmod(staging, 0o755)  # mkdtemp made it private; a model folder is for everyone to read
    os.replace(staging, destination)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def staging_dir(destination: Path) -> Path:
    """A hidden temporary folder beside ``destination`` (same filesystem, so the rename is atomic)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{destination.name}-", dir=destination.parent))
