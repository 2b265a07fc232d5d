/* fz_basic: libFuzzer harness for the Authorization header: Basic
 * decoding (lib/auth auth_basic_decode) and authentication against a
 * fixed user table, through the credential cache. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cfg_yaml[] =
    "userAuth:\n  enabled: true\n  users:\n"
    "    - {username: admin, password: pw, role: EXTERNAL_ROOT}\n"
    "    - {username: ro, password: 'r:o', role: EXTERNAL_READ_ONLY}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct auth *a;
	struct principal p;
	char *h, user[256], pass[256];

	if (!a) {
		json_t *cfg = cfg_parse(cfg_yaml, strlen(cfg_yaml), "fz");

		if (!cfg || !(a = auth_new(cfg)))
			abort();
		json_decref(cfg);
	}
	if (!(h = malloc(size + 1)))
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	if (auth_basic_decode(h, user, sizeof user, pass, sizeof pass) == 0 &&
	    (strlen(user) >= sizeof user || strlen(pass) >= sizeof pass))
		abort();
	if (auth_basic(a, h, &p) && p.role != ROLE_EXTERNAL_ROOT &&
	    p.role != ROLE_EXTERNAL_READ_ONLY)
		abort();
	free(h);
	return 0;
}
