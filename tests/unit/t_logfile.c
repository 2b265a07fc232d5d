#include <string.h>

#include "logfile.h"
#include "tap.h"

#define NAME_OK(s) logfile_name_ok(s, strlen(s))

static const char *
unescaped(const char *in, size_t *n)
{
	static char s[256];

	snprintf(s, sizeof s, "%s", in);
	*n = logfile_unescape(NULL, NULL, s);
	return s;
}

int
main(void)
{
	const char *f;
	char longname[300];
	size_t n;

	ok(NAME_OK("output.log") && NAME_OK("output.log-2024-07-04") &&
	    NAME_OK("hello-1") && NAME_OK("AI-58eb1111-8c2c") &&
	    NAME_OK("a_b.c"), "ids and file names pass");
	ok(!NAME_OK("") && !NAME_OK(".") && !NAME_OK("..") &&
	    !NAME_OK(".hidden"), "empty, dot, dot-dot, hidden refused");
	ok(!NAME_OK("../x") && !NAME_OK("a/b") && !NAME_OK("/etc/passwd"),
	    "a slash (relative or absolute) refused");
	ok(!NAME_OK("..\\x") && !NAME_OK("a\\b"), "a backslash refused");
	ok(!NAME_OK("%2e%2e") && !NAME_OK("a%2fb") && !NAME_OK("%252e"),
	    "a name still encoded refused");
	ok(!logfile_name_ok("ab\0c", 4), "a NUL inside refused");
	ok(!NAME_OK("a b") && !NAME_OK("a:b") && !NAME_OK("\xc3\xa9"),
	    "space, colon, non-ASCII refused");
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ok(!NAME_OK(longname), "a name over NAME_MAX refused");

	ok(logfile_op("list", &f) == LOGFILE_LIST && f == NULL, "list");
	ok(logfile_op("read/output.log", &f) == LOGFILE_READ &&
	    !strcmp(f, "output.log"), "read/<file>");
	ok(logfile_op("download/output.log", &f) == LOGFILE_DOWNLOAD &&
	    !strcmp(f, "output.log"), "download/<file>");
	ok(logfile_op("read/../x", &f) == LOGFILE_BAD_NAME &&
	    logfile_op("download//etc/passwd", &f) == LOGFILE_BAD_NAME &&
	    logfile_op("read/", &f) == LOGFILE_BAD_NAME &&
	    logfile_op("read/.x", &f) == LOGFILE_BAD_NAME,
	    "bad file names");
	ok(logfile_op("list/x", &f) == LOGFILE_BAD_PATH &&
	    logfile_op("write/x", &f) == LOGFILE_BAD_PATH &&
	    logfile_op("", &f) == LOGFILE_BAD_PATH &&
	    logfile_op("read", &f) == LOGFILE_BAD_PATH, "bad shapes");

	is_str(unescaped("/a/%2e%2e%2Fb", &n), "/a/../b",
	    "%%XX decoded as libmicrohttpd does");
	is_int(n, 7, "decoded length");
	is_str(unescaped("/a/output.log%00.txt", &n), "/a/output.log%00.txt",
	    "a string with %%00 stays encoded");
	is_int(n, strlen("/a/output.log%00.txt"), "its whole length");
	is_str(unescaped("/a/%2500", &n), "/a/%00",
	    "an encoded %%00 decodes once, to text");
	return done_testing();
}
