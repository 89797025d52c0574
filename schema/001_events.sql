-- Chronicle event log, version 1.
-- The log is append-only: every row is one event, never updated, never deleted.

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,          -- global position: 1, 2, 3 … gap-free, in commit order
    stream       TEXT    NOT NULL,             -- entity: task/ID, memory/KEY, workflow/ID, context/ID
    stream_rev   INTEGER NOT NULL,             -- 1, 2, 3 … per stream (optimistic concurrency)
    type         TEXT    NOT NULL,             -- event type, e.g. task.created
    type_version INTEGER NOT NULL,             -- payload schema version (upcast on read)
    valid_from   INTEGER NOT NULL,             -- valid time, µs since the Unix epoch (UTC)
    recorded_at  INTEGER NOT NULL,             -- transaction time, µs; strictly increasing per command
    command_id   TEXT    NOT NULL,             -- the command that produced it; '@SEQ' when it had no id
    codec        INTEGER NOT NULL,             -- 0: JSON, 1: LZ4 block (4-byte LE length + JSON)
    payload      BLOB    NOT NULL,
    hash         BLOB    NOT NULL,             -- SHA-256(previous hash ‖ this event's content)
    UNIQUE (stream, stream_rev)
);

-- Positions are assigned by the writer as max(seq) + 1 under the write lock (BEGIN IMMEDIATE),
-- so they are gap-free; `chronicle verify` and the tests check it. (A trigger checking it on
-- every insert cost about 20% of bulk append throughput.)

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;

-- Commands that carried an explicit id, with the ack they got: a repeat returns it (exactly-once
-- append); the same id on a different command is refused (the fingerprint tells them apart).
CREATE TABLE commands (
    command_id  TEXT    PRIMARY KEY,
    first_seq   INTEGER NOT NULL,
    fingerprint BLOB    NOT NULL,              -- SHA-256 of the parsed command and its envelope
    ack         TEXT    NOT NULL               -- JSON: {"ack": code, …fields}
) WITHOUT ROWID;

CREATE TRIGGER commands_no_update BEFORE UPDATE ON commands
BEGIN SELECT RAISE(ABORT, 'commands are append-only: UPDATE refused'); END;

CREATE TRIGGER commands_no_delete BEFORE DELETE ON commands
BEGIN SELECT RAISE(ABORT, 'commands are append-only: DELETE refused'); END;
