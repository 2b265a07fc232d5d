#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/evp.h>

#include "ids.h"

static void
uuid_fmt(char *out, const unsigned char b[16])
{
	snprintf(out, IDS_UUID_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
}

int
ids_uuid4(char *out)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	uuid_fmt(out, b);
	return 0;
}

int
ids_instance(char *out, const char *prefix)
{
	char u[IDS_UUID_LEN];

	if (ids_uuid4(u) < 0)
		return -1;
	snprintf(out, IDS_INSTANCE_LEN, "%s%s", prefix, u);
	return 0;
}

int
ids_uuid3(char *out, const void *data, size_t n)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	out[0] = '\0';
	if (EVP_Digest(data, n, d, &len, EVP_md5(), NULL) != 1 || len != 16) {
		errno = EIO;
		return -1;
	}
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x30);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	uuid_fmt(out, d);
	return 0;
}

int
ids_valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}
