#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jwt.h>

#include "err.h"
#include "ids.h"
#include "itoken.h"
#include "json.h"

/* jti: UUID.nameUUIDFromBytes("<appId>:<instanceId>:<executorId>"). */
static int
jti_of(char *out, const char *app_id, const char *instance_id,
    const char *executor_id)
{
	char name[3 * ITOKEN_ID_MAX + 3];
	int n;

	n = snprintf(name, sizeof name, "%s:%s:%s", app_id, instance_id,
	    executor_id);
	if (n < 0 || (size_t)n >= sizeof name)
		return err_fail(EINVAL, "instance token: ids too long");
	if (ids_uuid3(out, name, (size_t)n) < 0)
		return err_fail(errno, "instance token: unable to derive jti: "
		    "MD5 refused by libcrypto");
	return 0;
}

static int
id_ok(const char *s)
{
	return s && *s && strlen(s) < ITOKEN_ID_MAX;
}

/* A secret libjwt takes as a key: not empty, its length an int. */
static int
secret_len(const char *secret)
{
	size_t n;

	if (!secret || !(n = strlen(secret)) || n > INT_MAX)
		return -1;
	return (int)n;
}

char *
itoken_mint(const char *secret, const char *app_id, const char *instance_id,
    const char *executor_id, long long iat_s)
{
	char jti[IDS_UUID_LEN];
	jwt_t *jwt = NULL;
	char *tok;
	int klen = secret_len(secret), e;

	if (klen < 0) {
		err_fail(EINVAL, "instance token: empty secret");
		return NULL;
	}
	if (!id_ok(app_id) || !id_ok(instance_id) || !id_ok(executor_id)) {
		err_fail(EINVAL, "instance token: an id is empty or longer "
		    "than %d bytes", ITOKEN_ID_MAX - 1);
		return NULL;
	}
	if (jti_of(jti, app_id, instance_id, executor_id) < 0)
		return NULL;
	if ((e = jwt_new(&jwt)) != 0 ||
	    (e = jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
	    klen)) != 0 ||
	    (e = jwt_add_grant(jwt, "iss", ITOKEN_ISSUER)) != 0 ||
	    (e = jwt_add_grant(jwt, "aud", ITOKEN_AUDIENCE)) != 0 ||
	    (e = jwt_add_grant(jwt, "sub", ITOKEN_SUBJECT)) != 0 ||
	    (e = jwt_add_grant_int(jwt, "iat", (long)iat_s)) != 0 ||
	    (e = jwt_add_grant(jwt, "jti", jti)) != 0 ||
	    (e = jwt_add_grant(jwt, "droveAppId", app_id)) != 0 ||
	    (e = jwt_add_grant(jwt, "droveInstanceId", instance_id)) != 0 ||
	    (e = jwt_add_grant(jwt, "droveExecutorId", executor_id)) != 0) {
		jwt_free(jwt);
		err_fail(e, "instance token: unable to build: %s", strerror(e));
		return NULL;
	}
	if (!(tok = jwt_encode_str(jwt))) {
		e = errno ? errno : ENOMEM;
		jwt_free(jwt);
		err_fail(e, "instance token: unable to sign: %s", strerror(e));
		return NULL;
	}
	jwt_free(jwt);
	return tok;
}

/* 1 if the aud claim (a string, or an array of them) holds ours. */
static int
aud_ok(jwt_t *jwt)
{
	const char *s = jwt_get_grant(jwt, "aud");
	char *txt;
	json_t *a, *v;
	size_t i;
	int found = 0;

	if (s)
		return !strcmp(s, ITOKEN_AUDIENCE);
	if (!(txt = jwt_get_grants_json(jwt, "aud")))
		return 0;
	a = js_parse(txt, strlen(txt));
	free(txt);
	json_array_foreach(a, i, v)
		if (json_is_string(v) &&
		    !strcmp(json_string_value(v), ITOKEN_AUDIENCE))
			found = 1;
	json_decref(a);
	return found;
}

