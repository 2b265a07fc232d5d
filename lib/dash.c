#include <math.h>

#include "dash.h"
#include "model.h"

static double
share(long long part, long long whole)
{
	return whole > 0 ? (double)part / (double)whole : 0.0;
}

static long long
nonneg(long long v)
{
	return v > 0 ? v : 0;
}

double
dash_score(const json_t *spec, long long n, long long total_cores,
    long long total_mb)
{
	double c, m;

	n = nonneg(n);
	c = share(nonneg(spec_cpus(spec)) * n, total_cores) * 1e6;
	m = share(nonneg(spec_memory_mb(spec)) * n, total_mb) * 1e6;
	return c > m ? c : m;
}

double
dash_utilization(long long used_cores, long long free_cores,
    long long used_mb, long long free_mb)
{
	double c, m;

	used_cores = nonneg(used_cores);
	used_mb = nonneg(used_mb);
	c = share(used_cores, used_cores + nonneg(free_cores));
	m = share(used_mb, used_mb + nonneg(free_mb));
	return c > m ? c : m;
}

void
dash_util_stats(const double *u, size_t n, struct dash_util *out)
{
	double sum = 0, var = 0, d;
	size_t i;

	out->average = out->highest = out->lowest = out->balance = 0;
	if (n == 0)
		return;
	out->highest = out->lowest = u[0];
	for (i = 0; i < n; i++) {
		sum += u[i];
		if (u[i] > out->highest)
			out->highest = u[i];
		if (u[i] < out->lowest)
			out->lowest = u[i];
	}
	out->average = sum / (double)n;
	for (i = 0; i < n; i++) {
		d = u[i] - out->average;
		var += d * d;
	}
	if (out->average > 0)
		out->balance = sqrt(var / (double)n) / out->average;
}
