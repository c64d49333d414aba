-- Urna bulletin board, PostgreSQL schema (spec/api.md §6).
-- Every log table is append-only: a trigger rejects UPDATE, DELETE and TRUNCATE.
-- No column holds an IP address, a user agent or a voter identity (docs/attacks.md C7).

CREATE TABLE board_meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BYTEA NOT NULL
);

CREATE TABLE elections (
    id            TEXT PRIMARY KEY NOT NULL,
    manifest_hash BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE entries (
    election  TEXT     NOT NULL REFERENCES elections(id),
    seq       BIGINT   NOT NULL,
    tag       SMALLINT NOT NULL,
    bytes     BYTEA    NOT NULL,
    leaf_hash BYTEA    NOT NULL,
    PRIMARY KEY (election, seq)
);

CREATE TABLE tree_heads (
    election     TEXT   NOT NULL REFERENCES elections(id),
    tree_size    BIGINT NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    head         BYTEA  NOT NULL,
    PRIMARY KEY (election, tree_size)
);

CREATE TABLE ballots (
    election       TEXT    NOT NULL REFERENCES elections(id),
    tracking_code  BYTEA   NOT NULL,
    seq            BIGINT  NOT NULL,
    credential     BYTEA   NOT NULL,
    spoiled        BOOLEAN NOT NULL,
    accepted_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (election, tracking_code)
);
CREATE INDEX ballots_by_credential ON ballots (election, credential);

CREATE FUNCTION urna_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER board_meta_append_only BEFORE UPDATE OR DELETE ON board_meta FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER elections_append_only BEFORE UPDATE OR DELETE ON elections FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER tree_heads_append_only BEFORE UPDATE OR DELETE ON tree_heads FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER ballots_append_only BEFORE UPDATE OR DELETE ON ballots FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER board_meta_no_truncate BEFORE TRUNCATE ON board_meta FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER elections_no_truncate BEFORE TRUNCATE ON elections FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER tree_heads_no_truncate BEFORE TRUNCATE ON tree_heads FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER ballots_no_truncate BEFORE TRUNCATE ON ballots FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
