"""Finished what-if answers on disk, shared by a server's processes and kept across restarts.

An answer is the JSON body of a what-if exactly as sent. Its file name hashes everything the answer
depends on: the request as validated (defaults filled in, the what-if's fields in one order), the
store it was computed from (its path, and the size and modification time of its file, which every
import changes: they stand for the data release, which could only be read by opening the store,
and that costs as long as the answer), the package version and the package's own source. A new
release, another version or changed code looks under another name, and never reads a stale answer.

Each file holds a line with a hash of its name and body, then the body; a file that does not match
(cut short, damaged, renamed) is ignored, and the answer is computed and written again. A file is
written to a temporary name and renamed, so no reader sees half of one. The folder (``answers``
in ``$SMALLBOATS_CACHE`` or the user cache directory) is safe to delete; about the newest
:data:`KEPT_ON_DISK` answers are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import threading
import time
from pathlib import Path

from smallboats import __version__
from smallboats.analysis.results_cache import cache_root, code_fingerprint

# answers kept in the folder: each a few tens of kB (about 18 kB for the dashboard's 200 runs over
# a year, some 60 kB over three years), so at most some tens of MB
KEPT_ON_DISK = 1000
PRUNE_EVERY = 50  # a process's writes between two prunings of the folder (listing it costs a few ms)
STALE_TEMP_S = 600.0  # a temporary file this old was left by a write that never finished
SUFFIX = ".answer"
_WRITES = itertools.count(1)
_WRITES_LOCK = threading.Lock()


def default_folder() -> Path:
    """``answers`` in ``$SMALLBOATS_CACHE`` or the user cache directory."""
    return cache_root() / "answers"


def answer_name(store_path: Path, store_state: tuple[int, int], request: dict) -> str:
    """The file name of an answer: a hash of the request, the store's state, the version and the code.

    Args:
        store_path: the store file the answer is computed from.
        store_state: the file's modification time (ns) and size (``web.deps.fingerprint``).
        request: the validated request as plain values (``{"scenario": ..., "what_if": {...} or None}``).
    """
    text = json.dumps(
        ["what-if", __version__, code_fingerprint(), str(Path(store_path).resolve()), list(store_state), request],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _check(name: str, body: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + body).hexdigest().encode()


def read(folder: Path, name: str) -> bytes | None:
    """The answer's body, or None when there is none or the file does not match its hash."""
    try:
        data = (folder / f"{name}{SUFFIX}").read_bytes()
    except OSError:  # none, unreadable, a folder in its place: computed again
        return None
    check, _, body = data.partition(b"\n")
    return body if check == _check(name, body) else None


def write(folder: Path, name: str, body: bytes) -> None:
    """Keep an answer (a cache that cannot be written costs time, never the answer)."""
    tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_check(name, body) + b"\n" + body)
        os.replace(tmp, folder / f"{name}{SUFFIX}")
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return
    with _WRITES_LOCK:
        n = next(_WRITES)
    if n % PRUNE_EVERY == 0:
        prune(folder)


def prune(folder: Path, keep: int = KEPT_ON_DISK) -> None:
    """Remove all but the newest ``keep`` answers, and temporary files left by writes that never ended.

    Several processes may prune at once: a file already gone is passed over, and a reader that
    loses a file computes the answer again.
    """
    answers, now = [], time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            mtime = entry.stat().st_mtime
            if entry.name.endswith(SUFFIX):
                answers.append((mtime, entry.path))
            elif entry.name.startswith(".") and now - mtime > STALE_TEMP_S:
                os.unlink(entry.path)
        except OSError:
            continue
    answers.sort(reverse=True)
    for _, path in answers[keep:]:
        try:
            os.unlink(path)
        except OSError:
            continue
