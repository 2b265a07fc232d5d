#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

const char *PROG = "drove";
int verbosity = 0;

static _Thread_local char text[ERR_TEXT_MAX];

/* Formatted apart first: the arguments may include err_text() itself. */
static void
vset(const char *fmt, va_list ap)
{
	char t[ERR_TEXT_MAX];

	vsnprintf(t, sizeof t, fmt, ap);
	memcpy(text, t, strlen(t) + 1);
}

int
err_fail(int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

void
err_set(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	errno = e;
}

const char *
err_text(void)
{
	return text;
}

static void
vsay(const char *level, int with_errno, const char *fmt, va_list ap)
{
	int e = errno;
	char msg[2048];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s: %s\n", PROG, level, msg, strerror(e));
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, level, msg);
	errno = e;
}

void
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("fatal", 0, fmt, ap);
	va_end(ap);
	exit(code);
}

void
diesys(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("fatal", 1, fmt, ap);
	va_end(ap);
	exit(code);
}

void
dieusage(const char *usage)
{
	fprintf(stderr, "%s: usage: %s\n", PROG, usage);
	exit(EXIT_USAGE);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", 0, fmt, ap);
	va_end(ap);
}

void
warnsys(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", 1, fmt, ap);
	va_end(ap);
}

void
info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("info", 0, fmt, ap);
	va_end(ap);
}

void
dbg(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vsay("debug", 0, fmt, ap);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_TEMP, "out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		die(EXIT_TEMP, "out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die(EXIT_TEMP, "out of memory");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die(EXIT_TEMP, "out of memory");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		die(EXIT_TEMP, "out of memory");
	return s;
}

void
stdout_close(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(EXIT_NO);
		diesys(EXIT_TEMP, "unable to write to standard output");
	}
}
