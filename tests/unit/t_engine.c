/* t_engine: the in-memory ustar writer behind engine_put_archive(). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "tap.h"

static unsigned long
oct(const char *p, size_t n)
{
	char tmp[16];

	memcpy(tmp, p, n);
	tmp[n] = 0;
	return strtoul(tmp, NULL, 8);
}

static int
sum_ok(const char *h)
{
	unsigned sum = 0;
	int i;

	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	return sum == oct(h + 148, 7);
}

int
main(void)
{
	struct buf t = BUF_ZERO;
	char longname[300];
	const char *h;

	ok(tar_add_file(&t, "/etc/app/app.yml", "port: 8080\n", 11, 0644,
	    1700000000) == 0, "add a file");
	is_int(t.len, 1024, "header and one data block");
	h = t.s;
	is_str(h, "etc/app/app.yml", "leading slash stripped");
	ok(!memcmp(h + 257, "ustar", 6) && !memcmp(h + 263, "00", 2),
	    "ustar magic and version");
	is_int(oct(h + 124, 11), 11, "size field");
	is_int(oct(h + 100, 7), 0644, "mode field");
	is_int(oct(h + 136, 11), 1700000000, "mtime field");
	ok(h[156] == '0', "regular file");
	ok(sum_ok(h), "header checksum");
	ok(!memcmp(h + 512, "port: 8080\n", 11) && h[512 + 11] == 0,
	    "data then zero padding");

	memset(longname, 'a', sizeof longname);
	memcpy(longname, "/opt/", 5);
	memset(longname + 5, 'd', 120);
	longname[125] = '/';
	memset(longname + 126, 'f', 90);
	longname[216] = 0;
	ok(tar_add_file(&t, longname, "", 0, 0600, 0) == 0,
	    "long name split into prefix");
	h = t.s + 1024;
	is_int(t.len, 1536, "empty file: header only");
	ok(strlen(h) == 90 && h[0] == 'f', "name part");
	ok(!strncmp(h + 345, "opt/ddd", 7) && strlen(h + 345) == 124,
	    "prefix part");
	ok(sum_ok(h), "long header checksum");
	memset(longname + 5, 'x', 250);
	longname[255] = 0;
	ok(tar_add_file(&t, longname, "", 0, 0600, 0) < 0,
	    "unsplittable name refused");
	ok(tar_end(&t) == 0 && t.len == 2560, "two zero blocks at the end");
	buf_free(&t);
	return done_testing();
}
