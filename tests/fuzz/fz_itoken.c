/* fz_itoken: libFuzzer harness for lib/itoken's itoken_verify(): the
 * input as a token; the input's halves base64url-encoded (libcrypto) as
 * a header and a payload with some signature, so that libjwt's parsing
 * is reached; and the input as claims (a JSON object) signed with the
 * secret by libjwt, so that the claim checks are.  Nothing may crash or
 * leak, and a token verifies only when its claims are Drove's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jwt.h>
#include <openssl/evp.h>

#include "itoken.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret"

/* Unpadded base64url of n bytes at p into out (4 * (n + 2) / 3 + 1). */
static void
b64url(char *out, const uint8_t *p, size_t n)
{
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n), i;

	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
		else if (out[i] == '=') {
			out[i] = '\0';
			break;
		}
	}
}

static void
as_token(const uint8_t *data, size_t size)
{
	struct itoken t;
	char *s = malloc(size + 1);

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (itoken_verify(SECRET, s, &t) == 0 && !t.app_id[0])
		abort();
	free(s);
}

static void
as_parts(const uint8_t *data, size_t size)
{
	static const char sig[] = "SJ7ZMlr-KTmxy5XHshKxCa2SMwxk93PbdfQZ-vs6CS0";
	size_t h = size / 2;
	char *s = malloc(2 * (4 * (size + 2) / 3 + 1) + sizeof sig + 2);
	struct itoken t;

	if (!s)
		return;
	b64url(s, data, h);
	strcat(s, ".");
	b64url(s + strlen(s), data + h, size - h);
	strcat(s, ".");
	strcat(s, sig);
	if (itoken_verify(SECRET, s, &t) == 0)
		abort();	/* not signed with SECRET */
	free(s);
}

static void
as_claims(const uint8_t *data, size_t size)
{
	json_t *c = js_parse((const char *)data, size);
	jwt_t *j = NULL;
	char *s = NULL, *txt = NULL;
	struct itoken t;

	if (!json_is_object(c) || !(txt = json_dumps(c, JSON_COMPACT)))
		goto out;
	if (jwt_new(&j) || jwt_set_alg(j, JWT_ALG_HS256,
	    (const unsigned char *)SECRET, (int)strlen(SECRET)) ||
	    jwt_add_grants_json(j, txt) || !(s = jwt_encode_str(j)))
		goto out;
	if (itoken_verify(SECRET, s, &t) == 0 &&
	    strcmp(js_str(c, "droveAppId", ""), t.app_id))
		abort();
out:
	free(s);
	free(txt);
	jwt_free(j);
	json_decref(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * ITOKEN_MAX)
		return 0;
	as_token(data, size);
	as_parts(data, size);
	as_claims(data, size);
	return 0;
}
