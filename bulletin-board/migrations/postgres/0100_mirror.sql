-- Urna mirror tables, PostgreSQL (spec/api.md §8): the store-and-forward
-- queue of relayed ballots, their outcomes, and equivocation evidence.
-- Append-only like the log: a queued ballot is never changed or removed;
-- its outcome is a second row, written once. A board never writes them.

CREATE TABLE relay_queue (
    election      TEXT   NOT NULL,
    tracking_code BYTEA  NOT NULL,
    entry         BYTEA  NOT NULL,
    received_ms   BIGINT NOT NULL,
    promise       BYTEA  NOT NULL,
    PRIMARY KEY (election, tracking_code)
);

CREATE TABLE relay_outcomes (
    election      TEXT   NOT NULL,
    tracking_code BYTEA  NOT NULL,
    delivered     BIGINT NOT NULL,
    detail        TEXT   NOT NULL,
    at_ms         BIGINT NOT NULL,
    PRIMARY KEY (election, tracking_code),
    FOREIGN KEY (election, tracking_code) REFERENCES relay_queue (election, tracking_code)
);

CREATE TABLE evidence (
    digest   BYTEA  PRIMARY KEY NOT NULL,
    election TEXT   NOT NULL,
    kind     TEXT   NOT NULL,
    found_ms BIGINT NOT NULL,
    evidence BYTEA  NOT NULL
);

CREATE TRIGGER relay_queue_append_only BEFORE UPDATE OR DELETE ON relay_queue FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER relay_outcomes_append_only BEFORE UPDATE OR DELETE ON relay_outcomes FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence FOR EACH ROW EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER relay_queue_no_truncate BEFORE TRUNCATE ON relay_queue FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER relay_outcomes_no_truncate BEFORE TRUNCATE ON relay_outcomes FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence FOR EACH STATEMENT EXECUTE FUNCTION urna_append_only();
