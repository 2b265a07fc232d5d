#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "notify.h"

int
notify_check(int fd)
{
	if (fd < 3 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int
notify_parse(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end || v < 3 || v > 1 << 20)
		return -1;
	return notify_check((int)v) < 0 ? -1 : (int)v;
}

void
notify_ready(int fd)
{
	ssize_t r;

	if (fd < 0)
		return;
	do
		r = write(fd, "\n", 1);
	while (r < 0 && errno == EINTR);
	close(fd);
}
