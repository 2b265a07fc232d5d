/* t_itoken: Drove's instance token (lib/itoken) and instanceAuth.secret. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jwt.h>

#include "config.h"
#include "err.h"
#include "ids.h"
#include "itoken.h"
#include "tap.h"

#define SECRET "s3cret-s3cret"

/* Made by another implementation (PyJWT 2.6) with SECRET: Drove's claims
 * for payments-1/AI-1234 on exec-9 at 1700000000; the second with aud an
 * array, as some JWT libraries write it. */
static const char pyjwt[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJkcm92ZSIsImF1ZCI6ImRyb"
    "3ZlLWFwcGxpY2F0aW9uLWluc3RhbmNlIiwic3ViIjoiZHJvdmUtY29udHJvbGxlciIsIml"
    "hdCI6MTcwMDAwMDAwMCwianRpIjoiNWQ4ZTM3ZDYtYzY2OS0zNzRmLWE0M2UtNGI4YzAwY"
    "jY1ZGNlIiwiZHJvdmVBcHBJZCI6InBheW1lbnRzLTEiLCJkcm92ZUluc3RhbmNlSWQiOiJ"
    "BSS0xMjM0IiwiZHJvdmVFeGVjdXRvcklkIjoiZXhlYy05In0.SJ7ZMlr-KTmxy5XHshKxCa"
    "2SMwxk93PbdfQZ-vs6CS0";
static const char pyjwt_aud_array[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJkcm92ZSIsImF1ZCI6WyJvd"
    "GhlciIsImRyb3ZlLWFwcGxpY2F0aW9uLWluc3RhbmNlIl0sInN1YiI6ImRyb3ZlLWNvbnR"
    "yb2xsZXIiLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IjVkOGUzN2Q2LWM2NjktMzc0Zi1hN"
    "DNlLTRiOGMwMGI2NWRjZSIsImRyb3ZlQXBwSWQiOiJwYXltZW50cy0xIiwiZHJvdmVJbnN"
    "0YW5jZUlkIjoiQUktMTIzNCIsImRyb3ZlRXhlY3V0b3JJZCI6ImV4ZWMtOSJ9.4HXLQm9p"
    "9h-sWyYk7GIQfECQ6luufqpbct4qSljBkG0";

/* A token built with libjwt: alg (key SECRET unless alg is none) and the
 * claims of a JSON object; NULL on failure. */
static char *
forge(jwt_alg_t alg, const char *claims)
{
	jwt_t *j = NULL;
	char *t = NULL;

	if (jwt_new(&j) == 0 && jwt_set_alg(j, alg, alg == JWT_ALG_NONE ?
	    NULL : (const unsigned char *)SECRET, alg == JWT_ALG_NONE ? 0 :
	    (int)strlen(SECRET)) == 0 && jwt_add_grants_json(j, claims) == 0)
		t = jwt_encode_str(j);
	jwt_free(j);
	return t;
}

/* The claims a good token has, with member key left out (NULL: none) and
 * jti jti (NULL: the right one). */
static char *
claims_without(const char *key, const char *jti)
{
	char good[IDS_UUID_LEN], *s;
	const char *k[] = { "iss", "aud", "sub", "jti", "droveAppId",
	    "droveInstanceId", "droveExecutorId" };
	const char *v[] = { ITOKEN_ISSUER, ITOKEN_AUDIENCE, ITOKEN_SUBJECT,
	    NULL, "payments-1", "AI-1234", "exec-9" };
	json_t *o = json_object();
	size_t i;

	ids_uuid3(good, "payments-1:AI-1234:exec-9", 25);
	v[3] = jti ? jti : good;
	for (i = 0; i < sizeof k / sizeof k[0]; i++)
		if (!key || strcmp(key, k[i]))
			json_object_set_new(o, k[i], json_string(v[i]));
	json_object_set_new(o, "iat", json_integer(1700000000));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* verify refuses token t with EINVAL and a text; t freed. */
static void
refused(char *t, const char *secret, const char *what)
{
	struct itoken x;

	memset(&x, 'z', sizeof x);
	errno = 0;
	ok(t && itoken_verify(secret, t, &x) < 0 && errno == EINVAL &&
	    err_text()[0] && x.app_id[0] == 'z', "%s refused (%s)", what,
	    err_text());
	free(t);
}

static char *
dup_of(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A copy of token t with the byte at off changed to c. */
static char *
with_byte(const char *t, size_t off, char c)
{
	char *s = strdup(t);

	if (s && off < strlen(s))
		s[off] = s[off] == c ? (char)(c + 1) : c;
	return s;
}

static void
test_round_trip(void)
{
	struct itoken x;
	char *t, *u, *p, jti[IDS_UUID_LEN];

	t = itoken_mint(SECRET, "payments-1", "AI-1234", "exec-9",
	    1700000000);
	ok(t != NULL, "mint");
	ok(t && itoken_verify(SECRET, t, &x) == 0, "verify what was minted");
	is_str(x.app_id, "payments-1", "droveAppId back");
	is_str(x.instance_id, "AI-1234", "droveInstanceId back");
	is_str(x.executor_id, "exec-9", "droveExecutorId back");
	is_int(x.iat, 1700000000, "iat back");

	/* The claims as Drove writes them, read with libjwt unverified. */
	{
		jwt_t *j = NULL;

		ok(t && jwt_decode(&j, t, NULL, 0) == 0, "decodes");
		is_str(jwt_get_header(j, "alg"), "HS256", "alg HS256");
		is_str(jwt_get_grant(j, "iss"), "drove", "iss");
		is_str(jwt_get_grant(j, "aud"), "drove-application-instance",
		    "aud is a string");
		is_str(jwt_get_grant(j, "sub"), "drove-controller", "sub");
		ids_uuid3(jti, "payments-1:AI-1234:exec-9", 25);
		is_str(jti, "5d8e37d6-c669-374f-a43e-4b8c00b65dce",
		    "jti is UUID.nameUUIDFromBytes of app:instance:executor");
		is_str(jwt_get_grant(j, "jti"), jti, "jti claim");
		is_int(jwt_get_grant_int(j, "iat"), 1700000000, "iat claim");
		errno = 0;
		jwt_get_grant_int(j, "exp");
		ok(errno == ENOENT, "no exp");
		jwt_free(j);
	}

	ok(itoken_verify(SECRET, pyjwt, &x) == 0 &&
	    !strcmp(x.instance_id, "AI-1234"),
	    "a token of another implementation verifies");
	ok(itoken_verify(SECRET, pyjwt_aud_array, &x) == 0,
	    "aud as an array holding ours");

	/* Two different instances: their payloads cannot be swapped. */
	u = itoken_mint(SECRET, "payments-1", "AI-9999", "exec-9",
	    1700000000);
	ok(u != NULL, "mint another");
	if (t && u) {
		char *a = strchr(t, '.'), *b = strchr(u, '.');
		size_t pl = (size_t)(strchr(b + 1, '.') - b);

		p = malloc(strlen(t) + strlen(u));
		/* t's header, u's payload, t's signature */
		sprintf(p, "%.*s%.*s%s", (int)(a - t), t, (int)pl, b,
		    strchr(a + 1, '.'));
		refused(p, SECRET, "another instance's payload");
	}
	/* A changed byte of the payload or the signature. */
	if (t) {
		size_t dot1 = (size_t)(strchr(t, '.') - t);
		size_t dot2 = (size_t)(strrchr(t, '.') - t);

		refused(with_byte(t, dot1 + 10, 'Q'), SECRET,
		    "tampered payload");
		refused(with_byte(t, dot2 + 5, 'Q'), SECRET,
		    "tampered signature");
		refused(with_byte(t, 3, 'Q'), SECRET, "tampered header");
		p = strdup(t);
		p[dot2 + 1] = '\0';
		refused(p, SECRET, "no signature");
		p = strdup(t);
		p[dot2] = '\0';
		refused(p, SECRET, "two parts");
	}
	refused(dup_of(t), "another-secret", "a wrong secret");
	refused(dup_of(t), "s3cret-s3cre", "a secret one byte short");
	free(t);
	free(u);
}

static void
test_forged(void)
{
	char *c;
	static const char *const keys[] = { "iss", "aud", "sub", "jti",
	    "droveAppId", "droveInstanceId", "droveExecutorId" };
	size_t i;

	c = claims_without(NULL, NULL);
	{
		struct itoken x;
		char *t = forge(JWT_ALG_HS256, c);

		ok(t && itoken_verify(SECRET, t, &x) == 0 &&
		    !strcmp(x.executor_id, "exec-9"),
		    "the claims signed by libjwt verify (the test's forge "
		    "works)");
		free(t);
	}
	refused(forge(JWT_ALG_NONE, c), SECRET, "alg none");
	refused(forge(JWT_ALG_HS384, c), SECRET, "alg HS384, right secret");
	refused(forge(JWT_ALG_HS512, c), SECRET, "alg HS512, right secret");
	free(c);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char what[64];

		c = claims_without(keys[i], NULL);
		snprintf(what, sizeof what, "no %s", keys[i]);
		refused(forge(JWT_ALG_HS256, c), SECRET, what);
		free(c);
	}
	c = claims_without(NULL, "5d8e37d6-c669-374f-a43e-4b8c00b65dcf");
	refused(forge(JWT_ALG_HS256, c), SECRET, "a jti of other ids");
	free(c);
	refused(forge(JWT_ALG_HS256, "{\"iss\":\"drove\",\"aud\":"
	    "\"drove-application-instance\",\"sub\":\"drove-controller\","
	    "\"jti\":\"x\",\"droveAppId\":1,\"droveInstanceId\":\"i\","
	    "\"droveExecutorId\":\"e\"}"), SECRET, "droveAppId a number");
	refused(forge(JWT_ALG_HS256, "{\"iss\":\"drove\",\"aud\":"
	    "[\"other\"],\"sub\":\"drove-controller\",\"jti\":\"x\","
	    "\"droveAppId\":\"a\",\"droveInstanceId\":\"i\","
	    "\"droveExecutorId\":\"e\"}"), SECRET, "aud without ours");
	refused(forge(JWT_ALG_HS256, "{\"iss\":\"drove2\",\"aud\":"
	    "\"drove-application-instance\",\"sub\":\"drove-controller\"}"),
	    SECRET, "wrong iss");
	refused(forge(JWT_ALG_HS256, "{\"iss\":\"drove\",\"aud\":"
	    "\"drove-application-instance\",\"sub\":\"someone\"}"),
	    SECRET, "wrong sub");
}

static void
test_garbage(void)
{
	static const char *const bad[] = { "", "a", ".", "..", "...", "a.b",
	    "a.b.c", "a.b.c.d", "====.====.====", "eyJ9.eyJ9.", "e30.e30.",
	    "eyJhbGciOiJIUzI1NiJ9..", "eyJhbGciOiJub25lIn0.e30.",
	    "eyJhbGciOiJub25lIn0.e30", "\xff\xfe.\x80.\x01",
	    "W10.W10.W10", "bnVsbA.bnVsbA.bnVsbA" };
	struct itoken x;
	char *big, buf[96];
	size_t i, k;
	unsigned seed = 7;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		ok(itoken_verify(SECRET, bad[i], &x) < 0 && errno == EINVAL,
		    "garbage %zu refused (%s)", i, err_text());
	}
	ok(itoken_verify(SECRET, NULL, &x) < 0 && errno == EINVAL,
	    "NULL token refused");
	big = malloc(ITOKEN_MAX + 2);
	memset(big, 'A', ITOKEN_MAX + 1);
	big[ITOKEN_MAX + 1] = '\0';
	ok(itoken_verify(SECRET, big, &x) < 0 && errno == EINVAL,
	    "a token over ITOKEN_MAX refused");
	free(big);
	/* Random bytes with dots: no crash (valgrind/ASan see leaks). */
	for (k = 0; k < 3000; k++) {
		size_t n = (size_t)(rand_r(&seed) % (sizeof buf - 1));

		for (i = 0; i < n; i++) {
			int r = rand_r(&seed) % 8;

			buf[i] = r == 0 ? '.' : (char)(rand_r(&seed) % 255 + 1);
		}
		buf[n] = '\0';
		if (itoken_verify(SECRET, buf, &x) == 0)
			break;
	}
	is_int(k, 3000, "3000 random strings refused");
}

static void
test_mint_errors(void)
{
	char long_id[ITOKEN_ID_MAX + 1];

	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	ok(!itoken_mint("", "a", "i", "e", 1) && errno == EINVAL,
	    "empty secret refused");
	ok(!itoken_mint(NULL, "a", "i", "e", 1) && errno == EINVAL,
	    "NULL secret refused");
	ok(!itoken_mint(SECRET, "", "i", "e", 1) && errno == EINVAL,
	    "empty app id refused");
	ok(!itoken_mint(SECRET, "a", NULL, "e", 1) && errno == EINVAL,
	    "NULL instance id refused");
	ok(!itoken_mint(SECRET, "a", "i", long_id, 1) && errno == EINVAL,
	    "an id of ITOKEN_ID_MAX bytes refused");
	long_id[ITOKEN_ID_MAX - 1] = '\0';
	{
		char *t = itoken_mint(SECRET, long_id, long_id, long_id, 1);
		struct itoken x;

		ok(t && itoken_verify(SECRET, t, &x) == 0 &&
		    strlen(x.app_id) == ITOKEN_ID_MAX - 1,
		    "ids of ITOKEN_ID_MAX - 1 bytes round-trip");
		free(t);
	}
	ok(itoken_verify("", "a.b.c", &(struct itoken){ .iat = 0 }) < 0 &&
	    errno == EINVAL, "verify with an empty secret refused");
}

static void
test_config(void)
{
	json_t *c;

	c = cfg_parse("zookeeper: {connectionString: x}\n", 33, "t.yml");
	is_str(cfg_instance_secret(c), "DEFAULT_SECRET",
	    "instanceAuth.secret: Drove's default");
	json_decref(c);
	c = cfg_parse("instanceAuth: {secret: jwt-secret}\n", 35, "t.yml");
	is_str(cfg_instance_secret(c), "jwt-secret", "instanceAuth.secret");
	json_decref(c);
	c = cfg_parse("instanceAuth: {}\n", 17, "t.yml");
	is_str(cfg_instance_secret(c), "DEFAULT_SECRET", "empty instanceAuth");
	json_decref(c);
	c = cfg_parse("instanceAuth: {secret: 12345}\n", 30, "t.yml");
	ok(c && cfg_instance_secret(c) == NULL,
	    "a secret that is not a string: NULL, not the default");
	json_decref(c);
}

int
main(void)
{
	test_round_trip();
	test_forged();
	test_garbage();
	test_mint_errors();
	test_config();
	return done_testing();
}
