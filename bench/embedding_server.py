"""An OpenAI-compatible embedding server around Dossier's own local MiniLM, for measuring ingest
against a `/v1/embeddings` endpoint on this machine (bench/writers.py).

    python -m bench.embedding_server --port 8081      # POST http://127.0.0.1:8081/v1/embeddings

It speaks the protocol Hugging Face TEI and vLLM speak (`POST /v1/embeddings` with `input` a
string or a list of strings, `encoding_format` float or base64; `GET /v1/models`; `GET /health`),
so `DOSSIER_EMBEDDING_BACKEND=openai` with `DOSSIER_EMBEDDING_BASE_URL=http://127.0.0.1:8081/v1`
reaches it as it would reach them, and its vectors are the local embedder's: the same model
files, nothing downloaded. Requests are served from a thread pool; the embedder's onnxruntime
sessions are shared between them (one per core). Token-id inputs and `dimensions` are refused
with OpenAI's error shape, as a server that cannot honour them does.
"""

from __future__ import annotations

import argparse
import base64
from typing import Any, Literal

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ingest.embeddings import MINILM_MODEL_NAME, Embedder, LocalMiniLM


class EmbeddingRequest(BaseModel):
    input: str | list[str] | list[int] | list[list[int]]
    model: str
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = None
    user: str | None = None


def error(status: int, message: str, code: str, param: str | None = None) -> JSONResponse:
    """An error in OpenAI's shape, which its clients read."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status)


def encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    """float: a JSON list; base64: the little-endian float32 bytes, as OpenAI sends them."""
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


def make_app(embedder: Embedder, served_name: str | None = None) -> FastAPI:
    """The server's routes over `embedder`, answering to `served_name` (default: its model name)
    and to the `sentence-transformers/` spelling of it."""
    name = served_name or embedder.model_name
    names = {name, f"sentence-transformers/{name}"}
    app = FastAPI(title="Dossier embedding server", docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = next((str(p) for p in first.get("loc", ()) if p != "body"), None)
        return error(400, f"invalid request: {first.get('msg', exc)}", "invalid_request", where)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "dossier"}]}

    @app.post("/v1/embeddings", response_model=None)
    def embeddings(body: EmbeddingRequest) -> dict[str, Any] | JSONResponse:
        if body.model not in names:
            return error(404, f"The model `{body.model}` does not exist (this server serves "
                         f"`{name}`).", "model_not_found", "model")
        texts = [body.input] if isinstance(body.input, str) else body.input
        if not texts:
            return error(400, "input must not be empty", "invalid_request", "input")
        if not all(isinstance(t, str) for t in texts):
            return error(400, "token-id inputs are not supported: send text", "invalid_request",
                         "input")
        if body.dimensions is not None and body.dimensions != embedder.dimension:
            return error(400, f"this model has {embedder.dimension} dimensions; it cannot "
                         f"return {body.dimensions}", "invalid_request", "dimensions")
        strings = [str(t) for t in texts]
        vectors = embedder.embed(strings)
        tokens = sum(min(n, embedder.max_tokens) + 2 for n in embedder.count_tokens(strings))
        data = [{"object": "embedding", "index": i, "embedding": encode(v, body.encoding_format)}
                for i, v in enumerate(vectors)]
        return {"object": "list", "data": data, "model": body.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for the embedder (0: every usable core)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--served-name", default=MINILM_MODEL_NAME)
    args = parser.parse_args(argv)
    import uvicorn

    embedder = LocalMiniLM(batch_size=args.batch_size, threads=args.threads)
    uvicorn.run(make_app(embedder, args.served_name), host=args.host, port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
