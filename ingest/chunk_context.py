"""The text a chunk is embedded as: a short context header, then the chunk's own text.

A chunk of a filing often does not name what it is about ("Net sales increased 8%..."): the
company is on the cover page (and was in the running headers that ingest now leaves out), the
section in a heading pages earlier. With ``chunk_context`` on, the store embeds
"<company> | <section> | <chunk text>", so the vector carries them, while Chroma and the registry
keep the chunk text verbatim (that is what answers quote). The embedding cache is keyed by the
embedded text, so a chunk embedded with and without its header is two cache entries.

The statement label (ingest/statements.py) joins the header: "Apple Inc. | Cash flow statement"
for a chunk of the cash-flow statement in a PDF, which has no sections.

Form and fiscal period are left out on purpose: they are metadata the filing scope filters on
exactly, and in the vector they hurt. Measured on the docugami dev set (docs/evaluation.md),
"<company> <form> <period>" lowered scoped single-document MRR (0.894 → 0.879: between one
company's filings the header then differs only by a fiscal label such as "Q3 FY2023", which
questions rarely write that way), while the company alone kept it (0.897) and lifted unscoped
dense MRR from 0.377 to 0.506.
"""

from __future__ import annotations

from ingest.documents import Chunk, DocMeta
from ingest.finance.lookup import statement_for, statement_label

SEPARATOR = " | "
# The header shares MiniLM's 256-token window with a chunk of up to `chunk_tokens` (200 by
# default): a long section heading is cut to a few words rather than pushing the chunk's tail out.
SECTION_CHARS = 80


def context_header(chunk: Chunk, meta: DocMeta) -> str:
    """'Apple Inc. | Item 2. Management's Discussion and Analysis', or '' when the document and
    chunk say nothing of the sort. The title stands in for an unknown company. The statement a
    chunk sits in follows, by its label, where it is not what the section already says:
    'Apple Inc. | Cash flow statement'."""
    who = (meta.company or meta.title).strip()
    section = " ".join((chunk.section or "").split())
    if len(section) > SECTION_CHARS:
        section = section[:SECTION_CHARS].rsplit(" ", 1)[0]
    named = statement_for(section) if section else None
    statement = "" if named is not None and named.id == chunk.statement else statement_label(chunk.statement)
    return SEPARATOR.join(p for p in (who, section, statement) if p)



def embedding_text(chunk: Chunk, meta: DocMeta, with_context: bool) -> str:
    """What the embedder reads for ``chunk``: its text, after its context header if asked."""
    header = context_header(chunk, meta) if with_context else ""
    return f"{header}{SEPARATOR}{chunk.text}" if header else chunk.text
