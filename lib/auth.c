/*
 * auth.c: roles, the user table, Basic credentials and their cache,
 * cluster-node secrets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "config.h"
#include "duration.h"
#include "err.h"
#include "model.h"

static const struct {
	const char *config, *name;
} roles[ROLE_COUNT] = {
	[ROLE_NONE] = { "", "" },
	[ROLE_CLUSTER_NODE] = { "CLUSTER_NODE", "DROVE_CLUSTER_NODE" },
	[ROLE_APP_INSTANCE] = { "DROVE_APPLICATION_INSTANCE",
	    "DROVE_APPLICATION_INSTANCE" },
	[ROLE_EXTERNAL_ROOT] = { "EXTERNAL_ROOT", "DROVE_EXTERNAL_ROOT" },
	[ROLE_EXTERNAL_READ_WRITE] = { "EXTERNAL_READ_WRITE",
	    "DROVE_EXTERNAL_READ_WRITE" },
	[ROLE_EXTERNAL_MAINTENANCE] = { "DROVE_EXTERNAL_MAINTENANCE",
	    "DROVE_EXTERNAL_MAINTENANCE" },
	[ROLE_EXTERNAL_READ_ONLY] = { "EXTERNAL_READ_ONLY",
	    "DROVE_EXTERNAL_READ_ONLY" },
};

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].name : "";
}

const char *
role_config_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].config : "";
}

int
role_parse(const char *s)
{
	int i;

	for (i = 1; i < ROLE_COUNT; i++)
		if (!strcasecmp(s, roles[i].config))
			return i;
	return -1;
}

const char *
access_name(enum access a)
{
	static const char *const n[] = { "R", "W", "MNT", "LOG", "NODE",
	    "INST" };

	return (unsigned)a < sizeof n / sizeof n[0] ? n[a] : "?";
}

int
auth_allows(enum access a, enum role r, int disable_read_auth)
{
	if (r == ROLE_APP_INSTANCE)
		return a == AC_INST;
	switch (a) {
	case AC_READ:
		return 1;
	case AC_WRITE:
		return r == ROLE_EXTERNAL_ROOT || r == ROLE_EXTERNAL_READ_WRITE;
	case AC_MAINT:
		return r == ROLE_EXTERNAL_ROOT ||
		    r == ROLE_EXTERNAL_MAINTENANCE;
	case AC_LOG:
		return disable_read_auth || r == ROLE_EXTERNAL_ROOT ||
		    r == ROLE_EXTERNAL_READ_WRITE ||
		    r == ROLE_EXTERNAL_READ_ONLY;
	case AC_NODE:
		return r == ROLE_CLUSTER_NODE;
	case AC_INST:
		return 0;
	}
	return 0;
}

/* --- the user table and the cache ------------------------------------ */

#define DIGEST 32			/* SHA-256 */
#define CACHE_SLOTS 1024		/* a power of two */
#define CACHE_PROBE 8

struct user {
	char *name;
	char *password;			/* plain text, or a bcrypt hash */
	enum role role;
};

struct cache_slot {
	unsigned char key[DIGEST];	/* of the whole header */
	long long used_ms;		/* 0: empty */
	size_t user;
};

