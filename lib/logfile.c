#include <limits.h>
#include <string.h>

#include <microhttpd.h>

#include "logfile.h"

int
logfile_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

enum logfile_op
logfile_op(const char *rest, const char **file)
{
	enum logfile_op op;

	*file = NULL;
	if (!strcmp(rest, "list"))
		return LOGFILE_LIST;
	if (!strncmp(rest, "read/", 5)) {
		op = LOGFILE_READ;
		*file = rest + 5;
	} else if (!strncmp(rest, "download/", 9)) {
		op = LOGFILE_DOWNLOAD;
		*file = rest + 9;
	} else
		return LOGFILE_BAD_PATH;
	return logfile_name_ok(*file, strlen(*file)) ? op : LOGFILE_BAD_NAME;
}

size_t
logfile_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	const char *p;

	(void)cls;
	(void)c;
	for (p = s; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return strlen(s);
	return MHD_http_unescape(s);
}
