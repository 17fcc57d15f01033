"""What every article loader adds once the text is known: its reference list, the companies it is
about, and its language when the page does not declare one."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.companies import find_companies
from ingest.documents import DocMeta
from ingest.references import parse_references

# ISO 639-1 code -> jusText stoplist name (jusText ships stopword lists for ~100 languages).
_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
              "nl": "Dutch", "pt": "Portuguese", "sv": "Swedish", "da": "Danish", "pl": "Polish"}
_WORDS = re.compile(r"[^\W\d_]+")


def annotate_article(meta: DocMeta, text: str) -> None:
    """Fill references, companies (and company/ticker when the loader found none), language."""
    meta.references = meta.references or parse_references(text)
    mentions = find_companies(text, meta.title)
    meta.companies = meta.companies or mentions.field()
    if mentions.main is not None and not meta.company and not meta.ticker:
        meta.company, meta.ticker, meta.cik = mentions.main.name, mentions.main.ticker, mentions.main.cik
    meta.language = meta.language or detect_language(text)


def detect_language(text: str, max_words: int = 2000) -> str | None:
    """The language whose stopwords make up most of the text (at least 20% of the words)."""
    words = [w.lower() for w in _WORDS.findall(text[: max_words * 12])][:max_words]
    if len(words) < 20:
        return None
    shares = {code: sum(w in stops for w in words) / len(words) for code, stops in _stoplists().items()}
    code, share = max(shares.items(), key=lambda item: item[1])
    return code if share >= 0.2 else None


@lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str]]:
    import justext

    return {code: frozenset(justext.get_stoplist(name)) for code, name in _LANGUAGES.items()}
