/*
 * notify: the s6 readiness protocol.  notify_check(fd) validates a -d
 * argument (fd >= 3 and open) and returns 0, or -1 with errno=EBADF.
 * notify_ready(fd) writes one newline and closes fd; fd < 0 is a no-op.
 */
#ifndef DROVE_NOTIFY_H
#define DROVE_NOTIFY_H

int notify_check(int fd);
void notify_ready(int fd);
int notify_parse(const char *arg);	/* -1 unless a valid fd */

#endif
