/*
 * drove-reconcile: match the engine's drove-labelled containers (all,
 * exited too) with this executor's assignments and InstanceInfos, print
 * one decision per line on stdout,
 *   {"action":"adopt"|"kill"|"lost","instanceId","appId","containerId",
 *    "reason"}
 * and carry it out: kill = docker kill + remove, lost = InstanceInfo state
 * LOST; adopt changes nothing.  -n changes nothing at all.
 * Exit: 0 done, 100 usage/config, 111 ZooKeeper or the engine unreachable
 * or a change failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "err.h"
#include "json.h"
#include "reconcile.h"
#include "zk.h"

#define USAGE "drove-reconcile -c executor.yml [ -c more.yml ... ] [ -n ] [ -v ]"

int
main(int argc, char **argv)
{
	const char *cfgpath = NULL, *sock;
	struct cfg_files cf = { 0 };
	json_t *cfg, *cs, *as, *infos, *dec, *d;
	struct engine *eng;
	struct zk *z;
	char host[256], id[64];
	int c, dry = 0, failed = 0;
	size_t i;

	PROG = "drove-reconcile";
	while ((c = getopt(argc, argv, "c:hnv")) != -1) {
		switch (c) {
		case 'c':
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			cfgpath = cf.name;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return 0;
		case 'n':
			dry = 1;
			break;
		case 'v':
			verbosity++;
			break;
		default:
			dieusage(USAGE);
		}
	}
	if (!cfgpath || optind != argc)
		dieusage(USAGE);
	if (!(cfg = cfg_load_all(cf.path, cf.n)))
		die(EXIT_USAGE, "%s", err_text());
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfgpath);
	if (cfg_port(cfg, NODE_EXECUTOR) < 0)
		die(EXIT_USAGE, "%s: invalid server port", cfgpath);
	if (reconcile_identity(cfg, host, sizeof host, id) < 0)
		diesys(EXIT_TEMP, "unable to get the host name");
	sock = cfg_docker_socket(cfg);
	if (!(eng = engine_new(sock, 30000)))
		diesys(EXIT_TEMP, "unable to set up the engine client");
	if (engine_ping(eng) < 0)
		die(EXIT_TEMP, "engine at '%s' unreachable: %s", sock,
		    err_text());
	if (!(z = zk_open(cfg_zk_connect(cfg), cfg_zk_namespace(cfg),
	    cfg_zk_session_ms(cfg), 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper at '%s': %s",
		    cfg_zk_connect(cfg), err_text());
	dbg("executor %s (%s)", id, host);
	if (reconcile_gather(z, eng, id, 0, &cs, &as, &infos) < 0)
		die(EXIT_TEMP, "%s", err_text());
	if (!(dec = reconcile_decide(cs, as, infos, id)))
		die(EXIT_TEMP, "out of memory");
	json_array_foreach(dec, i, d) {
		js_print_line(stdout, d);
		if (dry)
			continue;
		fflush(stdout);
		if (reconcile_apply(z, eng, d, json_object_get(infos,
		    js_str(d, "instanceId", ""))) < 0) {
			warn("%s", err_text());
			failed = 1;
		}
	}
	json_decref(dec);
	json_decref(cs);
	json_decref(as);
	json_decref(infos);
	zk_close(z);
	engine_free(eng);
	json_decref(cfg);
	stdout_close();
	return failed ? EXIT_TEMP : 0;
}
