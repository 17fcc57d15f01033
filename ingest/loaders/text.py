"""Plain text (.txt) and Markdown (.md, .markdown)."""

from __future__ import annotations

import re

from ingest.documents import Block, Document

from ._common import base_meta, decode_text, no_text_error, normalize_newlines, stem_title

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def load_text(data: bytes, source: str) -> Document:
    text = _decode(data, source)
    meta = base_meta(source)
    meta.title = _title(text) or stem_title(source)
    return Document.single_block(text, "text", meta)


def load_markdown(data: bytes, source: str) -> Document:
    text = _decode(data, source)
    meta = base_meta(source)
    meta.title = _title(text) or stem_title(source)
    return Document(text=text, kind="markdown", meta=meta, blocks=markdown_blocks(text))


def markdown_blocks(text: str) -> list[Block]:
    """Each ATX heading (outside fenced code) starts a block whose section is the heading."""
    blocks = [Block(start=0, end=len(text))]
    pos = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\n"))
        if match:
            section = match.group(2).strip()
            if pos == 0:
                blocks[0].section = section
            else:
                blocks[-1].end = pos
                blocks.append(Block(start=pos, end=len(text), section=section))
        pos += len(line)
    return blocks


def _decode(data: bytes, source: str) -> str:
    text = normalize_newlines(decode_text(data, source))
    if not text.strip():
        raise no_text_error(source, "only whitespace")
    return text


def _title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and line.strip("-=*_~` "):  # skip rules and front-matter fences
            return line.lstrip("#").strip()[:200]
    return ""
