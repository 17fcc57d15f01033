"""The fused MiniLM graph: the int8 MiniLM rebuilt, deterministically, into onnxruntime's fused CPU
kernels (Attention, SkipLayerNormalization, BiasGelu) with the same fp32 weights.

The source graph (a torch.onnx dynamo export) stores each weight as int8 plus a float32 scale and
dequantizes it at run time (Cast, Mul), which onnxruntime constant-folds into fp32 MatMul weights
anyway; here the same products are computed once with numpy, so the fp32 weights are
bit-identical. Its attention (scaled_dot_product_attention lowered to ~25 small ops per layer,
including an IsNaN/Where guard for fully masked rows that cannot occur here) and its
bias/residual/LayerNorm/GELU chains become onnxruntime's fused CPU kernels: Attention (Q, K and V
in one GEMM), SkipLayerNormalization and BiasGelu (exact erf GELU).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.embeddings.base import MINILM_MODEL_NAME, MINILM_ONNX_SHA256, EmbeddingError

if TYPE_CHECKING:
    import onnx

# The derived model: the same weights in a graph of fused onnxruntime CPU kernels. Bump the
# variant whenever build_fused_minilm changes what it writes, so that old cache files are ignored.
FUSED_MINILM_VARIANT = "fused-fp32-v1"
_NUM_LAYERS = 6
_NUM_HEADS = 12


def build_fused_minilm(source: Path) -> bytes:
    """The int8 MiniLM at ``source`` as a fused fp32 ONNX graph (serialized), deterministically.

    Inputs: input_ids and attention_mask (int64, [batch, sequence], right-padded, every row with
    at least one token); token types are all 0 (folded into the position table). Output:
    last_hidden_state [batch, sequence, 384], as the source model's.
    """
    graph = _FusedGraph(_SourceWeights(source))
    x, mask_index = graph.embeddings()
    for i in range(_NUM_LAYERS):
        x = graph.layer(i, x, mask_index)
    return graph.serialize()


class _SourceWeights:
    """The source graph's weights by name (dequantized to fp32) and its LayerNorm epsilon."""

    def __init__(self, source: Path) -> None:
        import onnx

        self.source = source
        src = onnx.load(str(source))
        self._init = {t.name: t for t in src.graph.initializer}
        self._producer = {out: node for node in src.graph.node for out in node.output}
        self._weights, self.epsilon = self._collect(src.graph.node)

    def __call__(self, suffix: str) -> np.ndarray:
        """The one weight whose name ends in ``suffix``."""
        found = [k for k in self._weights if k.endswith(suffix)]
        if len(found) != 1:
            raise EmbeddingError(f"unexpected graph in {self.source}: no single weight *{suffix}")
        return self._weights[found[0]]

    def _constant(self, name: str) -> np.ndarray:
        """An initializer, or a Cast/Mul of initializers (the dequantized weights)."""
        from onnx import TensorProto, numpy_helper

        if name in self._init:
            return numpy_helper.to_array(self._init[name])
        node = self._producer.get(name)
        if node is not None and node.op_type == "Cast":
            (to,) = (a.i for a in node.attribute if a.name == "to")
            if to == TensorProto.FLOAT:
                return self._constant(node.input[0]).astype(np.float32)
        if node is not None and node.op_type == "Mul":
            product: np.ndarray = self._constant(node.input[0]) * self._constant(node.input[1])
            return product.astype(np.float32, copy=False)
        raise EmbeddingError(f"unexpected graph in {self.source}: {name!r} is not a constant")

    def _collect(self, graph_nodes: Iterable[onnx.NodeProto]) -> tuple[dict[str, np.ndarray], float]:
        """Linear layers (MatMul + bias Add), LayerNorms and embedding tables, by weight name."""
        weights: dict[str, np.ndarray] = {}
        epsilons: set[float] = set()
        for node in graph_nodes:
            if node.op_type == "Add" and node.input[1].endswith(".bias") and node.input[1] in self._init:
                linear = self._producer.get(node.input[0])
                if linear is not None and linear.op_type == "MatMul":  # a Linear layer
                    key = node.input[1].removesuffix(".bias")
                    weights[key + ".weight"] = self._constant(linear.input[1])
                    weights[key + ".bias"] = self._constant(node.input[1])
            elif node.op_type == "LayerNormalization":
                key = node.input[1].removesuffix(".weight")
                weights[key + ".weight"] = self._constant(node.input[1])
                weights[key + ".bias"] = self._constant(node.input[2])
                epsilons.update(a.f for a in node.attribute if a.name == "epsilon")
            elif node.op_type == "Gather" and node.input[0].endswith("_embeddings.weight"):
                weights[node.input[0]] = self._constant(node.input[0])
        if len(epsilons) != 1:
            raise EmbeddingError(f"unexpected graph in {self.source}: LayerNorm epsilons {epsilons}")
        (eps,) = epsilons
        return weights, eps