struct auth {
	int enabled, crypt, disable_read_auth;
	struct user *users;
	size_t nusers;
	char *secret[2];		/* CONTROLLER, EXECUTOR */
	size_t cache_max;		/* cachingPolicy maximumSize */
	long long cache_ttl_ms;		/* expireAfterAccess */
	pthread_mutex_t mu;
	struct cache_slot *slots;
	size_t cached;
	unsigned long long hits, misses;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
sha256(const void *p, size_t n, unsigned char out[DIGEST])
{
	unsigned int len = 0;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 &&
	    len == DIGEST ? 0 : -1;
}

/* Equal strings, in time that does not depend on where they differ. */
static int
same_secret(const char *a, const char *b)
{
	unsigned char da[DIGEST], db[DIGEST];

	if (sha256(a, strlen(a), da) < 0 || sha256(b, strlen(b), db) < 0)
		return 0;
	return CRYPTO_memcmp(da, db, DIGEST) == 0;
}

static int
is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' &&
	    (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$';
}

/* "maximumSize=500, expireAfterAccess=30m" (Caffeine's spec). */
static int
caching_policy(struct auth *a, const char *spec)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if (!(copy = strdup(spec)))
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok && !rc;
	    tok = strtok_r(NULL, ",", &save)) {
		char *eq, *k = tok, *v, *end;
		long long ms;

		while (*k == ' ')
			k++;
		if (!(eq = strchr(k, '=')))
			continue;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(k, "maximumSize")) {
			long n;

			errno = 0;
			n = strtol(v, &end, 10);
			if (errno || end == v || *end || n < 1 || n > 100000)
				rc = err_fail(EINVAL, "userAuth.cachingPolicy: "
				    "invalid maximumSize '%s'", v);
			else
				a->cache_max = (size_t)n;
		} else if (!strcmp(k, "expireAfterAccess") ||
		    !strcmp(k, "expireAfterWrite")) {
			if (duration_parse_ms(v, &ms) < 0 || ms < 1)
				rc = err_fail(EINVAL, "userAuth.cachingPolicy: "
				    "invalid %s '%s'", k, v);
			else
				a->cache_ttl_ms = ms;
		}
	}
	free(copy);
	return rc;
}

static int
load_users(struct auth *a, const json_t *ua)
{
	const json_t *users = json_object_get(ua, "users"), *u;
	const char *enc = js_str(ua, "encoding", "PLAIN");
	size_t i, j;

	if (!strcasecmp(enc, "CRYPT"))
		a->crypt = 1;
	else if (strcasecmp(enc, "PLAIN"))
		return err_fail(EINVAL, "userAuth.encoding: '%s' is not PLAIN "
		    "or CRYPT", enc);
	if (!json_is_array(users) || json_array_size(users) == 0)
		return err_fail(EINVAL, "userAuth.users: must not be empty");
	if (!(a->users = calloc(json_array_size(users), sizeof *a->users)))
		return -1;
	json_array_foreach(users, i, u) {
		const char *name = js_str(u, "username", NULL);
		const char *pw = js_str(u, "password", NULL);
		const char *role = js_str(u, "role", NULL);
		struct user *d = &a->users[i];
		int r = ROLE_NONE;

		if (!name || !*name || strlen(name) > 255)
			return err_fail(EINVAL, "userAuth.users[%zu].username: "
			    "must be 1 to 255 characters", i);
		if (!pw || !*pw || strlen(pw) > 255)
			return err_fail(EINVAL, "userAuth.users[%zu].password: "
			    "must be 1 to 255 characters", i);
		if (a->crypt && !is_bcrypt(pw))
			return err_fail(EINVAL, "userAuth.users[%zu].password: "
			    "not a bcrypt hash ($2a$, $2b$ or $2y$)", i);
		if (role && (r = role_parse(role)) < 0)
			return err_fail(EINVAL, "userAuth.users[%zu].role: "
			    "unknown role '%s'", i, role);
		for (j = 0; j < i; j++)
			if (!strcmp(a->users[j].name, name))
				return err_fail(EINVAL, "userAuth.users[%zu]: "
				    "duplicate username '%s'", i, name);
		if (!(d->name = strdup(name)) || !(d->password = strdup(pw)))
			return -1;
		d->role = (enum role)r;
		a->nusers = i + 1;
	}
	return 0;
}

