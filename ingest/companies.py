"""Which listed companies an article is about: names and tickers matched against SEC's company list.

The list ships with the package (ingest/data/sec_company_tickers.tsv.gz, see its README): nothing
is downloaded. Matching favours precision:

- a name counts when it appears capitalised ("Alibaba", "Bank of America"); a one-word name only
  in the middle of a sentence, so that "Target" opening a sentence is not taken for the retailer;
- a ticker counts only where the text marks it as one: "NYSE: BABA", "(Nasdaq:AAPL)", "$MSFT",
  "BABA.N", a name followed by its own ticker in parentheses, or the "AlibabaBABA--" tags some
  news sites glue onto names. Bare capitals ("AI", "IT", "ON") are never read as tickers.

The main company is the one mentioned most (a mention in the title counts three times).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.company_names import LEGAL_FORM_WORDS, suffix_trims
from ingest.documents import DocMeta

# One-word names that are ordinary words, places or exchanges far more often than companies.
_NOT_ALONE = {
    "news", "city", "united", "southern", "northern", "american", "capital", "community", "general",
    "customers", "service", "first", "global", "national", "dow", "nasdaq", "reuters", "bill", "dave",
    "target", "gap", "visa", "block", "match", "snap", "square", "pulse", "monday", "state", "union",
    "energy", "power", "data", "cloud", "china", "india", "america", "europe",
}
# Common names the SEC list does not give (a company is known by its brand, not its legal name).
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "GOOGL": ("Google", "Alphabet"),
    "META": ("Meta", "Facebook"),
    "BRK-B": ("Berkshire Hathaway", "Berkshire"),
    "JPM": ("JPMorgan", "JP Morgan"),
    "BAC": ("Bank of America",),
    "GS": ("Goldman Sachs", "Goldman"),
    "MS": ("Morgan Stanley",),
    "TSM": ("TSMC",),
    "BABA": ("Alibaba",),
    "PDD": ("Pinduoduo", "Temu"),
    "JD": ("JD.com",),
    "BIDU": ("Baidu",),
    "TCEHY": ("Tencent",),
    "WMT": ("Walmart",),
    "KO": ("Coca-Cola",),
    "XOM": ("Exxon", "ExxonMobil", "Exxon Mobil"),
}
_CONNECTORS = {"of", "and", "&", "the", "de", "for"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.-]*[A-Za-z0-9&]|[A-Za-z0-9&]")
_EXCHANGE_TICKER = re.compile(
    r"\b(?:NYSE(?:\s?American)?|NASDAQ|Nasdaq|NasdaqGS|NasdaqGM|AMEX|OTC|OTCQX|CBOE)\s*:\s*([A-Z]{1,5}(?:[.-][A-Z])?)\b"
)
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Z]{1,5})\b")
_GLUED = re.compile(r"[a-z]([A-Z]{1,5})--")  # "AlibabaBABA--" (ainvest.com-style ticker tags)
_PARENS = re.compile(r"\(([A-Z]{1,5})(?:\.[A-Z]{1,2})?\)")
_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$|\n\s*$|^\s*$")


@dataclass(frozen=True)
class Company:
    cik: str
    ticker: str
    name: str

    def label(self) -> str:
        return f"{self.name} ({self.ticker})"


@dataclass(frozen=True)
class CompanyList:
    by_ticker: dict[str, Company]
    by_alias: dict[str, Company]  # normalised alias ("alibaba group") -> company
    max_words: int


@dataclass(frozen=True)
class Mentions:
    main: Company | None
    companies: list[Company]  # most mentioned first

    def field(self) -> str | None:
        """The DocMeta `companies` value: "Alibaba Group Holding Ltd (BABA); Apple Inc. (AAPL)"."""
        return "; ".join(c.label() for c in self.companies) or None


def _norm(words: Iterable[str]) -> str:
    return " ".join(w.lower().replace("’", "'").replace(".", " ").replace("-", " ").strip()
                    for w in words).replace("  ", " ").strip()


def _display(name: str) -> str:
    """"MICROSOFT CORP" -> "Microsoft Corp"; "Qualcomm Inc/de" -> "Qualcomm Inc"."""
    name = re.sub(r"\s+Class [A-Z]$|\s*/[A-Za-z]{2}/?$", "", name.strip())
    short = {"INC", "CO", "COM", "LTD", "CORP", "PLC", "LLC"}
    return " ".join(w.capitalize() if w.isupper() and (len(w) > 3 or w.rstrip(".,") in short) else w
                    for w in name.split())


def _aliases(name: str) -> set[str]:
    words = _norm(re.sub(r"/[A-Za-z]{2}/?$", "", name).replace(",", " ").split()).split()
    out = set()
    for trimmed in suffix_trims(words):
        words = trimmed
        if words and words[-1] not in LEGAL_FORM_WORDS:
            out.add(" ".join(words))
    if words:
        out.add(" ".join(words))
    return {a for a in out if len(a) >= 3 and not a.isdigit() and a not in _NOT_ALONE}


def build_list(rows: Iterable[tuple[str, str, str]], extra: dict[str, tuple[str, ...]] | None = None
               ) -> CompanyList:
    """rows: (cik, ticker, name) in order of preference (the first company wins an alias)."""
    by_ticker: dict[str, Company] = {}
    by_cik: dict[str, Company] = {}
    by_alias: dict[str, Company] = {}
    for cik, ticker, name in rows:
        company = by_cik.get(cik) or Company(cik, ticker, _display(name))
        by_cik.setdefault(cik, company)
        by_ticker.setdefault(ticker.upper(), company)
        for alias in _aliases(name):
            by_alias.setdefault(alias, company)
    for ticker, names in (extra or {}).items():
        if ticker in by_ticker:
            for alias in names:
                by_alias[_norm(alias.split())] = by_ticker[ticker]
    max_words = max((a.count(" ") + 1 for a in by_alias), default=1)
    return CompanyList(by_ticker, by_alias, min(max_words, 6))


@lru_cache(maxsize=1)
def sec_companies() -> CompanyList:
    """The SEC list shipped with the package, read once."""
    data = resources.files("ingest").joinpath("data/sec_company_tickers.tsv.gz").read_bytes()
    rows = []
    for line in gzip.decompress(data).decode("utf-8").splitlines()[1:]:
        cik, ticker, exchange, name = line.split("\t")
        if exchange != "OTC":  # over-the-counter shells share names with household words
            rows.append((cik, ticker, name))
    return build_list(rows, _EXTRA_ALIASES)


def find_companies(text: str, title: str = "", companies: CompanyList | None = None,
                   limit: int = 10) -> Mentions:
    """The listed companies `text` (and `title`) mention, most mentioned first. A company needs a
    score of 2: a mention by a name of two or more words, or by ticker, scores 2; a one-word name
    1; the title counts three times."""
    companies = companies or sec_companies()
    counts: Counter[str] = Counter()
    found: dict[str, Company] = {}
    for weight, part in ((3, title), (1, text)):
        mentions = _name_mentions(part, companies) + [(c, 2) for c in _ticker_mentions(part, companies)]
        for company, score in mentions:
            counts[company.cik] += weight * score
            found.setdefault(company.cik, company)
    ranked = [found[cik] for cik, score in counts.most_common() if score >= 2][:limit]
    return Mentions(ranked[0] if ranked else None, ranked)


def _name_mentions(text: str, companies: CompanyList) -> list[tuple[Company, int]]:
    tokens = list(_WORD.finditer(text))
    out: list[tuple[Company, int]] = []
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(companies.max_words, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            words = [t.group() for t in span]
            if not _capitalised(words):
                continue
            company = companies.by_alias.get(_norm(words))
            if company is None:
                continue
            if n == 1 and (_sentence_start(text, span[0].start()) or words[0].isupper()
                           and len(words[0]) <= 4 and company.ticker != words[0]):
                continue  # "Target sales ..." at a sentence start; "AI", "IT" as words
            hit = (company, n)
            break
        if hit:
            out.append((hit[0], 2 if hit[1] > 1 else 1))
            i += hit[1]
        else:
            i += 1
    return out


def _ticker_mentions(text: str, companies: CompanyList) -> list[Company]:
    out = []
    for pattern in (_EXCHANGE_TICKER, _CASHTAG, _GLUED):
        for m in pattern.finditer(text):
            company = companies.by_ticker.get(m.group(1).replace(".", "-"))
            if company:
                out.append(company)
    for m in _PARENS.finditer(text):  # "Apple Inc. (AAPL)": only when the name is right before it
        company = companies.by_ticker.get(m.group(1))
        before = _norm(text[max(0, m.start() - 60) : m.start()].split())
        if company and any(alias in before for alias, c in _aliases_of(company, companies)):
            out.append(company)
    return out


def _aliases_of(company: Company, companies: CompanyList) -> list[tuple[str, Company]]:
    return [(alias, company) for alias in _aliases(company.name)] or [
        (a, c) for a, c in companies.by_alias.items() if c == company
    ]


def _capitalised(words: list[str]) -> bool:
    if not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in words if w.lower() not in _CONNECTORS)


def _sentence_start(text: str, pos: int) -> bool:
    return bool(_SENTENCE_END.search(text[max(0, pos - 3) : pos]))


def listed_company(name: str) -> Company | None:
    """The listed company `name` is on SEC's list ('Tesla', 'Bank of America'), or whose ticker
    it is when written in capitals ('TSLA'), as a question would name it; else None."""
    known = sec_companies()
    words = _WORD.findall(name)
    if not words:
        return None
    if len(words) == 1 and words[0].isupper() and words[0] in known.by_ticker:
        return known.by_ticker[words[0]]
    return known.by_alias.get(_norm(words)) if _capitalised(words) else None


def fill_main_company(meta: DocMeta, text: str, head_chars: int = 20000) -> None:
    """Give a document its loader could not name (an exhibit press release on its own, an annual
    report PDF without a cover) the company its title and opening text mention most."""
    if meta.company:
        return
    known = sec_companies()
    main = known.by_ticker.get((meta.ticker or "").upper().replace(".", "-"))
    if main is None and not meta.ticker:
        main = find_companies(text[:head_chars], meta.title, known).main
    if main is not None:
        meta.company, meta.ticker = main.name, main.ticker
        meta.cik = meta.cik or main.cik.zfill(10)  # as filings write it: 10 digits
