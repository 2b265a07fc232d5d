/*
 * dash: the arithmetic of Drove's cluster dashboard (GET
 * /apis/v1/cluster/dashboard), kept apart from the view so that it can be
 * tested alone.
 *
 * dash_score(): the dominant-resource share of n instances of spec (an
 * ApplicationSpec, a TaskSpec or a LocalServiceSpec) in a cluster of
 * total_cores and total_mb (ACTIVE executors):
 *   max(cpus * n * 1e6 / total_cores, mb * n * 1e6 / total_mb)
 * where a total of 0 or less gives its term 0; n below 0 counts as 0.
 *
 * dash_utilization(): one executor's utilization, the larger of its used
 * share of cores, used / (used + free), and of memory; a resource it has
 * none of (used + free = 0) gives 0.  Negative figures count as 0.
 *
 * dash_util_stats(): over the n utilizations u (n may be 0, u then NULL):
 * their mean, highest and lowest, and the balance score, the coefficient
 * of variation (population standard deviation / mean): 0 for an evenly
 * loaded cluster, larger as the load is spread less evenly.  Everything
 * is 0 for n = 0, and the balance score is 0 when the mean is 0.
 *
 * Pure functions: no errors, nothing allocated.
 */
#ifndef DROVE_DASH_H
#define DROVE_DASH_H

#include <stddef.h>

#include "json.h"

struct dash_util {
	double average;
	double highest;
	double lowest;
	double balance;
};

double dash_score(const json_t *spec, long long n, long long total_cores,
    long long total_mb);
double dash_utilization(long long used_cores, long long free_cores,
    long long used_mb, long long free_mb);
void dash_util_stats(const double *u, size_t n, struct dash_util *out);

#endif
