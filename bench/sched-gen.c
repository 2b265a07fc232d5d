/*
 * sched-gen: writes a synthetic cluster snapshot for bench/sched in the
 * format `drove-zkcli dump /drove` prints, one {"path","data"} per line:
 * E executors (ACTIVE, 2 NUMA nodes x 32 cores, 128 GB per node, a tenth
 * tagged, metadata zone/rack), A applications with a mix of every
 * placement policy and 1/2/4/8 cores, R requests with increasing
 * "created".  Deterministic for a seed.
 * usage: sched-gen [-e executors] [-a apps] [-r requests] [-s seed]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long rs = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned)(rs % n);
}

static const char *tagnames[] = { "gpu", "ssd", "edge" };

static void
cores(int from, int n)
{
	int i;

	printf("[");
	for (i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", from + i);
	printf("]");
}

static void
executor(int i, long long now)
{
	char id[32], host[32];

	snprintf(id, sizeof id, "ex-%05d", i);
	snprintf(host, sizeof host, "host%05d.bench", i);
	printf("{\"path\":\"/drove/executor/%s\",\"data\":{\"type\":"
	    "\"EXECUTOR\",\"hostname\":\"%s\",\"port\":3000,"
	    "\"transportType\":\"HTTP\",\"updated\":%lld,\"state\":{"
	    "\"executorId\":\"%s\",\"cpus\":{\"type\":\"CPU\",\"freeCores\":"
	    "{\"0\":", id, host, now, id);
	cores(0, 32);
	printf(",\"1\":");
	cores(32, 32);
	printf("},\"usedCores\":{\"0\":[],\"1\":[]}},\"memory\":{\"type\":"
	    "\"MEMORY\",\"freeMemory\":{\"0\":131072,\"1\":131072},"
	    "\"usedMemory\":{\"0\":0,\"1\":0}},\"layout\":{\"cores\":"
	    "{\"0\":");
	cores(0, 32);
	printf(",\"1\":");
	cores(32, 32);
	printf("},\"memory\":{\"0\":131072,\"1\":131072}}},\"instances\":[],"
	    "\"tasks\":[],\"serviceInstances\":[],\"tags\":[\"%s\"", host);
	if (i % 10 == 0)
		printf(",\"%s\"", tagnames[(i / 10) % 3]);
	printf("],\"metadata\":{");
	if (i % 5 != 4)		/* four in five carry metadata */
		printf("\"zone\":\"z%d\",\"rack\":\"r%d\"", 1 + i % 4, i / 40);
	printf("},\"executorState\":\"ACTIVE\"}}\n");
}

static void
policy(int a)
{
	unsigned k = rnd(100);
	int z = 1 + (int)rnd(4);
	const char *t = tagnames[rnd(3)];

	if (k < 40)
		printf("{\"type\":\"ANY\"}");
	else if (k < 55)
		printf("{\"type\":\"ONE_PER_HOST\"}");
	else if (k < 65)
		printf("{\"type\":\"MAX_N_PER_HOST\",\"max\":%d}",
		    2 + a % 3);
	else if (k < 75)
		printf("{\"type\":\"MATCH_TAG\",\"tag\":\"%s\"}", t);
	else if (k < 80)
		printf("{\"type\":\"NO_TAG\"}");
	else if (k < 88)
		printf("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
		    "\"rule\":\"allocatedExecutorNodeMetadata['zone'] == "
		    "'z%d'\"}", z);
	else if (k < 92)
		printf("{\"type\":\"COMPOSITE\",\"combiner\":\"AND\","
		    "\"policies\":[{\"type\":\"MATCH_TAG\",\"tag\":\"%s\"},"
		    "{\"type\":\"ONE_PER_HOST\"}]}", t);
	else if (k < 95)
		printf("{\"type\":\"COMPOSITE\",\"combiner\":\"AND\","
		    "\"policies\":[{\"type\":\"RULE_BASED\",\"ruleType\":"
		    "\"HOPE\",\"rule\":\"\\\"/allocatedExecutorNodeMetadata/"
		    "zone\\\" == \\\"z%d\\\"\"},{\"type\":\"MAX_N_PER_HOST\","
		    "\"max\":2}]}", z);
	else
		printf("{\"type\":\"COMPOSITE\",\"combiner\":\"OR\","
		    "\"policies\":[{\"type\":\"MATCH_TAG\",\"tag\":\"%s\"},"
		    "{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\",\"rule\":"
		    "\"allocatedExecutorNodeMetadata['zone'] == 'z%d'\"}]}",
		    t, z);
}

static void
app(int a, int instances, long long now)
{
	static const int cw[] = { 1, 2, 2, 4, 4, 4, 8, 8, 8, 8 };
	int c = cw[rnd(10)];

	printf("{\"path\":\"/drove/applications/app%04d-1\",\"data\":{"
	    "\"appId\":\"app%04d-1\",\"spec\":{\"name\":\"app%04d\","
	    "\"version\":\"1\",\"executable\":{\"type\":\"DOCKER\",\"url\":"
	    "\"drove-test/web:1\",\"dockerPullTimeout\":\"100 seconds\"},"
	    "\"exposedPorts\":[{\"name\":\"main\",\"port\":8000,\"type\":"
	    "\"HTTP\"}],\"resources\":[{\"type\":\"CPU\",\"count\":%d},"
	    "{\"type\":\"MEMORY\",\"sizeInMB\":%d}],\"placementPolicy\":",
	    a, a, a, c, c * (1024 + 512 * (int)rnd(7)));
	policy(a);
	printf(",\"env\":{\"TIER\":\"%s\"}},\"instances\":%d,\"created\":"
	    "%lld,\"updated\":%lld}}\n", a % 2 ? "gold" : "tin", instances,
	    now, now);
}

int
main(int argc, char **argv)
{
	long long now = 1700000000000LL, i;
	int ne = 10000, na = 1000, nr = 100000, c, *per, *ra;

	while ((c = getopt(argc, argv, "e:a:r:s:")) != -1)
		switch (c) {
		case 'e': ne = atoi(optarg); break;
		case 'a': na = atoi(optarg); break;
		case 'r': nr = atoi(optarg); break;
		case 's': rs ^= strtoull(optarg, NULL, 10) * 2654435761ULL;
			break;
		default:
			fprintf(stderr, "usage: sched-gen [-e executors] "
			    "[-a apps] [-r requests] [-s seed]\n");
			return 100;
		}
	if (ne < 1 || na < 1 || nr < 0 || !(per = calloc(na, sizeof *per)))
		return 100;
	for (i = 0; i < ne; i++)
		executor((int)i, now);
	/* the requests' apps first, so each app's "instances" is right */
	if (!(ra = malloc((nr + 1) * sizeof *ra)))
		return 111;
	for (i = 0; i < nr; i++)
		per[ra[i] = (int)rnd(na)]++;
	for (i = 0; i < na; i++)
		app((int)i, per[i], now);
	for (i = 0; i < nr; i++)
		printf("{\"path\":\"/drove/requests/AI-bench-%07lld\",\"data\":"
		    "{\"appId\":\"app%04d-1\",\"instanceId\":"
		    "\"AI-bench-%07lld\",\"created\":%lld}}\n", i, ra[i], i,
		    now + i);
	free(per);
	free(ra);
	return fflush(stdout) || ferror(stdout) ? 111 : 0;
}