struct auth *
auth_new(const json_t *cfg)
{
	const json_t *ua = js_get(cfg, "userAuth");
	const char *s;
	struct auth *a;
	int i;

	if (!(a = calloc(1, sizeof *a)))
		return NULL;
	pthread_mutex_init(&a->mu, NULL);
	a->cache_max = 500;
	a->cache_ttl_ms = 30 * 60 * 1000LL;
	a->disable_read_auth = js_get(cfg, "options.disableReadAuth") ==
	    json_true();
	for (i = 0; i < 2; i++) {
		s = cfg_cluster_secret(cfg, i == 0 ? NODE_CONTROLLER :
		    NODE_EXECUTOR);
		if (s && !(a->secret[i] = strdup(s)))
			goto fail;
	}
	if (ua && !json_is_object(ua)) {
		err_fail(EINVAL, "userAuth: must be a mapping");
		goto fail;
	}
	a->enabled = js_get(ua, "enabled") == json_true();
	if (a->enabled) {
		if (load_users(a, ua) < 0)
			goto fail;
		s = js_str(ua, "cachingPolicy", NULL);
		if (s && caching_policy(a, s) < 0)
			goto fail;
		if (a->cache_max > CACHE_SLOTS)
			a->cache_max = CACHE_SLOTS;
		if (!(a->slots = calloc(CACHE_SLOTS, sizeof *a->slots)))
			goto fail;
	}
	return a;
fail:
	auth_free(a);
	return NULL;
}

void
auth_free(struct auth *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nusers; i++) {
		free(a->users[i].name);
		if (a->users[i].password)
			OPENSSL_cleanse(a->users[i].password,
			    strlen(a->users[i].password));
		free(a->users[i].password);
	}
	free(a->users);
	free(a->secret[0]);
	free(a->secret[1]);
	free(a->slots);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

int
auth_users_enabled(const struct auth *a)
{
	return a->enabled;
}

int
auth_disable_read_auth(const struct auth *a)
{
	return a->disable_read_auth;
}

int
auth_node(const struct auth *a, const char *node_id, const char *secret,
    struct principal *p)
{
	static const char *const type[2] = { "CONTROLLER", "EXECUTOR" };
	int i, ok = -1;

	/* both compared, so that the time says nothing of which matched */
	for (i = 1; i >= 0; i--)
		if (a->secret[i] && same_secret(a->secret[i], secret))
			ok = i;
	if (ok < 0)
		return 0;
	snprintf(p->name, sizeof p->name, "%s-%s", type[ok], node_id);
	p->role = ROLE_CLUSTER_NODE;
	return 1;
}

int
auth_basic_decode(const char *header, char *user, size_t ulen, char *pass,
    size_t plen)
{
	unsigned char out[768];
	const char *b64, *colon;
	EVP_ENCODE_CTX *ctx;
	size_t n, ul, pl;
	int len = 0, fin = 0, rc;

	if (!header || strncasecmp(header, "Basic ", 6))
		return -1;
	b64 = header + 6;
	while (*b64 == ' ')
		b64++;
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == ' ')
		n--;
	if (n == 0 || n > 4 * (sizeof out / 3) - 4 || n % 4)
		return -1;
	if (!(ctx = EVP_ENCODE_CTX_new()))
		return -1;
	EVP_DecodeInit(ctx);
	rc = EVP_DecodeUpdate(ctx, out, &len, (const unsigned char *)b64,
	    (int)n);
	if (rc >= 0 && EVP_DecodeFinal(ctx, out + len, &fin) == 1)
		len += fin;
	else
		len = -1;
	EVP_ENCODE_CTX_free(ctx);
	if (len <= 0 || memchr(out, '\0', (size_t)len))
		return -1;
	if (!(colon = memchr(out, ':', (size_t)len)))
		return -1;
	ul = (size_t)(colon - (const char *)out);
	pl = (size_t)len - ul - 1;
	if (ul >= ulen || pl >= plen)
		return -1;
	memcpy(user, out, ul);
	user[ul] = '\0';
	memcpy(pass, colon + 1, pl);
	pass[pl] = '\0';
	OPENSSL_cleanse(out, sizeof out);
	return 0;
}

