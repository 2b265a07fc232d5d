#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"

int
sig_fd(const int *signals)
{
	sigset_t set;
	int r;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	for (; *signals; signals++)
		sigaddset(&set, *signals);
	r = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
sig_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t r;

	do
		r = read(fd, &si, sizeof si);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof si)
		return (int)si.ssi_signo;
	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r >= 0)
		errno = EIO;
	return -1;
}

long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
deadline_after(struct timespec *ts, clockid_t clock, long long ms)
{
	clock_gettime(clock, ts);
	if (ms <= 0)
		return;
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
