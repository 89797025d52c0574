#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Swaps the directory entries `a` and `b` in one step (renameat2 with RENAME_EXCHANGE, Linux
/// 3.15+ on ext4, xfs, btrfs and tmpfs): a reader finds one or the other at each name, never
/// neither. glibc declares renameat2 only under _GNU_SOURCE, and syscall is variadic (Swift
/// cannot call it). Returns 0, or -1 with errno set (ENOSYS, EINVAL where unsupported).
static inline int chronicle_exchange(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}
