"""Any embedder as a LangChain ``Embeddings``."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.embeddings import LangChainEmbeddings, LocalMiniLM


def test_langchain_adapter(local: LocalMiniLM) -> None:
    lc = LangChainEmbeddings(local)
    assert isinstance(lc, Embeddings)
    texts = ["Net revenue rose 8% to $3.1 billion.", "Who is the chief executive officer?"]
    docs = lc.embed_documents(texts)
    assert isinstance(docs, list) and len(docs) == 2
    for vec in docs:
        assert isinstance(vec, list) and len(vec) == 384
        assert all(isinstance(x, float) for x in vec)
    query = lc.embed_query(texts[1])
    assert isinstance(query, list) and len(query) == 384
    assert all(isinstance(x, float) for x in query)
    np.testing.assert_allclose(query, docs[1], atol=2e-5)
    assert query == lc.embed_documents([texts[1]])[0]
