/* placement_hash.c: hashes and name tables of the placement view. */
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

json_t *
pl_rd(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

uint64_t
pl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t
pl_strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

uint64_t
pl_jhash(const json_t *j)
{
	const char *k;
	json_t *val;
	uint64_t h;
	size_t i;
	double d;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		h = 0x51ed270b27a1ULL;
		json_object_foreach(pl_rd(j), k, val)
			h += pl_mix64(pl_strhash(k) ^ (pl_jhash(val) * 31));
		return h;
	case JSON_ARRAY:
		h = 0xa7b1c3ULL;
		json_array_foreach(pl_rd(j), i, val)
			h = pl_mix64(h ^ pl_jhash(val));
		return h;
	case JSON_STRING:
		return pl_strhash(json_string_value(j));
	case JSON_INTEGER:
		return pl_mix64((uint64_t)json_integer_value(j) + 7);
	case JSON_REAL:
		d = json_real_value(j);
		memcpy(&h, &d, sizeof h);
		return pl_mix64(h + 11);
	case JSON_TRUE:
		return 1;
	case JSON_FALSE:
		return 2;
	default:
		return 3;
	}
}

/* Make room for want elements of size in *pp (doubling); 0 or -1. */
int
pl_grow(void *pp, int *alloc, int want, size_t size)
{
	void **p = pp;
	void *np;
	int n;

	if (want <= *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 8;
	while (n < want)
		n *= 2;
	if (!(np = realloc(*p, n * size)))
		return -1;
	*p = np;
	*alloc = n;
	return 0;
}

int
pl_names_find(const struct pl_names *t, const char *s,
    const char *(*name)(const void *, int), const void *arg)
{
	uint64_t h;
	unsigned i;

	if (!t->cap)
		return -1;
	h = pl_strhash(s);
	for (i = h & (t->cap - 1); t->slot[i].idx >= 0;
	    i = (i + 1) & (t->cap - 1))
		if (t->slot[i].hash == h && !strcmp(name(arg, t->slot[i].idx),
		    s))
			return t->slot[i].idx;
	return -1;
}

static void
put(struct pl_name_slot *slot, unsigned cap, uint64_t h, int idx)
{
	unsigned i;

	for (i = h & (cap - 1); slot[i].idx >= 0; i = (i + 1) & (cap - 1))
		;
	slot[i].hash = h;
	slot[i].idx = idx;
}

int
pl_names_add(struct pl_names *t, uint64_t hash, int idx)
{
	struct pl_name_slot *ns;
	unsigned cap, i;

	if ((t->n + 1) * 2 > t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		if (!(ns = malloc(cap * sizeof *ns)))
			return -1;
		for (i = 0; i < cap; i++)
			ns[i].idx = -1;
		for (i = 0; i < t->cap; i++)
			if (t->slot[i].idx >= 0)
				put(ns, cap, t->slot[i].hash, t->slot[i].idx);
		free(t->slot);
		t->slot = ns;
		t->cap = cap;
	}
	put(t->slot, t->cap, hash, idx);
	t->n++;
	return 0;
}

void
pl_names_clear(struct pl_names *t)
{
	unsigned i;

	for (i = 0; i < t->cap; i++)
		t->slot[i].idx = -1;
	t->n = 0;
}

void
pl_names_free(struct pl_names *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}
