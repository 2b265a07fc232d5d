/*
 * sig: signals as poll(2) events (no work in handlers), and the monotonic
 * clock every daemon's deadlines use.
 *
 *   int sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGHUP, 0 });
 *   ... poll on sfd; int s = sig_read(sfd); ...
 *
 * sig_fd() ignores SIGPIPE (writes fail with EPIPE instead), blocks the
 * listed signals in the calling thread (call it before creating threads so
 * they inherit the mask) and returns a close-on-exec, non-blocking
 * signalfd, or -1 with errno.  sig_read() returns the number of the next
 * pending signal, 0 if none, -1 on error.
 * mono_ms() is CLOCK_MONOTONIC in milliseconds, mono_us() in microseconds.
 * deadline_after() sets *ts to ms milliseconds from now on clock (now when
 * ms <= 0), for pthread_cond_timedwait() and friends.
 */
#ifndef DROVE_SIG_H
#define DROVE_SIG_H

#include <time.h>

int sig_fd(const int *signals);
int sig_read(int fd);
long long mono_ms(void);
long long mono_us(void);
void deadline_after(struct timespec *ts, clockid_t clock, long long ms);

#endif
