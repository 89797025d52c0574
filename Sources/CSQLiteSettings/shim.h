#include <sqlite3.h>

/// Turns off SQLite's memory statistics, which every allocation of every connection updates
/// under one process-wide mutex: two threads on two connections (a bulk group's writer and its
/// reads of committed rows) otherwise wait for each other on nearly every statement.
/// sqlite3_config is variadic (Swift cannot call it); it only works before SQLite is initialized
/// (the first connection opened) and returns SQLITE_MISUSE after.
static inline int chronicle_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
