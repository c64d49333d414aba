-- Urna bulletin board, SQLite schema (spec/api.md §6).
-- Every log table is append-only: triggers reject UPDATE and DELETE.
-- No column holds an IP address, a user agent or a voter identity (docs/attacks.md C7).

CREATE TABLE board_meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);

CREATE TABLE elections (
    id            TEXT PRIMARY KEY NOT NULL,
    manifest_hash BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE entries (
    election  TEXT    NOT NULL REFERENCES elections(id),
    seq       INTEGER NOT NULL,
    tag       INTEGER NOT NULL,
    bytes     BLOB    NOT NULL,
    leaf_hash BLOB    NOT NULL,
    PRIMARY KEY (election, seq)
);

CREATE TABLE tree_heads (
    election     TEXT    NOT NULL REFERENCES elections(id),
    tree_size    INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    head         BLOB    NOT NULL,
    PRIMARY KEY (election, tree_size)
);

CREATE TABLE ballots (
    election       TEXT    NOT NULL REFERENCES elections(id),
    tracking_code  BLOB    NOT NULL,
    seq            INTEGER NOT NULL,
    credential     BLOB    NOT NULL,
    spoiled        INTEGER NOT NULL,
    accepted_at_ms INTEGER NOT NULL,
    PRIMARY KEY (election, tracking_code)
);
CREATE INDEX ballots_by_credential ON ballots (election, credential);

CREATE TRIGGER board_meta_no_update BEFORE UPDATE ON board_meta BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER board_meta_no_delete BEFORE DELETE ON board_meta BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER elections_no_update BEFORE UPDATE ON elections BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER elections_no_delete BEFORE DELETE ON elections BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER ballots_no_update BEFORE UPDATE ON ballots BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER ballots_no_delete BEFORE DELETE ON ballots BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
