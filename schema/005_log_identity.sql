-- Chronicle event log, version 5: the log's identity, made once with the log (or by this
-- migration for a log made before it). A projection records the identity of the log it was
-- built from and refuses to be continued from another log: two logs may hold the same
-- positions and streams, and a view mixing them would be wrong without any error.
CREATE TABLE log_identity (
    id         TEXT NOT NULL,   -- 32 hex digits, random
    created_at TEXT NOT NULL    -- when the identity was made (UTC, RFC 3339)
);
INSERT INTO log_identity (id, created_at)
VALUES (lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
