#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"

struct unit {
	const char *name;
	long long num, den;	/* value = n * num / den */
};

static const struct unit dunits[] = {
	{ "ns", 1, 1000000 }, { "nanosecond", 1, 1000000 },
	{ "nanoseconds", 1, 1000000 },
	{ "us", 1, 1000 }, { "microsecond", 1, 1000 },
	{ "microseconds", 1, 1000 },
	{ "ms", 1, 1 }, { "millisecond", 1, 1 }, { "milliseconds", 1, 1 },
	{ "s", 1000, 1 }, { "second", 1000, 1 }, { "seconds", 1000, 1 },
	{ "m", 60000, 1 }, { "min", 60000, 1 }, { "mins", 60000, 1 },
	{ "minute", 60000, 1 }, { "minutes", 60000, 1 },
	{ "h", 3600000, 1 }, { "hour", 3600000, 1 }, { "hours", 3600000, 1 },
	{ "d", 86400000, 1 }, { "day", 86400000, 1 }, { "days", 86400000, 1 },
	{ NULL, 0, 0 }
};

static const struct unit sunits[] = {
	{ "", 1, 1 }, { "b", 1, 1 }, { "byte", 1, 1 }, { "bytes", 1, 1 },
	{ "k", 1LL << 10, 1 }, { "kb", 1LL << 10, 1 }, { "kib", 1LL << 10, 1 },
	{ "m", 1LL << 20, 1 }, { "mb", 1LL << 20, 1 }, { "mib", 1LL << 20, 1 },
	{ "g", 1LL << 30, 1 }, { "gb", 1LL << 30, 1 }, { "gib", 1LL << 30, 1 },
	{ "t", 1LL << 40, 1 }, { "tb", 1LL << 40, 1 }, { "tib", 1LL << 40, 1 },
	{ NULL, 0, 0 }
};

static int
parse(const char *s, const struct unit *units, int unit_required,
    long long *out)
{
	long long n = 0;
	const char *p = s, *u;
	int i;

	if (!s)
		goto bad;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p)) {
		if (n > (LLONG_MAX - 9) / 10)
			goto bad;
		n = n * 10 + (*p++ - '0');
	}
	while (*p == ' ')
		p++;
	u = p;
	while (isalpha((unsigned char)*p))
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		goto bad;
	for (i = 0; units[i].name; i++) {
		size_t ul = strlen(units[i].name);
		size_t got = 0;

		while (isalpha((unsigned char)u[got]))
			got++;
		if (got != ul || strncasecmp(u, units[i].name, ul) != 0)
			continue;
		if (unit_required && ul == 0)
			goto bad;
		if (units[i].num > 1 && n > LLONG_MAX / units[i].num)
			goto bad;
		*out = n * units[i].num / units[i].den;
		return 0;
	}
bad:
	errno = EINVAL;
	return -1;
}

int
duration_parse_ms(const char *s, long long *out_ms)
{
	return parse(s, dunits, 1, out_ms);
}

int
size_parse_bytes(const char *s, long long *out_bytes)
{
	return parse(s, sunits, 0, out_bytes);
}

void
duration_fmt(long long ms, char *out, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "%lld %s", ms / 1000,
		    ms == 1000 ? "second" : "seconds");
	else
		snprintf(out, n, "%lld milliseconds", ms);
}

long long
dur_ms(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);
	long long ms;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v) && duration_parse_ms(json_string_value(v),
	    &ms) == 0)
		return ms;
	return def;
}
