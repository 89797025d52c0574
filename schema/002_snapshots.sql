-- Chronicle event log, version 2: snapshots of reducer state.
-- A snapshot is a cache: deleting rows changes no answer, only how long a global as-of query takes.

CREATE TABLE snapshots (
    kind      TEXT    NOT NULL,             -- task, memory, workflow, context
    seq       INTEGER NOT NULL,             -- position S: every event at or before it is accounted for
    valid_at  INTEGER NOT NULL,             -- valid time V_s (µs) the states are as of
    format    INTEGER NOT NULL,             -- version of the state encoding; other versions are ignored
    codec     INTEGER NOT NULL,             -- 0: JSON, 1: LZ4 block (4-byte LE length + JSON)
    state     BLOB    NOT NULL,             -- {"kind", "position", "valid_at", "pending": [seq…], "streams": [{"id", "frontier", "state"}…]}
    PRIMARY KEY (kind, seq)
);
