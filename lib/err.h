/*
 * err: how failures are told, and the one place that prints diagnostics
 * and exits.
 *
 * The rule for lib/: a function that fails returns -1 (or NULL) with errno
 * set, and leaves the text for a person in one thread-local string,
 * err_text().  lib/ never prints and never exits; only main() (and what it
 * calls in cmd/) prints, usually as die(code, "%s", err_text()) or
 * warn("...: %s", err_text()).  There are no other ways: no error
 * out-parameters, no caller buffers, no per-object or per-module texts.
 *   err_fail(e, fmt, ...) sets the text and errno = e, and returns -1:
 *       return err_fail(EINVAL, "'%s': not an object", path);
 *   err_set(fmt, ...) sets the text only (errno is kept).
 *   err_text() is the text of the last failure on this thread, "" if there
 *       was none; valid until the next failing lib call on the same thread,
 *       so read it right after the call that failed.  A call that succeeds
 *       may change it too (it may have failed and recovered inside).
 * Each header says which of its calls leave a text.  Small helpers whose
 * errno says everything (buf.h, zkpath.h, record.h, duration.h, ids.h,
 * tar_add_file()) leave none: print strerror(errno) for them, as for a
 * system call.
 * The arguments may include err_text() itself, to add context to what a
 * lower layer said: err_fail(errno, "unable to read '%s': %s", p,
 * err_text()).  Texts are one line, lower case, no full stop, at most
 * ERR_TEXT_MAX - 1 bytes (longer ones are cut).  Being thread-local, the
 * text of a failure is read on the thread that called the failing function
 * (drove-httpd's handlers, drove-execd's instance threads).  Answers that
 * carry reasons are results, not failures (placement's why, a spec's
 * validationErrors, reconcile's "reason") and do not use err_text().
 *
 * Printing: every program sets PROG first thing in main().  Messages go to
 * stderr as one line, "PROG: level: message", with no timestamp (s6-log
 * adds it).  die*() exit with the given code; the *sys forms append
 * ": strerror(errno)".  Exit codes are the same across programs:
 *   EXIT_OK 0, EXIT_NO 1 (negative answer), EXIT_USAGE 100 (permanent:
 *   usage or configuration), EXIT_TEMP 111 (temporary: ZK down, I/O, OOM).
 * verbosity is raised by -v.
 */
#ifndef DROVE_ERR_H
#define DROVE_ERR_H

#include <stddef.h>

#define EXIT_OK 0
#define EXIT_NO 1
#define EXIT_USAGE 100
#define EXIT_TEMP 111

#define ERR_TEXT_MAX 1024

int err_fail(int e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_text(void);

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
