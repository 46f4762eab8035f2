"""The corrections store (issue 24): numbers a user typed in where the reader misread them, kept to learn from.

One SQLite file (the app's setting ``CORRECTIONS_DB``, else ``DB_FILE`` in the app's instance folder:
``app_database`` resolves it for the app, through ``webapp.config.corrections_db``, and for ``python -m training``).
Every web process (gunicorn workers) opens it on its own: WAL mode lets readers go on while one writes, a busy
timeout makes writers wait their turn instead of failing, and each change is one transaction, so a sample is
stored whole or not at all. The file is created on the first sample, never before.

Each sample keeps: a random id, a SHA-256 of its delete token (never the token), the time, the mode (draw,
webcam, upload), the text typed, the text read, the model and its version, the size of the image sent, the
number's box in it, the number's crop as a grayscale PNG and, for a drawing, the whole drawing as a grayscale
PNG. The store is bounded by rows and bytes: when full, a new sample is refused (``StoreFullError``) and the
oldest are kept. No TensorFlow, and Flask only to find the app's instance folder: the web processes and the
training command line both use it.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from training.core.alphabet import SEPARATORS, label_problem

DB_FILE = "corrections.sqlite3"
ENVIRONMENT_VARIABLE = "DIGIT_READER_CORRECTIONS_DB"  # the app's CORRECTIONS_DB setting, from the environment
MODES = ("draw", "webcam", "upload")
MAX_TEXT_LENGTH = 32  # characters of a typed number: "+1 (408) 974-8980 ext 12" fits, a paragraph does not
TEXT_RULE = (f"the number as written: digits, the separators {''.join(sorted(SEPARATORS))} and single spaces "
             f"between groups, 1-{MAX_TEXT_LENGTH} characters")
BUSY_TIMEOUT_S = 10.0  # a writer waits this long for another process's transaction before giving up
SCHEMA_VERSION = 1
SCHEMA = (
    """CREATE TABLE corrections (
        row INTEGER PRIMARY KEY,          -- insertion order: breaks ties of equal times
        id TEXT NOT NULL UNIQUE,          -- random, given to the client
        token_sha256 TEXT NOT NULL,       -- the delete token's hash; the token itself is never stored
        created REAL NOT NULL,            -- Unix time, seconds
        mode TEXT NOT NULL,               -- draw, webcam or upload
        text TEXT NOT NULL,               -- what the user typed: the truth
        read TEXT NOT NULL,               -- what the reader had read ('' for nothing)
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        image_width INTEGER NOT NULL,     -- the image sent, upright
        image_height INTEGER NOT NULL,
        box TEXT,                         -- 'x,y,w,h' of the number in the image sent; NULL: the whole image
        bytes INTEGER NOT NULL,           -- crop + drawing: what the byte cap counts
        crop BLOB NOT NULL,               -- grayscale PNG of the number with a margin
        drawing BLOB                      -- grayscale PNG of the whole drawing (mode draw with a box), or NULL
    )""",
    "CREATE INDEX corrections_by_mode ON corrections (mode, bytes)",  # stats and the byte cap, from the index alone
    "CREATE INDEX corrections_by_time ON corrections (created, row)",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


def app_database(setting: str | os.PathLike | None = None) -> Path:
    """The app's corrections database: its CORRECTIONS_DB ``setting``, or ``DB_FILE`` in the app's instance folder
    (Flask's ``instance_path`` for the ``webapp`` package: ``instance/`` beside ``webapp/`` in a checkout). Flask
    finds that folder without importing the package."""
    if setting:
        return Path(setting)
    from flask import Flask

    return Path(Flask("webapp").instance_path) / DB_FILE  # what create_app's Flask(__name__) gets


def configured_database(environ=os.environ) -> Path:
    """The database the app started from this environment uses (``python -m training corrections`` and
    ``finetune`` without ``--db``): ``DIGIT_READER_CORRECTIONS_DB``, else the app's instance folder."""
    return app_database(environ.get(ENVIRONMENT_VARIABLE))


class StoreFullError(RuntimeError):
    """The store holds its most rows or bytes: the new sample is refused, the oldest are kept."""


class UnknownCorrectionError(LookupError):
    """No sample with that id (never stored, or deleted)."""


class WrongTokenError(PermissionError):
    """The delete token does not belong to the sample (or none was given)."""


@dataclass(frozen=True)
class NewCorrection:
    """A checked sample, ready to store (``webapp.serving.corrections`` builds it from a request)."""

    mode: str
    text: str
    read: str
    model: str
    version: str
    image_size: tuple[int, int]  # (width, height) of the image sent
    box: tuple[int, int, int, int] | None
    crop: bytes  # PNG
    drawing: bytes | None = None  # PNG

    @property
    def size(self) -> int:
        return len(self.crop) + len(self.drawing or b"")


@dataclass(frozen=True)
class StoredCorrection:
    """A sample read back for export and fine-tuning."""

    id: str
    created: float
    mode: str
    text: str
    read: str
    model: str
    version: str
    crop: bytes


def text_problem(text: str) -> str | None:
    """Why ``text`` is not a number the reader can learn (``TEXT_RULE``), or None when it is one."""
    if len(text) > MAX_TEXT_LENGTH:
        return f"{len(text)} characters, over {MAX_TEXT_LENGTH}"
    return label_problem(text)  # the rule the real handwriting's labels follow: the reader's alphabet


def token_hash(token: str) -> str:
    """A delete token's SHA-256: tokens are 32 random bytes, so a fast hash is enough (nothing to guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


class CorrectionStore:
    """The samples in one SQLite file, at most ``max_rows`` of them and ``max_bytes`` of images."""

    def __init__(self, path: os.PathLike | str, max_rows: int = 10_000, max_bytes: int = 256 * 2**20,
                 busy_timeout_s: float = BUSY_TIMEOUT_S):
        self.path, self.max_rows, self.max_bytes = Path(path), max_rows, max_bytes
        self.busy_timeout_s = busy_timeout_s

    # --- writing -----------------------------------------------------------------------------------------

    def add(self, sample: NewCorrection) -> tuple[str, str]:
        """Store ``sample`` whole, within the caps: (its id, its delete token). StoreFullError when full."""
        sample_id, token = secrets.token_hex(16), secrets.token_urlsafe(32)
        with self._connection(create=True) as db, _transaction(db):
            # counted inside the write transaction: two processes adding at once cannot both take the last place
            rows, stored_bytes = db.execute("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM corrections").fetchone()
            self._check_room(rows, stored_bytes, sample.size)
            db.execute("INSERT INTO corrections (id, token_sha256, created, mode, text, read, model, version, "
                       "image_width, image_height, box, bytes, crop, drawing) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (sample_id, token_hash(token), time.time(), sample.mode, sample.text, sample.read,
                        sample.model, sample.version, *sample.image_size,
                        None if sample.box is None else ",".join(map(str, sample.box)),
                        sample.size, sample.crop, sample.drawing))
        return sample_id, token

    def _check_room(self, rows: int, stored_bytes: int, size: int) -> None:
        if rows >= self.max_rows:
            raise StoreFullError(f"the corrections store is full: it holds {rows} samples, its limit "
                                 f"(MAX_CORRECTIONS) is {self.max_rows}; the oldest are kept, new ones refused")
        if stored_bytes + size > self.max_bytes:
            raise StoreFullError(f"the corrections store is full: it holds {stored_bytes} bytes of images, and this "
                                 f"sample's {size} would pass its limit (MAX_CORRECTIONS_BYTES) of {self.max_bytes}; "
                                 "the oldest are kept, new ones refused")

    def delete(self, sample_id: str, token: str | None) -> None:
        """Delete a sample given its delete token; UnknownCorrectionError or WrongTokenError delete nothing."""
        if not self.path.exists():
            raise UnknownCorrectionError(f"no correction with id {sample_id!r:.80}")
        with self._connection() as db, _transaction(db):
            row = db.execute("SELECT token_sha256 FROM corrections WHERE id = ?", (sample_id,)).fetchone()
            if row is None:
                raise UnknownCorrectionError(f"no correction with id {sample_id!r:.80}")
            if not token or not hmac.compare_digest(row[0], token_hash(token)):
                raise WrongTokenError(f"the delete token {'sent' if token else '(none sent)'} is not correction "
                                      f"{sample_id}'s: send the delete_token its POST answered in X-Delete-Token")
            db.execute("DELETE FROM corrections WHERE id = ?", (sample_id,))

    # --- reading -------------------------------------------------------------------------------------------

    def stats(self) -> dict:
        """{"count": N, "by_mode": {mode: n}}: counts only. A store not created yet counts 0 (and stays absent)."""
        by_mode = dict.fromkeys(MODES, 0)
        if self.path.exists():
            with self._connection() as db:
                by_mode.update(db.execute("SELECT mode, COUNT(*) FROM corrections GROUP BY mode").fetchall())
        return {"count": sum(by_mode.values()), "by_mode": by_mode}

    def samples(self) -> list[StoredCorrection]:
        """Every sample, oldest first (time, then insertion order)."""
        if not self.path.exists():
            return []
        with self._connection() as db:
            rows = db.execute("SELECT id, created, mode, text, read, model, version, crop FROM corrections "
                              "ORDER BY created, row").fetchall()
        return [StoredCorrection(*row) for row in rows]

    # --- the file ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self, create: bool = False):
        """A connection for one operation (connections are cheap; one per call is safe in any thread), in
        autocommit mode: ``_transaction`` opens the transactions."""
        if create and not self.path.exists():
            self._create()
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        try:
            db.execute("PRAGMA secure_delete = ON")  # a deleted sample's bytes are overwritten, not left in free pages
            yield db
        finally:
            db.close()

    def _create(self) -> None:
        """Make the file whole beside its place, then link it into place: the path exists only complete (WAL mode,
        its table), readable by its owner only (it holds people's handwriting; SQLite gives -wal and -shm the same
        mode). If another process made it meanwhile, theirs is kept."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}-", dir=self.path.parent)  # mode 0600
        os.close(handle)
        try:
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode = WAL")  # kept in the file
                for statement in SCHEMA:
                    db.execute(statement)
            finally:
                db.close()
            with contextlib.suppress(FileExistsError):
                os.link(temporary, self.path)  # unlike a rename, never replaces a store another process uses
        finally:
            os.unlink(temporary)

    def export(self, folder: os.PathLike | str) -> int:
        """Write every sample's crop as ``<id>.png`` and ``labels.tsv`` (``file<TAB>text``, a header line first,
        oldest first) into ``folder``. Returns how many."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        samples = self.samples()
        for sample in samples:
            (folder / f"{sample.id}.png").write_bytes(sample.crop)
        lines = ["file\ttext"] + [f"{sample.id}.png\t{sample.text}" for sample in samples]  # texts hold no tab
        (folder / "labels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return len(samples)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection):
    """One write transaction, taken at once (BEGIN IMMEDIATE: the busy timeout waits for the write lock here,
    not at a later statement where it could not), committed whole or rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
