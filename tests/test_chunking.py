"""Tests for ingest.chunking: token-sized, block-bounded chunks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.documents import Block, Chunk, DocMeta, Document, chunk_id
from ingest.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
TOKENIZER_JSON = ROOT / "ingest" / "models" / "all-MiniLM-L6-v2" / "tokenizer.json"
AAPL_10K = Path("/work/shared/corpus/filings/AAPL_10-K_FY2024_0000320193-24-000123.html")

Counter = Callable[[Sequence[str]], list[int]]
_WS = re.compile(r"\s+")


def word_counter(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


class CountingCounter:
    """A whitespace-word counter that records how it is called."""

    def __init__(self, inner: Counter = word_counter) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def __call__(self, texts: Sequence[str]) -> list[int]:
        self.calls.append(len(texts))
        return self.inner(texts)


def joiny_counter(texts: Sequence[str]) -> list[int]:
    """Not additive across joins: every whitespace run inside a text costs a token too."""
    return [len(t.split()) + len(_WS.findall(t.strip())) for t in texts]


def char_counter(texts: Sequence[str]) -> list[int]:
    """About 4 non-space characters a token: long words need cutting."""
    return [-(-sum(not ch.isspace() for ch in t) // 4) for t in texts]


@pytest.fixture(scope="module")
def real_counter() -> Counter:
    if not TOKENIZER_JSON.exists():
        pytest.skip(f"MiniLM tokenizer not found at {TOKENIZER_JSON}")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER_JSON))
    tok.no_truncation()  # the file ships with truncation at 128: counts must not be capped
    tok.no_padding()

    def count(texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]

    return count


def make_doc(text: str, blocks: list[Block] | None = None, source: str = "mem://doc") -> Document:
    meta = DocMeta(source=source)
    if blocks is None:
        return Document.single_block(text, "text", meta)
    return Document(text=text, kind="text", meta=meta, blocks=blocks)


def check_invariants(doc: Document, chunks: list[Chunk], count: Counter, max_tokens: int) -> None:
    """Round trip, size, block containment, page/section, coverage, stripped, unique ids."""
    text = doc.text
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for c in chunks:
        assert c.doc_id == doc.doc_id
        assert c.text == text[c.start : c.end]
        assert c.text and c.text == c.text.strip()
        assert any(
            b.start <= c.start and c.end <= b.end and (b.page, b.section) == (c.page, c.section)
            for b in doc.blocks
        ), f"chunk {c.start}:{c.end} is not inside one block"
    counts = count([c.text for c in chunks])
    over = [(n, c.text[:80]) for n, c in zip(counts, chunks, strict=True) if n > max_tokens]
    assert not over, over
    # No text lost: every non-whitespace character of every block lies in a chunk of that block.
    for b in doc.blocks:
        covered = bytearray(len(text))
        for c in chunks:
            if b.start <= c.start and c.end <= b.end and c.page == b.page:
                covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        lost = [i for i in range(b.start, b.end) if not text[i].isspace() and not covered[i]]
        assert not lost, f"lost characters at {lost[:10]}: {text[lost[0] : lost[0] + 40]!r}"


# --- chunking -------------------------------------------------------------------------------

FILING = (
    "Apple Inc. reported net sales of $391.0 billion for fiscal 2024, up 2% vs. 2023. "
    "iPhone net sales were $201.2 billion. Services net sales rose 13% to $96.2 billion. "
    "Gross margin was 46.2%, compared to 44.1% in the prior year. "
    "Mr. Cook said the U.S. market remained strong. The Company returned over $110 billion "
    "to shareholders. Research and development expense grew to $31.4 billion. "
)


def filing_doc(paragraphs: int = 30) -> Document:
    text = "\n\n".join(FILING * 2 for _ in range(paragraphs))
    blocks, pos = [], 0
    for i, para in enumerate(text.split("\n\n")):
        start = text.index(para, pos)
        blocks.append(Block(start=start, end=start + len(para), page=i // 3 + 1, section=f"S{i}"))
        pos = start + len(para)
    return make_doc(text, blocks, source="/filings/aapl-10k.htm")


def test_invariants_with_word_counter() -> None:
    doc = filing_doc()
    chunks = chunk_document(doc, word_counter, max_tokens=40, overlap_tokens=12)
    assert len(chunks) > len(doc.blocks)
    check_invariants(doc, chunks, word_counter, 40)


def test_chunks_never_cross_blocks_and_carry_page_section() -> None:
    text = "Alpha one. Alpha two.\n\nBeta one. Beta two. Beta three.   \n\n   \nGamma."
    a_end = text.index("\n\n")
    b_start = a_end + 2
    b_end = text.index("\n\n", b_start)
    blocks = [
        Block(start=0, end=a_end, page=1, section="Item 1. Business"),
        Block(start=a_end, end=b_end, page=2, section="Item 1A. Risk Factors"),
        Block(start=b_end, end=b_end + 4, page=2, section="empty"),  # whitespace only
        Block(start=b_end + 4, end=len(text), page=3, section=None),
    ]
    doc = make_doc(text, blocks)
    chunks = chunk_document(doc, word_counter, max_tokens=1000)
    assert [(c.text, c.page, c.section) for c in chunks] == [
        ("Alpha one. Alpha two.", 1, "Item 1. Business"),
        ("Beta one. Beta two. Beta three.", 2, "Item 1A. Risk Factors"),
        ("Gamma.", 3, None),
    ]
    check_invariants(doc, chunks, word_counter, 1000)


def test_empty_document_and_blocks() -> None:
    assert chunk_document(make_doc(""), word_counter) == []
    assert chunk_document(make_doc("  \n\n \t "), word_counter) == []
    doc = make_doc("Some text.", [Block(start=3, end=3), Block(start=5, end=2)])
    assert chunk_document(doc, word_counter) == []


def test_overlap_present_and_bounded() -> None:
    # 20 sentences of 5 words each; 4 sentences fit in 20 tokens; overlap <= 11 -> 2 sentences.
    text = " ".join(f"Sentence number {i} has words." for i in range(20))
    doc = make_doc(text)
    chunks = chunk_document(doc, word_counter, max_tokens=20, overlap_tokens=11)
    check_invariants(doc, chunks, word_counter, 20)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.start < prev.end, "consecutive chunks must overlap"
        assert nxt.start > prev.start, "a chunk must move forward"
        shared = doc.text[nxt.start : prev.end]
        assert 0 < word_counter([shared])[0] <= 11
        # The overlap is made of whole sentences of the previous chunk.
        assert shared.startswith("Sentence") and shared.endswith(".")
    assert chunks[1].text.startswith("Sentence number 2 ")

    no_overlap = chunk_document(doc, word_counter, max_tokens=20, overlap_tokens=0)
    for prev, nxt in zip(no_overlap, no_overlap[1:], strict=False):
        assert nxt.start >= prev.end
    assert len(no_overlap) == 5


def test_overlap_stays_within_block() -> None:
    text = "A b c d. E f g h. Q r s t.\n\nI j k l. M n o p."
    cut = text.index("\n\n")
    blocks = [Block(start=0, end=cut, page=1), Block(start=cut, end=len(text), page=2)]
    doc = make_doc(text, blocks)
    chunks = chunk_document(doc, word_counter, max_tokens=8, overlap_tokens=4)
    assert [(c.text, c.page) for c in chunks] == [
        ("A b c d. E f g h.", 1),
        ("E f g h. Q r s t.", 1),
        ("I j k l. M n o p.", 2),
    ]


def test_long_sentence_split_on_words() -> None:
    words = [f"w{i}" for i in range(2000)]
    text = "Intro sentence here. " + " ".join(words) + " end. Final sentence."
    doc = make_doc(text)
    counter = CountingCounter()
    chunks = chunk_document(doc, counter, max_tokens=50, overlap_tokens=5)
    check_invariants(doc, chunks, word_counter, 50)
    for c in chunks:  # pieces cut at word boundaries
        assert c.start == 0 or text[c.start - 1].isspace()
        assert c.end == len(text) or text[c.end].isspace()
    assert len(chunks) >= 2004 // 50
    # Batched: sentences, words of the long sentence, final verification.
    assert len(counter.calls) == 3


def test_giant_word_is_cut_into_fitting_pieces() -> None:
    blob = "x" * 5000
    doc = make_doc(f"Before. {blob} After.")
    chunks = chunk_document(doc, char_counter, max_tokens=64)
    check_invariants(doc, chunks, char_counter, 64)


def test_non_additive_counter_is_repaired_by_verification() -> None:
    doc = filing_doc(5)
    chunks = chunk_document(doc, joiny_counter, max_tokens=30, overlap_tokens=6)
    check_invariants(doc, chunks, joiny_counter, 30)


def test_counter_is_called_in_batches() -> None:
    doc = filing_doc(50)
    counter = CountingCounter()
    chunks = chunk_document(doc, counter, max_tokens=60)
    n_sentences = sum(len(split_sentences(doc.text[b.start : b.end])) for b in doc.blocks)
    assert n_sentences > 500
    assert counter.calls == [n_sentences, len(chunks)]


def test_chunk_ids_stable_and_distinct_for_repeats() -> None:
    para = "The same paragraph repeats. It has two sentences."
    text = "\n\n".join([para] * 3)
    blocks, pos = [], 0
    for i in range(3):
        blocks.append(Block(start=pos, end=pos + len(para), page=i + 1))
        pos += len(para) + 2
    doc = make_doc(text, blocks, source="/a/b.txt")
    first = chunk_document(doc, word_counter)
    again = chunk_document(make_doc(text, blocks, source="/a/b.txt"), word_counter)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len(first) == 3 and len({c.chunk_id for c in first}) == 3
    assert [c.chunk_id for c in first] == [chunk_id(doc.doc_id, para, k) for k in range(3)]
    other = chunk_document(make_doc(text, blocks, source="/other.txt"), word_counter)
    assert not {c.chunk_id for c in other} & {c.chunk_id for c in first}


def test_rejects_bad_limits() -> None:
    with pytest.raises(ValueError):
        chunk_document(make_doc("Text."), word_counter, max_tokens=0)
    with pytest.raises(ValueError):
        chunk_document(make_doc("Text."), word_counter, overlap_tokens=-1)


def test_large_document_is_fast() -> None:
    para = FILING + "\nNet sales | 2024 | 2023\niPhone | 201,183 | 200,583\n• A bullet line\n\n"
    text = para * (1_500_000 // len(para))
    assert len(text) > 1_400_000
    doc = make_doc(text)
    t0 = time.perf_counter()
    chunks = chunk_document(doc, word_counter)
    elapsed = time.perf_counter() - t0
    assert chunks and chunks[-1].end > len(text) - 100
    assert elapsed < 3.0, f"chunking 1.5M chars took {elapsed:.2f}s"


# --- with the real MiniLM tokenizer ---------------------------------------------------------


def test_real_tokenizer_limits(real_counter: Counter) -> None:
    doc = filing_doc(20)
    chunks = chunk_document(doc, real_counter, max_tokens=64, overlap_tokens=16)
    check_invariants(doc, chunks, real_counter, 64)
    long = make_doc("Preamble. " + " ".join(f"Subsidiary{i} Holdings" for i in range(2000)))
    chunks = chunk_document(long, real_counter, max_tokens=200)
    check_invariants(long, chunks, real_counter, 200)
    assert max(real_counter([c.text for c in chunks])) <= 200


def test_real_tokenizer_on_10k(real_counter: Counter) -> None:
    if not AAPL_10K.exists():
        pytest.skip(f"{AAPL_10K} not present")
    from lxml import html as lxml_html

    text = lxml_html.fromstring(AAPL_10K.read_bytes()).text_content()
    doc = make_doc(text, source=str(AAPL_10K))
    chunks = chunk_document(doc, real_counter)
    assert len(chunks) > 100
    check_invariants(doc, chunks, real_counter, 200)


# --- property test --------------------------------------------------------------------------

_ATOMS = st.sampled_from(
    [
        "Apple", "Inc.", "reported", "$1.6", "billion.", "2.5%", "vs.", "U.S.", "Mr.", "No.",
        "5", "The", "the", "sales", "rose.", "Why?", "Yes!", "e.g.", "|", "•", "-", "a)", "x" * 30,
        '"Quoted."', "(see", "Note", "1.)", "\u00e9t\u00e9", "\u2019s", "...",
    ]
)  # fmt: skip
_SEPS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", " \n ", "\t", "\u00a0", ""])


@st.composite
def documents(draw: st.DrawFn) -> Document:
    parts = draw(st.lists(st.tuples(_ATOMS, _SEPS), min_size=0, max_size=120))
    text = draw(_SEPS) + "".join(a + s for a, s in parts)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=6))) | {0, len(text)})
    blocks = [
        Block(start=a, end=b, page=i + 1, section=draw(st.sampled_from([None, "A", "B"])))
        for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))
    ]
    return make_doc(text, blocks)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=documents(),
    max_tokens=st.integers(1, 30),
    overlap=st.integers(0, 12),
    count=st.sampled_from([word_counter, joiny_counter, char_counter]),
)
def test_property_invariants(doc: Document, max_tokens: int, overlap: int, count: Counter) -> None:
    chunks = chunk_document(doc, count, max_tokens=max_tokens, overlap_tokens=overlap)
    check_invariants(doc, chunks, count, max_tokens)
    again = chunk_document(doc, count, max_tokens=max_tokens, overlap_tokens=overlap)
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
