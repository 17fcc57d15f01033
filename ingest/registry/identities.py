"""The ``identities`` table: each stored document's company identity (ingest/identity.py), and
the store's companies merged from them."""

from __future__ import annotations

import json

from ingest.documents import DocMeta
from ingest.identity import HEAD_CHARS as IDENTITY_HEAD_CHARS
from ingest.identity import Alias, CompanyIdentity, document_identity, merge_identities
from ingest.registry.store_info import StoreInfo

_IDENTITIES_FILLED = "identities_filled"  # store_info key: older documents' identities written


class IdentityTable(StoreInfo):
    # (PRAGMA data_version, the companies) as last read: see companies()
    _companies: tuple[int, list[CompanyIdentity]] | None = None

    def identities(self) -> dict[str, CompanyIdentity]:
        """Each stored document's company identity, by doc_id (documents without a company have
        none)."""
        rows = self.db.execute(
            "SELECT doc_id, legal_name, ticker, cik, aliases_json FROM identities").fetchall()
        return {doc_id: CompanyIdentity(name, ticker, cik, tuple(Alias(**a) for a in json.loads(aliases)))
                for doc_id, name, ticker, cik, aliases in rows}

    def companies(self) -> list[CompanyIdentity]:
        """One entry per company (per CIK, else per name), its other spellings as aliases, in
        the order the companies were first stored."""
        version = int(self.db.execute("PRAGMA data_version").fetchone()[0])  # others' commits
        if self._companies is None or self._companies[0] != version:  # read once per change
            rows = self.db.execute("SELECT doc_id FROM documents ORDER BY ingested_at, source")
            order = {doc_id: i for i, (doc_id,) in enumerate(rows)}
            found = self.identities()
            companies = merge_identities(found[d] for d in sorted(found, key=lambda d: order.get(d, 0)))
            self._companies = (version, companies)
        return list(self._companies[1])

    def _forget_companies(self) -> None:
        """Read the companies again next time: this connection's own writes do not change
        data_version."""
        self._companies = None

    def _delete_identity(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM identities WHERE doc_id=?", (doc_id,))

    def _put_identity(self, doc_id: str, identity: CompanyIdentity | None) -> None:
        self._forget_companies()
        if identity is None:
            return
        self.db.execute(
            "INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?, ?)",
            (doc_id, identity.legal_name, identity.ticker, identity.cik,
             json.dumps([{"name": a.name, "kind": a.kind} for a in identity.aliases])),
        )

    def _fill_identities(self) -> None:
        """Identities for the documents stored before there were any (migration 7), from their
        stored meta and text: no re-ingest. Runs once per store (each open checks)."""
        if self.info(_IDENTITIES_FILLED) is not None:
            return
        with self._transaction():
            if self.info(_IDENTITIES_FILLED) is not None:  # another process did it meanwhile
                return
            rows = self.db.execute(
                "SELECT doc_id, meta_json, substr(text, 1, ?) FROM documents "
                "WHERE doc_id NOT IN (SELECT doc_id FROM identities)", (IDENTITY_HEAD_CHARS,),
            ).fetchall()
            for doc_id, meta_json, head in rows:
                self._put_identity(doc_id, document_identity(DocMeta.model_validate_json(meta_json), head))
            self.set_info(_IDENTITIES_FILLED, "1")
