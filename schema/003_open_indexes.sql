-- Chronicle event log, version 3: what a process needs to open a log without folding all of it.
-- Both are derived from the events (a log written before this version gets them filled in when
-- it is first opened) and are kept in the same transactions as the events they index.

-- The creations of tasks and workflow instances, by stream: the highest counter of an id slug
-- (`fix_bug_007`) is read from here, not from a fold of every creation.
CREATE INDEX events_creations ON events (stream) WHERE type = 'task.created' OR type = 'workflow.started';

-- Every context-cascade path a task's events ever named, with the task: `cl:PATH` reads the
-- tasks that may name PATH from here (it keeps those that name it as of its valid time).
CREATE TABLE context_paths (
    path TEXT NOT NULL,
    task TEXT NOT NULL,
    PRIMARY KEY (path, task)
) WITHOUT ROWID;
