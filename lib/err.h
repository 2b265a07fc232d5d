/*
 * err: the one place that prints diagnostics and exits.
 *
 * Every program sets PROG first thing in main().  Messages go to stderr as
 * one line, "PROG: level: message", with no timestamp (s6-log adds it).
 * die*() exit with the given code; the *sys forms append ": strerror(errno)".
 * Exit codes are the same across programs:
 *   EXIT_OK 0, EXIT_NO 1 (negative answer), EXIT_USAGE 100 (permanent:
 *   usage or configuration), EXIT_TEMP 111 (temporary: ZK down, I/O, OOM).
 * Nothing else in lib/ prints or exits.  verbosity is raised by -v.
 */
#ifndef DROVE_ERR_H
#define DROVE_ERR_H

#include <stddef.h>

#define EXIT_OK 0
#define EXIT_NO 1
#define EXIT_USAGE 100
#define EXIT_TEMP 111

extern const char *PROG;
extern int verbosity;

void die(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void diesys(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void dieusage(const char *usage) __attribute__((noreturn));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnsys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* BUG: an impossible state; prints file and line, exits 111. */
#define BUG(msg) die(EXIT_TEMP, "BUG at %s:%d: %s", __FILE__, __LINE__, (msg))

/* Allocation that dies with 111 on OOM: for cmd/ only, never lib/. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flush and check stdout once before exiting 0; dies 111 on a write error
 * (EPIPE exits 1 quietly). */
void stdout_close(void);

#endif
