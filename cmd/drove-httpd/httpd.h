/*
 * httpd.h: what main.c (daemon, leadership cache) and the request
 * handlers (httpd_api.c, httpd_proxy.c) share inside drove-httpd.
 *
 * A request is handled on its own MHD thread: handlers read ZooKeeper with
 * the (thread-safe) synchronous zk calls, and read the leadership state
 * only through leader_get().  A handler fills a struct reply: either a
 * JSON body (json, owned) or raw bytes (raw, malloc'd, owned).
 */
#ifndef DROVE_HTTPD_H
#define DROVE_HTTPD_H

#include <stddef.h>
#include <microhttpd.h>

#include "json.h"
#include "spec.h"
#include "zk.h"
#include "zkpath.h"

#define HTTPD_BODY_MAX (1024 * 1024)

struct httpd {
	json_t *cfg;
	struct zk *zk;
	const char *ns;
	char hostname[256];		/* options.hostname or gethostname */
	int port;			/* the bound API port */
	struct spec_opts sopts;
	const char *cluster_secret;	/* clusterAuth CONTROLLER secret */
};
extern struct httpd hd;

struct req {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const char *body;
	size_t body_len;
};

struct reply {
	unsigned int code;
	json_t *json;
	char *raw;
	size_t raw_len;
	char ctype[128];
	char disposition[512];
};

/* Copies the leader's election znode path into fence (ZKP_MAX) and its
 * "host:port" into addr (addr_len, "" if none); returns 1 if this node is
 * the leader, else 0.  fence and addr may be NULL. */
int leader_get(char *fence, char *addr, size_t addr_len);

/* httpd_api.c */
void api_handle(const struct req *r, struct reply *out);
void reply_ok(struct reply *out, json_t *data);
void reply_fail(struct reply *out, unsigned int code, const char *message,
    json_t *data);
void reply_500(struct reply *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* httpd_proxy.c: /apis/v1/logfiles/applications/{appId}/{iid}/{rest} */
void proxy_logfiles(const struct req *r, const char *app_id,
    const char *instance_id, const char *rest, struct reply *out);

#endif
