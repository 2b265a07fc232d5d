#include <math.h>

#include "dash.h"
#include "tap.h"
#include "tap_json.h"

#define near(got, want, ...) do { \
	double g_ = (got), w_ = (want); \
	if (!ok(fabs(g_ - w_) < 1e-9, __VA_ARGS__)) \
		printf("#   got %.12g, want %.12g\n", g_, w_); \
} while (0)

int
main(void)
{
	json_t *spec = P("{\"resources\":[{\"type\":\"CPU\",\"count\":2},"
	    "{\"type\":\"MEMORY\",\"sizeInMB\":512}]}");
	json_t *none = P("{}");
	double u[4];
	struct dash_util s;

	/* score: the dominant share, times 1e6 */
	near(dash_score(spec, 3, 12, 8192), 500000.0,
	    "cpu dominates: 2*3/12 of the cores");
	near(dash_score(spec, 3, 60, 1024), 1500000.0,
	    "memory dominates: 512*3/1024 of the memory");
	near(dash_score(spec, 1, 8, 0), 250000.0,
	    "no memory in the cluster: cpu alone");
	near(dash_score(spec, 1, 0, 0), 0.0, "an empty cluster scores 0");
	near(dash_score(spec, 0, 8, 1024), 0.0, "no instances score 0");
	near(dash_score(spec, -4, 8, 1024), 0.0, "negative instances score 0");
	near(dash_score(none, 5, 8, 1024), 0.0, "a spec without resources");
	ok(dash_score(spec, 2, 12, 8192) > dash_score(spec, 1, 12, 8192),
	    "more instances score higher");

	/* one executor's utilization */
	near(dash_utilization(1, 3, 100, 900), 0.25, "cores dominate");
	near(dash_utilization(1, 3, 600, 400), 0.6, "memory dominates");
	near(dash_utilization(0, 0, 0, 0), 0.0, "nothing at all: 0");
	near(dash_utilization(0, 0, 50, 50), 0.5, "no cores: memory alone");
	near(dash_utilization(4, 0, 0, 10), 1.0, "full");
	near(dash_utilization(-1, 4, -5, 5), 0.0, "negative used counts 0");

	/* the cluster's figures */
	dash_util_stats(NULL, 0, &s);
	ok(s.average == 0 && s.highest == 0 && s.lowest == 0 &&
	    s.balance == 0, "no executors: all 0");
	u[0] = 0.5;
	dash_util_stats(u, 1, &s);
	near(s.average, 0.5, "one: its mean");
	near(s.highest, 0.5, "one: highest");
	near(s.lowest, 0.5, "one: lowest");
	near(s.balance, 0.0, "one: perfectly balanced");
	u[0] = 0.2, u[1] = 0.4, u[2] = 0.6, u[3] = 0.8;
	dash_util_stats(u, 4, &s);
	near(s.average, 0.5, "four: mean");
	near(s.highest, 0.8, "four: highest");
	near(s.lowest, 0.2, "four: lowest");
	/* population stddev of .2 .4 .6 .8 is sqrt(0.05) */
	near(s.balance, sqrt(0.05) / 0.5, "four: stddev / mean");
	u[0] = u[1] = u[2] = 0;
	dash_util_stats(u, 3, &s);
	near(s.balance, 0.0, "all idle: mean 0, balance 0, not NaN");
	u[0] = 0, u[1] = 1;
	dash_util_stats(u, 2, &s);
	near(s.balance, 1.0, "one full, one idle: balance 1");

	json_decref(spec);
	json_decref(none);
	return done_testing();
}
