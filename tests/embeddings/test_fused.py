"""The fused graph builder: the int8 MiniLM's weights in onnxruntime's fused kernels."""

from __future__ import annotations

from collections import Counter

import onnx

from ingest.embeddings import MINILM_ONNX_SHA256, minilm_onnx_path
from ingest.embeddings.fused import FUSED_MINILM_VARIANT, build_fused_minilm


def test_fused_graph_has_one_fused_kernel_set_per_layer() -> None:
    """Six encoder layers, each one Attention, two SkipLayerNorms and one BiasGelu; no op of the
    source graph's unfused attention left; tagged with the variant and the source's checksum
    (the cache key and vectors are tested through LocalMiniLM)."""
    model = onnx.load_model_from_string(build_fused_minilm(minilm_onnx_path()))
    ops = Counter(node.op_type for node in model.graph.node)
    assert ops["Attention"] == 6 and ops["BiasGelu"] == 6 and ops["SkipLayerNormalization"] == 12
    assert not {"Softmax", "IsNaN", "Where", "Erf"} & set(ops)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["last_hidden_state"]
    assert model.producer_version == FUSED_MINILM_VARIANT
    assert {p.key: p.value for p in model.metadata_props} == {"source_sha256": MINILM_ONNX_SHA256}