/* Does password match u's? (bcrypt paid here) */
static int
password_ok(const struct auth *a, const struct user *u, const char *pass)
{
	struct crypt_data *cd;
	const char *h;
	int ok;

	if (!a->crypt)
		return same_secret(u->password, pass);
	if (!(cd = calloc(1, sizeof *cd)))
		return 0;
	h = crypt_rn(pass, u->password, cd, (int)sizeof *cd);
	ok = h && strlen(h) == strlen(u->password) &&
	    CRYPTO_memcmp(h, u->password, strlen(h)) == 0;
	OPENSSL_cleanse(cd, sizeof *cd);
	free(cd);
	return ok;
}

static void
principal_of(const struct user *u, struct principal *p)
{
	snprintf(p->name, sizeof p->name, "%s", u->name);
	p->role = u->role;
}

/* The slot of key in the cache (locked): its index, or -1. */
static long
cache_find(struct auth *a, const unsigned char *key, long long now)
{
	size_t h = ((size_t)key[0] << 8 | key[1]) & (CACHE_SLOTS - 1), i;

	for (i = 0; i < CACHE_PROBE; i++) {
		struct cache_slot *s = &a->slots[(h + i) & (CACHE_SLOTS - 1)];

		if (s->used_ms && !memcmp(s->key, key, DIGEST)) {
			if (now - s->used_ms > a->cache_ttl_ms) {
				s->used_ms = 0;
				a->cached--;
				return -1;
			}
			return (long)((h + i) & (CACHE_SLOTS - 1));
		}
	}
	return -1;
}

/* Remember key -> user (locked): an empty or expired slot of its probe
 * window, else the least recently used one; nothing new once cache_max
 * entries are held and no slot of the window is free. */
static void
cache_put(struct auth *a, const unsigned char *key, size_t user,
    long long now)
{
	size_t h = ((size_t)key[0] << 8 | key[1]) & (CACHE_SLOTS - 1), i;
	struct cache_slot *victim = NULL;

	for (i = 0; i < CACHE_PROBE; i++) {
		struct cache_slot *s = &a->slots[(h + i) & (CACHE_SLOTS - 1)];

		if (s->used_ms && now - s->used_ms > a->cache_ttl_ms) {
			s->used_ms = 0;
			a->cached--;
		}
		if (!s->used_ms) {
			victim = s;
			break;
		}
		if (!victim || s->used_ms < victim->used_ms)
			victim = s;
	}
	if (!victim->used_ms && a->cached >= a->cache_max)
		return;
	if (!victim->used_ms)
		a->cached++;
	memcpy(victim->key, key, DIGEST);
	victim->user = user;
	victim->used_ms = now;
}

int
auth_basic(struct auth *a, const char *header, struct principal *p)
{
	unsigned char key[DIGEST];
	char user[256], pass[512];
	long long now = now_ms();
	long slot;
	size_t i;
	int ok = 0;

	if (!a->enabled || !header || sha256(header, strlen(header), key) < 0)
		return 0;
	pthread_mutex_lock(&a->mu);
	if ((slot = cache_find(a, key, now)) >= 0) {
		a->slots[slot].used_ms = now;
		principal_of(&a->users[a->slots[slot].user], p);
		a->hits++;
		pthread_mutex_unlock(&a->mu);
		return 1;
	}
	a->misses++;
	pthread_mutex_unlock(&a->mu);
	if (auth_basic_decode(header, user, sizeof user, pass,
	    sizeof pass) < 0)
		return 0;
	for (i = 0; i < a->nusers; i++)
		if (!strcmp(a->users[i].name, user))
			break;
	if (i < a->nusers && (ok = password_ok(a, &a->users[i], pass))) {
		principal_of(&a->users[i], p);
		pthread_mutex_lock(&a->mu);
		cache_put(a, key, i, now);
		pthread_mutex_unlock(&a->mu);
	}
	OPENSSL_cleanse(pass, sizeof pass);
	return ok;
}

void
auth_cache_stats(struct auth *a, unsigned long long *hits,
    unsigned long long *misses)
{
	pthread_mutex_lock(&a->mu);
	*hits = a->hits;
	*misses = a->misses;
	pthread_mutex_unlock(&a->mu);
}
