#include "duration.h"
#include "tap.h"

static long long
ms(const char *s)
{
	long long v = -12345;

	return duration_parse_ms(s, &v) == 0 ? v : -1;
}

static long long
sz(const char *s)
{
	long long v = -12345;

	return size_parse_bytes(s, &v) == 0 ? v : -1;
}

int
main(void)
{
	char out[64];

	is_int(ms("5 seconds"), 5000, "5 seconds");
	is_int(ms("1 second"), 1000, "1 second");
	is_int(ms("100 seconds"), 100000, "100 seconds");
	is_int(ms("5m"), 300000, "5m");
	is_int(ms("1d"), 86400000, "1d");
	is_int(ms("18h"), 64800000, "18h");
	is_int(ms("250ms"), 250, "250ms");
	is_int(ms("3 minutes"), 180000, "3 minutes");
	is_int(ms("2 mins"), 120000, "2 mins");
	is_int(ms("1500us"), 1, "1500us rounds down to 1 ms");
	is_int(ms("0 seconds"), 0, "0 seconds");
	is_int(ms("10 SECONDS"), 10000, "unit is case-insensitive");
	is_int(ms("5"), -1, "a bare number is not a duration");
	is_int(ms(""), -1, "empty");
	is_int(ms("-1s"), -1, "negative");
	is_int(ms("5 parsecs"), -1, "unknown unit");
	is_int(ms("5s x"), -1, "trailing junk");
	is_int(ms("99999999999999999999s"), -1, "overflow");
	is_int(ms(NULL), -1, "NULL");

	is_int(sz("10m"), 10LL << 20, "10m");
	is_int(sz("1GiB"), 1LL << 30, "1GiB");
	is_int(sz("100MiB"), 100LL << 20, "100MiB");
	is_int(sz("512"), 512, "bare bytes");
	is_int(sz("4 KB"), 4096, "4 KB");
	is_int(sz("1x"), -1, "bad size unit");

	duration_fmt(100000, out, sizeof out);
	is_str(out, "100 seconds", "format 100 s");
	duration_fmt(1000, out, sizeof out);
	is_str(out, "1 second", "format 1 s");
	duration_fmt(1500, out, sizeof out);
	is_str(out, "1500 milliseconds", "format 1.5 s");
	return done_testing();
}
