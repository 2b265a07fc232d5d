/*
 * logfile: the names in a request for an instance's log files, checked the
 * same way by the executor that serves them (drove-logstream, Drove's
 * LogFileStream: /apis/v1/logs/filestream/{id}/{instance}/{op}) and by the
 * controller's proxy (drove-httpd) before it forwards one, so that no
 * request can name anything outside <logPath>/<id>/<instance>/.
 *
 * logfile_name_ok(s, n): 1 if the n bytes at s may be an id (appId,
 * sourceAppName, serviceId, instanceId, taskId) or a file name there:
 * 1..NAME_MAX bytes of [A-Za-z0-9_.-], not starting with a dot; so never
 * ".", "..", '/', '\\', '%' (a name still encoded, e.g. "%2e" of a
 * double-encoded "%252e") nor NUL.  Else 0.
 * logfile_op(rest, &file): what the part after "{id}/{instance}/" asks:
 * LOGFILE_LIST ("list"), LOGFILE_READ ("read/<file>") or LOGFILE_DOWNLOAD
 * ("download/<file>", *file pointing into rest; NULL for list);
 * LOGFILE_BAD_PATH when rest has none of these shapes, LOGFILE_BAD_NAME
 * when <file> fails logfile_name_ok().
 * logfile_unescape(): an MHD_OPTION_UNESCAPE_CALLBACK for both daemons:
 * decodes %XX as libmicrohttpd does, except that a string with "%00" in it
 * is left as it came.  Decoded, a NUL would cut the URL short before the
 * handler sees it ("read/output.log%00.txt" would read output.log); left
 * encoded, its '%' fails logfile_name_ok() (and a number's parse).
 * None of these sets errno or err_text().
 */
#ifndef DROVE_LOGFILE_H
#define DROVE_LOGFILE_H

#include <stddef.h>

enum logfile_op {
	LOGFILE_BAD_NAME = -2,
	LOGFILE_BAD_PATH = -1,
	LOGFILE_LIST,
	LOGFILE_READ,
	LOGFILE_DOWNLOAD
};

struct MHD_Connection;

int logfile_name_ok(const char *s, size_t n);
enum logfile_op logfile_op(const char *rest, const char **file);
size_t logfile_unescape(void *cls, struct MHD_Connection *c, char *s);

#endif
