/*
 * drove-zkcli: read and write znodes from the shell, for operators and tests.
 * Reads: get PATH (data on stdout), ls PATH (one child per line), dump PATH
 * (every node below PATH as {"path","data"} JSON lines, data parsed when it
 * is JSON).  Writes: put [-e] PATH (data from stdin; creates parents;
 * with -e the node is ephemeral: the session id is printed and the session,
 * with its node, is held until the process is killed), rm PATH (recursive).
 * Exit: 0 ok, 1 no such node, 100 usage, 111 ZooKeeper unreachable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "zk.h"

#define USAGE "drove-zkcli [ -z connect | -c config.yml ... ] " \
	"get|ls|dump|put [-e]|rm PATH"

static int
read_stdin(struct buf *b)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		if (buf_add(b, chunk, n) < 0)
			return -1;
	return ferror(stdin) ? -1 : 0;
}

static int
dump(struct zk *z, const char *path)
{
	struct buf b = BUF_ZERO;
	char **names = NULL, **p;
	json_t *line, *data;

	if (zk_get(z, path, 0, &b, NULL) < 0)
		return -1;
	data = b.len ? js_parse(b.s, b.len) : NULL;
	if (!data)
		data = json_stringn(b.s ? b.s : "", b.len);
	line = json_pack("{s:s, s:o}", "path", path, "data",
	    data ? data : json_null());
	js_print_line(stdout, line);
	json_decref(line);
	buf_free(&b);
	if (zk_children(z, path, 0, &names, NULL) < 0)
		return errno == ENOENT ? 0 : -1;
	for (p = names; *p; p++) {
		char *child = xasprintf("%s/%s", strcmp(path, "/") ? path : "",
		    *p);

		if (dump(z, child) < 0 && errno != ENOENT) {
			free(child);
			zk_free_names(names);
			return -1;
		}
		free(child);
	}
	zk_free_names(names);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *connect = getenv("DROVE_ZK"), *cmd, *path;
	json_t *cfg = NULL;
	struct cfg_files cf = { 0 };
	struct zk *z;
	int c, ephemeral = 0, r = 0;

	PROG = "drove-zkcli";
	while ((c = getopt(argc, argv, "+z:c:hv")) != -1) {
		switch (c) {
		case 'z':
			connect = optarg;
			break;
		case 'c':
			/* the files so far, merged: later ones win */
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			json_decref(cfg);
			if (!(cfg = cfg_load_all(cf.path, cf.n)))
				die(EXIT_USAGE, "%s", err_text());
			connect = cfg_zk_connect(cfg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return 0;
		default:
			dieusage(USAGE);
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 2)
		dieusage(USAGE);
	cmd = argv[0];
	if (!strcmp(cmd, "put") && !strcmp(argv[1], "-e")) {
		ephemeral = 1;
		argv++;
		argc--;
	}
	if (argc != 2)
		dieusage(USAGE);
	path = argv[1];
	if (path[0] != '/')
		die(EXIT_USAGE, "path '%s' is not absolute", path);
	if (!connect)
		die(EXIT_USAGE, "no ZooKeeper: give -z, -c or DROVE_ZK");
	z = zk_open(connect, "drove", 10000, 10000);
	if (!z)
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s'", connect);
	if (!strcmp(cmd, "get")) {
		struct buf b = BUF_ZERO;

		r = zk_get(z, path, 0, &b, NULL);
		if (r == 0) {
			fwrite(b.s ? b.s : "", 1, b.len, stdout);
			if (b.len && b.s[b.len - 1] != '\n')
				putchar('\n');
		}
		buf_free(&b);
	} else if (!strcmp(cmd, "ls")) {
		char **names = NULL, **p;

		r = zk_children(z, path, 0, &names, NULL);
		if (r == 0)
			for (p = names; *p; p++)
				printf("%s\n", *p);
		zk_free_names(names);
	} else if (!strcmp(cmd, "dump")) {
		r = dump(z, path);
	} else if (!strcmp(cmd, "put")) {
		struct buf b = BUF_ZERO;

		if (read_stdin(&b) < 0)
			diesys(EXIT_TEMP, "unable to read standard input");
		while (b.len && b.s[b.len - 1] == '\n')
			b.s[--b.len] = '\0';
		r = zk_create(z, path, b.s ? b.s : "", b.len,
		    ephemeral ? ZK_EPHEMERAL : 0, NULL, 0);
		if (r < 0 && errno == EEXIST && !ephemeral)
			r = zk_set(z, path, b.s ? b.s : "", b.len, -1);
		buf_free(&b);
		if (r == 0 && ephemeral) {
			/* hold the session (and the node) until killed */
			printf("%lld\n", zk_session_id(z));
			stdout_close();
			for (;;)
				pause();
		}
	} else if (!strcmp(cmd, "rm")) {
		r = zk_delete_tree(z, path);
	} else
		dieusage(USAGE);
	if (r < 0) {
		int e = errno;

		warn("%s", err_text());
		zk_close(z);
		return e == ENOENT ? EXIT_NO : EXIT_TEMP;
	}
	zk_close(z);
	json_decref(cfg);
	stdout_close();
	return 0;
}