class _FusedGraph:
    """The fused graph, built node by node from the source weights."""

    def __init__(self, w: _SourceWeights) -> None:
        self.w = w
        self.eps = w.epsilon
        self.initializers: list[onnx.TensorProto] = []
        self.nodes: list[onnx.NodeProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, ms: bool = False, **attrs: Any) -> str:
        from onnx import helper

        domain = "com.microsoft" if ms else ""
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def skip_layer_norm(self, x: str, skip: str, dense: str, norm: str, output: str) -> str:
        """LayerNorm(x + dense bias + skip), the residual of a BERT sub-layer."""
        w, const = self.w, self.const
        ln_w, ln_b = const(f"{norm}.weight", w(f"{norm}.weight")), const(f"{norm}.bias", w(f"{norm}.bias"))
        bias = const(f"{dense}.bias", w(f"{dense}.bias"))
        return self.op("SkipLayerNormalization", [x, skip, ln_w, ln_b, bias], output, ms=True,
                       epsilon=self.eps)  # fmt: skip

    def matmul(self, x: str, dense: str) -> str:
        weight = self.const(f"{dense}.weight", self.w(f"{dense}.weight"))
        return self.op("MatMul", [x, weight], f"{dense}.out")

    def embeddings(self) -> tuple[str, str]:
        """Word + position + token type 0 (the last two summed ahead), then LayerNorm; and the
        Attention kernel's mask_index. Returns both outputs' names."""
        from onnx import TensorProto

        w, const, op = self.w, self.const, self.op
        token_type_0 = w("embeddings.token_type_embeddings.weight")[0]
        positions = w("embeddings.position_embeddings.weight") + token_type_0
        zero = const("zero", np.array([0], dtype=np.int64))
        length = op("Shape", ["input_ids"], "sequence_length", start=1, end=2)
        pos = op("Slice", [const("positions", positions.astype(np.float32)), zero, length, zero], "pos_emb")
        words = op("Gather", [const("word_embeddings", self.word_table), "input_ids"], "word_emb")
        norm = [const(f"embeddings.LayerNorm.{k}", w(f"embeddings.LayerNorm.{k}"))
                for k in ("weight", "bias")]
        emb = op("Add", [words, pos], "embeddings")
        x = op("LayerNormalization", [emb, *norm], "embeddings.out", axis=-1, epsilon=self.eps)
        # Right padding, so the Attention kernel needs only each row's length (a 1-D mask_index).
        axis1 = const("axis1", np.array([1], dtype=np.int64))
        lengths = op("ReduceSum", ["attention_mask", axis1], "lengths", keepdims=0)
        mask_index = op("Cast", [lengths], "mask_index", to=TensorProto.INT32)
        return x, mask_index

    @property
    def word_table(self) -> np.ndarray:
        return self.w("embeddings.word_embeddings.weight")

    def layer(self, i: int, x: str, mask_index: str) -> str:
        """Encoder layer ``i`` (attention, then feed-forward) on ``x``; its output's name."""
        w, const, op, matmul = self.w, self.const, self.op, self.matmul
        layer = f"encoder.layer.{i}."
        self_att = [f"{layer}attention.self.{k}" for k in ("query", "key", "value")]
        qkv_w = const(f"{layer}qkv.weight", np.concatenate([w(f"{k}.weight") for k in self_att], axis=1))
        qkv_b = const(f"{layer}qkv.bias", np.concatenate([w(f"{k}.bias") for k in self_att]))
        att = op("Attention", [x, qkv_w, qkv_b, mask_index], f"{layer}attention", ms=True,
                 num_heads=_NUM_HEADS)  # fmt: skip
        att = matmul(att, f"{layer}attention.output.dense")
        x = self.skip_layer_norm(att, x, f"{layer}attention.output.dense",
                                 f"{layer}attention.output.LayerNorm", f"{layer}attention.out")  # fmt: skip
        h = matmul(x, f"{layer}intermediate.dense")
        bias = const(f"{layer}intermediate.dense.bias", w(f"{layer}intermediate.dense.bias"))
        h = matmul(op("BiasGelu", [h, bias], f"{layer}gelu", ms=True), f"{layer}output.dense")
        out = "last_hidden_state" if i == _NUM_LAYERS - 1 else f"{layer}out"
        return self.skip_layer_norm(h, x, f"{layer}output.dense", f"{layer}output.LayerNorm", out)

    def serialize(self) -> bytes:
        """The finished model, serialized."""
        from onnx import TensorProto, helper

        tokens = ["batch", "sequence"]
        hidden = self.word_table.shape[1]
        graph = helper.make_graph(
            self.nodes,
            f"{MINILM_MODEL_NAME}-{FUSED_MINILM_VARIANT}",
            [
                helper.make_tensor_value_info(name, TensorProto.INT64, tokens)
                for name in ("input_ids", "attention_mask")
            ],
            [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*tokens, hidden])],
            self.initializers,
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