/* The claim key as a string, or NULL (err_text() set) if it is not one. */
static const char *
claim(jwt_t *jwt, const char *key, const char *want)
{
	const char *s = jwt_get_grant(jwt, key);

	if (!s) {
		err_fail(EINVAL, "instance token: no %s", key);
		return NULL;
	}
	if (want && strcmp(s, want)) {
		err_fail(EINVAL, "instance token: wrong %s", key);
		return NULL;
	}
	return s;
}

static int
verify(jwt_t *jwt, struct itoken *t)
{
	char jti[IDS_UUID_LEN];
	const char *a, *i, *x, *j;
	long iat;

	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		return err_fail(EINVAL, "instance token: not HS256");
	if (!claim(jwt, "iss", ITOKEN_ISSUER) ||
	    !claim(jwt, "sub", ITOKEN_SUBJECT))
		return -1;
	if (!aud_ok(jwt))
		return err_fail(EINVAL, "instance token: wrong aud");
	if (!(a = claim(jwt, "droveAppId", NULL)) ||
	    !(i = claim(jwt, "droveInstanceId", NULL)) ||
	    !(x = claim(jwt, "droveExecutorId", NULL)) ||
	    !(j = claim(jwt, "jti", NULL)))
		return -1;
	if (!id_ok(a) || !id_ok(i) || !id_ok(x))
		return err_fail(EINVAL, "instance token: an id is empty or "
		    "longer than %d bytes", ITOKEN_ID_MAX - 1);
	if (jti_of(jti, a, i, x) < 0)
		return -1;
	if (strcmp(j, jti))
		return err_fail(EINVAL, "instance token: jti does not match "
		    "its ids");
	snprintf(t->app_id, sizeof t->app_id, "%s", a);
	snprintf(t->instance_id, sizeof t->instance_id, "%s", i);
	snprintf(t->executor_id, sizeof t->executor_id, "%s", x);
	errno = 0;
	iat = jwt_get_grant_int(jwt, "iat");
	t->iat = errno ? 0 : iat;
	return 0;
}

/* The length of the run of base64url characters at s. */
static size_t
b64url_span(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_");
}

/*
 * 1 if token has the shape of a compact HS256 JWS: a header and a
 * payload of base64url characters, not empty, and a signature of
 * HS256_SIG_LEN of them (32 bytes, unpadded), separated by two dots.
 * libjwt 1.10 overruns its buffer on an empty part, so nothing else is
 * given to it; the decoding stays libjwt's.
 */
#define HS256_SIG_LEN 43

static int
well_formed(const char *token)
{
	size_t h = b64url_span(token), p;

	if (!h || token[h] != '.')
		return 0;
	token += h + 1;
	if (!(p = b64url_span(token)) || token[p] != '.')
		return 0;
	token += p + 1;
	return b64url_span(token) == HS256_SIG_LEN && !token[HS256_SIG_LEN];
}

int
itoken_verify(const char *secret, const char *token, struct itoken *out)
{
	struct itoken t;
	jwt_t *jwt = NULL;
	int klen = secret_len(secret), e, rc;

	if (klen < 0)
		return err_fail(EINVAL, "instance token: empty secret");
	if (!token || !*token)
		return err_fail(EINVAL, "instance token: none");
	if (strnlen(token, ITOKEN_MAX + 1) > ITOKEN_MAX)
		return err_fail(EINVAL, "instance token: longer than %d bytes",
		    ITOKEN_MAX);
	if (!well_formed(token))
		return err_fail(EINVAL, "instance token: not a compact HS256 "
		    "JWT");
	/* libjwt checks the format and, for every alg but none, the
	 * signature with the key; verify() refuses any alg but HS256. */
	if ((e = jwt_decode(&jwt, token, (const unsigned char *)secret,
	    klen)) != 0) {
		if (jwt)
			jwt_free(jwt);
		return err_fail(e == ENOMEM ? ENOMEM : EINVAL,
		    "instance token: bad signature or format");
	}
	memset(&t, 0, sizeof t);
	rc = verify(jwt, &t);
	jwt_free(jwt);
	if (rc == 0)
		*out = t;
	return rc;
}
