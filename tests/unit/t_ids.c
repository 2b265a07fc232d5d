#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "tap.h"

static void
md5hex(const char *s, char *out)
{
	unsigned char d[16];
	int i;

	ids_md5(d, s, strlen(s));
	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

int
main(void)
{
	char h[33], u[IDS_UUID_LEN], a[IDS_UUID_LEN], id[IDS_INSTANCE_LEN];
	char big[1000];

	/* RFC 1321 test suite */
	md5hex("", h);
	is_str(h, "d41d8cd98f00b204e9800998ecf8427e", "md5 of empty");
	md5hex("abc", h);
	is_str(h, "900150983cd24fb0d6963f7d28e17f72", "md5 of abc");
	md5hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890", h);
	is_str(h, "57edf4a22be3c955ac49da2e2107b67a", "md5 of 80 digits (2 blocks)");
	memset(big, 'a', sizeof big);
	big[sizeof big - 1] = '\0';
	md5hex("abcdefghijklmnopqrstuvwxyz", h);
	is_str(h, "c3fcd3d76192e4007dfb496cca67e13b", "md5 of alphabet");

	/* Java's UUID.nameUUIDFromBytes, which Drove uses for executorId */
	ids_uuid3(u, "127.0.0.1:3000", 14);
	is_str(u, "01c2a3a6-a998-3779-abad-2f82f71dfc33", "uuid3 of 127.0.0.1:3000");
	ids_uuid3(u, "exec-1.internal:3000", 20);
	is_str(u, "1caa6068-7e63-3ebd-8974-b5c05d7a064a", "uuid3 of a hostname");

	ok(ids_uuid4(u) == 0 && strlen(u) == 36 && u[14] == '4', "uuid4 is v4");
	ok(strchr("89ab", u[19]) != NULL, "uuid4 variant bits");
	ids_uuid4(a);
	ok(strcmp(a, u) != 0, "two uuid4 differ");
	ok(ids_instance(id, "AI-") == 0 && !strncmp(id, "AI-", 3) &&
	    strlen(id) == 39, "instance id is AI-<uuid>");

	ok(ids_valid_name("payments-api_2"), "valid name");
	ok(!ids_valid_name(""), "empty name invalid");
	ok(!ids_valid_name("a.b"), "dot invalid");
	ok(!ids_valid_name("a/b"), "slash invalid");
	ok(!ids_valid_name(NULL), "NULL invalid");
	return done_testing();
}
