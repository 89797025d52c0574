#include <hiredis/hiredis.h>
#include <sys/time.h>

/// The Debian libhiredis-dev (0.14.1): RESP2 only and no TLS library (hiredis_ssl came with 1.0).
/// redisCommand and redisAppendCommand are variadic (Swift cannot call them): Swift uses the
/// Argv forms, which are also binary-safe. What Swift cannot reach directly is wrapped here.

/// The version of the hiredis headers Chronicle was built with, as major * 10000 + minor * 100 + patch.
static inline int chronicle_hiredis_version(void) {
    return HIREDIS_MAJOR * 10000 + HIREDIS_MINOR * 100 + HIREDIS_PATCH;
}

/// A timeval of `milliseconds`, for the connect and reply timeouts.
static inline struct timeval chronicle_hiredis_timeval(long long milliseconds) {
    struct timeval tv;
    tv.tv_sec = (time_t)(milliseconds / 1000);
    tv.tv_usec = (suseconds_t)((milliseconds % 1000) * 1000);
    return tv;
}
