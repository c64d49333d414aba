-- Urna mirror tables, SQLite (spec/api.md §8): the store-and-forward
-- queue of relayed ballots, their outcomes, and equivocation evidence.
-- Append-only like the log: a queued ballot is never changed or removed;
-- its outcome is a second row, written once. A board never writes them.

CREATE TABLE relay_queue (
    election      TEXT    NOT NULL,
    tracking_code BLOB    NOT NULL,
    entry         BLOB    NOT NULL,
    received_ms   INTEGER NOT NULL,
    promise       BLOB    NOT NULL,
    PRIMARY KEY (election, tracking_code)
);

CREATE TABLE relay_outcomes (
    election      TEXT    NOT NULL,
    tracking_code BLOB    NOT NULL,
    delivered     INTEGER NOT NULL,
    detail        TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (election, tracking_code),
    FOREIGN KEY (election, tracking_code) REFERENCES relay_queue (election, tracking_code)
);

CREATE TABLE evidence (
    digest   BLOB    PRIMARY KEY NOT NULL,
    election TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    found_ms INTEGER NOT NULL,
    evidence BLOB    NOT NULL
);

CREATE TRIGGER relay_queue_no_update BEFORE UPDATE ON relay_queue BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER relay_queue_no_delete BEFORE DELETE ON relay_queue BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER relay_outcomes_no_update BEFORE UPDATE ON relay_outcomes BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER relay_outcomes_no_delete BEFORE DELETE ON relay_outcomes BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence BEGIN SELECT RAISE(ABORT, 'append-only table'); END;
