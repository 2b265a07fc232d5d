#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "duration.h"
#include "err.h"
#include "execd.h"

static size_t
discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p, (void)arg;
	return sz * n;
}

static int
host_port(struct inst *in, const char *name)
{
	json_t *p = json_object_get(in->ports, name ? name : "");

	return (int)js_int(p, "hostPort", 0);
}

static int
http_check(struct inst *in, const json_t *mode, long timeout_ms)
{
	CURL *c;
	CURLcode rc;
	char url[1024];
	const char *verb = js_str(mode, "verb", "GET");
	const char *payload = js_str(mode, "payload", NULL);
	json_t *codes = json_object_get(mode, "successCodes"), *v;
	long status = 0;
	size_t i;
	int port, ok = 0;

	port = host_port(in, js_str(mode, "portName", NULL));
	if (!port) {
		dbg("%s: check: no port named '%s'", in->id,
		    js_str(mode, "portName", ""));
		return 0;
	}
	snprintf(url, sizeof url, "%s://127.0.0.1:%d%s",
	    !strcasecmp(js_str(mode, "protocol", "HTTP"), "HTTPS") ?
	    "https" : "http", port, js_str(mode, "path", "/"));
	if (!(c = curl_easy_init()))
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)dur_ms(mode, "connectionTimeout", 1000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms :
	    1000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, verb);
	if (strcasecmp(verb, "GET")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload ? payload : "");
	}
	if (js_bool(mode, "insecure", 0)) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (json_array_size(codes) == 0)
			ok = status == 200;
		json_array_foreach(codes, i, v) {
			if (json_integer_value(v) == status)
				ok = 1;
		}
	}
	dbg("%s: check %s %s: %s %ld", in->id, verb, url,
	    rc == CURLE_OK ? "status" : curl_easy_strerror(rc), status);
	curl_easy_cleanup(c);
	return ok;
}

static int
cmd_check(struct inst *in, const json_t *mode, long timeout_ms)
{
	const char *cmd = js_str(mode, "command", "");
	char container[96], *copy, *tok, *save;
	const char *argv[64];
	int n = 0, code = -1, r;

	pthread_mutex_lock(&X.mu);
	snprintf(container, sizeof container, "%s", in->container);
	pthread_mutex_unlock(&X.mu);
	if (!container[0] || !*cmd)
		return 0;
	copy = xstrdup(cmd);
	if (js_bool(mode, "shellDisabled", 0)) {
		for (tok = strtok_r(copy, " ", &save); tok && n < 63;
		    tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	} else {
		argv[n++] = "sh";
		argv[n++] = "-c";
		argv[n++] = cmd;
	}
	argv[n] = NULL;
	r = n ? engine_exec(X.eng, container, argv, timeout_ms > 0 ?
	    timeout_ms : X.cmd_timeout_ms, &code) : -1;
	if (r < 0)
		dbg("%s: check '%s': %s", in->id, cmd, err_text());
	else
		dbg("%s: check '%s': exit %d", in->id, cmd, code);
	free(copy);
	return r == 0 && code == 0;
}

int
check_once(struct inst *in, const json_t *mode, long timeout_ms)
{
	const char *type = js_str(mode, "type", "HTTP");

	if (!strcasecmp(type, "CMD"))
		return cmd_check(in, mode, timeout_ms);
	return http_check(in, mode, timeout_ms);
}

/* Drove: each hook in order, errors logged; HTTP hooks retried (3 s apart,
 * 5 attempts at most); then waitBeforeKill.  Sleeps here are not woken:
 * the instance is already stopping. */
void
run_hooks(struct inst *in, const json_t *pre)
{
	json_t *hooks = json_object_get(pre, "hooks"), *h;
	struct timespec ts;
	long long wait;
	size_t i;
	int a;

	json_array_foreach(hooks, i, h) {
		int http = strcasecmp(js_str(h, "type", "HTTP"), "CMD") != 0;

		for (a = 0; a < (http ? 5 : 1); a++) {
			if (check_once(in, h, 1000))
				break;
			if (http && a < 4) {
				ts.tv_sec = 3;
				ts.tv_nsec = 0;
				nanosleep(&ts, NULL);
			}
		}
		if (a == (http ? 5 : 1))
			warn("%s: pre-shutdown hook %zu failed", in->id, i);
	}
	wait = dur_ms(pre, "waitBeforeKill", 0);
	if (wait > 0) {
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}
