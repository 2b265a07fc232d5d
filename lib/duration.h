/*
 * duration: Dropwizard Duration and DataSize strings, as Drove specs and
 * configs carry them.
 *
 * Durations: "<n> <unit>" or "<n><unit>", n a non-negative integer; units
 * ns, us, ms, s/second(s), m/min/mins/minute(s), h/hour(s), d/day(s)
 * (also nanosecond(s), microsecond(s), millisecond(s)).  "5 seconds",
 * "1m", "100ms".  Sizes: "<n><unit>" with B, K/KB/KiB, M/MB/MiB, G/GB/GiB,
 * T/TB/TiB (docker style: "10m" is 10 MiB); no unit means bytes.
 *
 * Both return 0 and write *out on success, -1 with errno=EINVAL otherwise
 * (out untouched).  duration_fmt() writes Drove's form ("100 seconds").
 */
#ifndef DROVE_DURATION_H
#define DROVE_DURATION_H

#include <stddef.h>

#include "json.h"

int duration_parse_ms(const char *s, long long *out_ms);
int size_parse_bytes(const char *s, long long *out_bytes);
void duration_fmt(long long ms, char *out, size_t n);
/* Member key of obj in ms: a duration string or a number of ms; def when
 * absent or not a duration. */
long long dur_ms(const json_t *obj, const char *key, long long def);

#endif
