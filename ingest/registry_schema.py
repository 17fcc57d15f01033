"""The registry's schema: numbered migrations, each run once in order (`PRAGMA user_version`,
ingest/migrations.py), in the manner of simonw/llm. A new schema change is a new entry at the
end; an entry is never edited once released (tests/test_registry.py upgrades a store from each
older version)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: documents, chunks, embedding cache, store facts
    """
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        source TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        meta_json TEXT NOT NULL,
        text TEXT NOT NULL,
        n_chunks INTEGER NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE chunks (
        chunk_id TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        page INTEGER,
        section TEXT
    );
    CREATE INDEX chunks_doc ON chunks(doc_id, ordinal);
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, model)
    );
    CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO store_info VALUES ('generation', '0');
    """,
    # 2: near-duplicate articles (ingest/dedup.py): a MinHash signature per stored article, and
    #    the other sources where a stored article's text was found (no foreign key: a replaced
    #    document keeps them; readers join on documents)
    """
    CREATE TABLE signatures (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
        minhash BLOB NOT NULL
    );
    CREATE TABLE duplicate_sources (
        source TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        url TEXT,
        site TEXT,
        title TEXT,
        similarity REAL NOT NULL,
        found_at TEXT NOT NULL
    );
    CREATE INDEX duplicate_sources_doc ON duplicate_sources(doc_id);
    """,
    # 3: facts: each figure of a stored document's financial tables (ingest/facts.py), written
    #    and deleted with its document
    """
    CREATE TABLE facts (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        chunk_id TEXT,
        page INTEGER,
        company TEXT,
        statement TEXT,
        line_item TEXT NOT NULL,
        parents_json TEXT NOT NULL,
        line_item_id TEXT,
        header TEXT NOT NULL,
        period_start TEXT,
        period_end TEXT,
        fiscal_period TEXT,
        value TEXT NOT NULL,
        text TEXT NOT NULL,
        unit TEXT,
        currency TEXT,
        scale INTEGER,
        concept TEXT,
        PRIMARY KEY (doc_id, ordinal)
    );
    CREATE INDEX facts_item ON facts(line_item_id, fiscal_period);
    """,
    # 4: the number printed on a chunk's page ('7', 'F-3') beside its PDF page
    """
    ALTER TABLE chunks ADD COLUMN printed_page TEXT;
    """,
    # 5: the lexical index (ingest/lexical.py): each chunk's text in FTS5 (Porter stemmer), row
    #    for row with the chunks table (same rowid), written and deleted by triggers in the
    #    transaction that writes or deletes the chunk (a document's delete cascades to its
    #    chunks, and so to here); filled from the chunks already stored. doc_id is indexed, so a
    #    search scoped to documents is an FTS5 AND that skips to their rows. The delete checks
    #    the chunk id too: were rowids ever renumbered (a VACUUM may), a row is left, which
    #    readers drop as unknown to the registry, never a wrong row deleted
    """
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        chunk_id UNINDEXED, doc_id, text, tokenize = 'porter unicode61'
    );
    CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts (rowid, chunk_id, doc_id, text)
        VALUES (new.rowid, new.chunk_id, new.doc_id, new.text);
    END;
    CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        DELETE FROM chunks_fts WHERE rowid = old.rowid AND chunk_id = old.chunk_id;
    END;
    INSERT INTO chunks_fts (rowid, chunk_id, doc_id, text)
    SELECT rowid, chunk_id, doc_id, text FROM chunks;
    """,
    # 6: the write journal (ingest/store.py): the chunk ids a document's unfinished write may
    #    have left in Chroma, so that opening the store for writing repairs only those; a store
    #    from before the journal is checked whole once
    """
    CREATE TABLE pending_writes (
        doc_id TEXT PRIMARY KEY,
        chunk_ids_json TEXT NOT NULL
    );
    INSERT INTO store_info VALUES ('full_repair', '1');
    """,
    # 7: each document's company identity (ingest/identity.py): legal name, ticker, CIK and the
    #    other spellings (short names, initials, the cover's name, former names) as JSON
    #    [{"name", "kind"}]; older documents get theirs from their stored meta and text on open
    """
    CREATE TABLE identities (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
        legal_name TEXT NOT NULL,
        ticker TEXT,
        cik TEXT,
        aliases_json TEXT NOT NULL
    );
    """,
    # 8: the financial statement or filing section a chunk sits in (ingest/statements.py)
    """
    ALTER TABLE chunks ADD COLUMN statement TEXT;
    CREATE INDEX chunks_statement ON chunks(statement);
    """,
    # 9: the embedding-cache key of the vector each chunk has in Chroma, so a scoped exact search
    # reads its scope's vectors in one join (NULL for chunks written before: they are hashed)
    """
    ALTER TABLE chunks ADD COLUMN vector_hash TEXT;
    """,
    # 10: chunk counts read from an index, not the documents' rows: a row holds the document's
    # whole text before its count, so summing counts walked every text (200 ms at 1M passages)
    """
    CREATE INDEX documents_chunk_counts ON documents(doc_id, n_chunks);
    """,
]
