#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "tap.h"

int
main(void)
{
	char u[IDS_UUID_LEN], a[IDS_UUID_LEN], id[IDS_INSTANCE_LEN];
	char big[200];

	/* Java's UUID.nameUUIDFromBytes, which Drove uses for executorId */
	ok(ids_uuid3(u, "127.0.0.1:3000", 14) == 0, "uuid3 succeeds");
	is_str(u, "01c2a3a6-a998-3779-abad-2f82f71dfc33", "uuid3 of 127.0.0.1:3000");
	ids_uuid3(u, "exec-1.internal:3000", 20);
	is_str(u, "1caa6068-7e63-3ebd-8974-b5c05d7a064a", "uuid3 of a hostname");
	ids_uuid3(u, "", 0);
	is_str(u, "d41d8cd9-8f00-3204-a980-0998ecf8427e", "uuid3 of nothing");
	memset(big, 'x', sizeof big);
	ids_uuid3(u, big, sizeof big);
	is_str(u, "30a83621-ce54-32fb-9fdd-539777458c78",
	    "uuid3 of 200 bytes (several MD5 blocks)");

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
