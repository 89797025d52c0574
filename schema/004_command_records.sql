-- Chronicle event log, version 4: a command id is recorded in the row of its command's first
-- event, not in a table of its own. Finding a repeated id is then part of the event's insert (a
-- unique index), where a row in `commands` cost a second insert per command: bulk appends of
-- id'd lines ran at 0.4-0.6 of the speed of the same lines without ids.
--
-- Both columns are NULL but on the first event of a command that carried an explicit id. Like
-- the `commands` table, they are not part of the hash chain: they are what a retry is answered
-- with, not what happened.
ALTER TABLE events ADD COLUMN command_fingerprint BLOB;  -- SHA-256 of the parsed command and its envelope
ALTER TABLE events ADD COLUMN command_ack TEXT;          -- JSON: {"ack": code, …fields}

CREATE UNIQUE INDEX events_command_ids ON events (command_id) WHERE command_ack IS NOT NULL;

-- `commands` keeps the ids recorded before this version (read, never written again). A log
-- that holds some looks each id up before deciding, as earlier versions did.
