/* t_event: event znode names (lib/event) and the DroveEvent records
 * (lib/record's rec_event_*), with Drove's metadata keys (drove.md §7.7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "model.h"
#include "record.h"
#include "tap.h"
#include "tap_json.h"

/* The metadata member names of event ev, sorted, comma-separated. */
static const char *
meta_keys(const json_t *ev)
{
	static char out[512];
	const char *names[32], *k, *t;
	json_t *v, *m = json_object_get(ev, "metadata");
	size_t n = 0, i, j, len = 0;

	out[0] = '\0';
	json_object_foreach(m, k, v)
		if (n < 32)
			names[n++] = k;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (i = 0; i < n && len < sizeof out; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
		    i ? "," : "", names[i]);
	return out;
}

static const char *
meta_str(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(json_object_get(ev,
	    "metadata"), key));
}

static long long
meta_int(const json_t *ev, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(ev,
	    "metadata"), key));
}

static void
test_name_parse(void)
{
	static const char *const bad[] = { NULL, "", "e", "x1-2", "e-1",
	    "e1", "e1-", "e1-x", "e1-2x", "e1-2-3", "e1--2", "ex-1",
	    "e99999999999999999999-1", "E1-2", "e-1-2", "e+1-2", "e1-+2",
	    "e 1-2", "e1- 2" };
	long long t = 7, s = 7;
	size_t i;

	ok(event_name_parse("e1700000000123-0000000042", &t, &s) == 0,
	    "a stored name parses");
	is_int(t, 1700000000123LL, "its time");
	is_int(s, 42, "its sequence, leading zeros dropped");
	ok(event_name_parse("e0000000000000-0000000000", &t, &s) == 0 &&
	    t == 0 && s == 0, "zeros parse");
	ok(event_name_parse("e1-2147483647", &t, &s) == 0 && s == 2147483647,
	    "the largest ZooKeeper sequence parses");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = s = 7;
		errno = 0;
		ok(event_name_parse(bad[i], &t, &s) < 0 && errno == EINVAL &&
		    t == 7 && s == 7, "'%s' is refused, outputs untouched",
		    bad[i] ? bad[i] : "(null)");
	}
}

static void
test_event_record(void)
{
	json_t *m = P("{\"HOSTNAME\":\"c1\"}"), *ev, *ev2;
	struct rec_event f;

	ev = rec_event_new(&(struct rec_event){ "LEADERSHIP_ACQUIRED",
	    "id-1", 1234, m });
	ok(ev != NULL, "an event is built");
	ok(rec_event_read(ev, &f) == 0, "and read back");
	is_str(f.type, "LEADERSHIP_ACQUIRED", "type");
	is_str(f.id, "id-1", "id");
	is_int(f.time, 1234, "time");
	ok(json_equal(f.metadata, m), "metadata");
	ok(json_object_get(ev, "metadata") != m,
	    "metadata is copied, not shared");
	json_decref(ev);

	ev = rec_event_new(&(struct rec_event){ "X", NULL, 1, NULL });
	ev2 = rec_event_new(&(struct rec_event){ "X", NULL, 1, NULL });
	ok(rec_event_read(ev, &f) == 0 && strlen(f.id) == 36,
	    "no id: a fresh UUID");
	ok(strcmp(json_string_value(json_object_get(ev, "id")),
	    json_string_value(json_object_get(ev2, "id"))) != 0,
	    "two events get two ids");
	ok(json_is_object(json_object_get(ev, "metadata")) &&
	    !json_object_size(json_object_get(ev, "metadata")),
	    "no metadata: {}");
	json_decref(ev);
	json_decref(ev2);

	ev = P("{\"type\":\"X\",\"time\":\"1\"}");
	ok(rec_event_read(ev, &f) < 0, "a string time is refused");
	json_decref(ev);
	ev = P("{\"time\":1}");
	ok(rec_event_read(ev, &f) < 0, "no type is refused");
	json_decref(ev);
	ev = P("{\"type\":\"X\",\"time\":5}");
	ok(rec_event_read(ev, &f) == 0 && f.metadata == NULL &&
	    !strcmp(f.id, ""), "no id, no metadata: read as absent");
	json_decref(ev);
	json_decref(m);
}

static void
test_instance_state(void)
{
	json_t *ports = P("{\"main\":{\"containerPort\":8000,"
	    "\"hostPort\":31000,\"portType\":\"HTTP\"}}");
	json_t *ii, *ev;
	struct rec_event f;

	ii = rec_instance_new(&(struct rec_instance){ .app_id = "hello-1",
	    .app_name = "hello", .instance_id = "AI-1",
	    .executor_id = "ex-1", .hostname = "host1", .ports = ports,
	    .state = INST_HEALTHY, .error = "", .created = 100,
	    .updated = 200 });
	ev = rec_event_instance_state(ii, 300);
	ok(ev && rec_event_read(ev, &f) == 0, "INSTANCE_STATE_CHANGE built");
	is_str(f.type, "INSTANCE_STATE_CHANGE", "its type");
	is_int(f.time, 300, "time is now, not the record's updated");
	is_str(meta_keys(ev), "APP_ID,APP_NAME,CREATED,CURRENT_STATE,ERROR,"
	    "EXECUTOR_HOST,EXECUTOR_ID,INSTANCE_ID,PORTS",
	    "Drove's InstanceEventDataTag keys");
	is_str(meta_str(ev, "APP_ID"), "hello-1", "APP_ID");
	is_str(meta_str(ev, "INSTANCE_ID"), "AI-1", "INSTANCE_ID");
	is_str(meta_str(ev, "APP_NAME"), "hello", "APP_NAME");
	is_str(meta_str(ev, "EXECUTOR_ID"), "ex-1", "EXECUTOR_ID");
	is_str(meta_str(ev, "EXECUTOR_HOST"), "host1", "EXECUTOR_HOST");
	is_str(meta_str(ev, "PORTS"), "main:31000:http",
	    "PORTS name:hostPort:type, type in lower case");
	is_str(meta_str(ev, "CURRENT_STATE"), "HEALTHY", "CURRENT_STATE");
	is_str(meta_str(ev, "ERROR"), "", "ERROR empty");
	is_int(meta_int(ev, "CREATED"), 100, "CREATED");
	json_decref(ev);
	json_decref(ii);

	ii = rec_instance_new(&(struct rec_instance){ .app_id = "hello-1",
	    .instance_id = "AI-2", .state = INST_PENDING, .created = 1,
	    .updated = 1 });
	ev = rec_event_instance_state(ii, 5);
	ok(ev != NULL, "a PENDING instance with no ports and no executor");
	is_str(meta_str(ev, "PORTS"), "", "PORTS empty");
	is_str(meta_str(ev, "CURRENT_STATE"), "PENDING", "CURRENT_STATE");
	is_str(meta_str(ev, "EXECUTOR_ID"), "", "EXECUTOR_ID empty");
	json_decref(ev);
	json_decref(ii);

	ii = rec_instance_new(&(struct rec_instance){ .app_id = "hello-1",
	    .instance_id = "AI-3", .state = INST_HEALTHY, .created = 1,
	    .updated = 1 });
	ev = rec_instance_with_state(ii, INST_LOST, "gone", 9);
	json_decref(ii);
	ii = ev;
	ev = rec_event_instance_state(ii, 10);
	is_str(meta_str(ev, "CURRENT_STATE"), "LOST", "LOST");
	is_str(meta_str(ev, "ERROR"), "gone", "ERROR carries the message");
	json_decref(ev);
	json_decref(ii);

	ii = P("{\"appId\":\"a\"}");
	errno = 0;
	ok(rec_event_instance_state(ii, 1) == NULL && errno == EINVAL,
	    "not an InstanceInfo: NULL, EINVAL");
	json_decref(ii);
	json_decref(ports);
}

static void
test_app_state(void)
{
	json_t *spec = P("{\"name\":\"hello\",\"version\":\"1\","
	    "\"executable\":{\"type\":\"DOCKER\",\"url\":\"img:1\"},"
	    "\"resources\":[{\"type\":\"CPU\",\"count\":2},"
	    "{\"type\":\"MEMORY\",\"sizeInMB\":128}],"
	    "\"exposedPorts\":[{\"name\":\"main\",\"port\":8000,"
	    "\"type\":\"HTTP\"},{\"name\":\"adm\",\"port\":8001,"
	    "\"type\":\"TCP\"}],"
	    "\"placementPolicy\":{\"type\":\"ONE_PER_HOST\"},"
	    "\"exposureSpec\":{\"vhost\":\"hello.local\"}}");
	json_t *ev;
	struct rec_event f;

	ev = rec_event_app_state("hello-1", spec, 3, APP_RUNNING, 77);
	ok(ev && rec_event_read(ev, &f) == 0, "APP_STATE_CHANGE built");
	is_str(f.type, "APP_STATE_CHANGE", "its type");
	is_int(f.time, 77, "time");
	is_str(meta_keys(ev), "APP_ID,APP_NAME,APP_VERSION,CPU_COUNT,"
	    "CURRENT_INSTANCES,CURRENT_STATE,EXECUTABLE,MEMORY,"
	    "PLACEMENT_POLICY,PORTS,VHOST", "Drove's AppEventDataTag keys");
	is_str(meta_str(ev, "APP_NAME"), "hello", "APP_NAME");
	is_str(meta_str(ev, "APP_VERSION"), "1", "APP_VERSION");
	is_str(meta_str(ev, "EXECUTABLE"), "img:1", "EXECUTABLE");
	is_int(meta_int(ev, "CPU_COUNT"), 2, "CPU_COUNT");
	is_int(meta_int(ev, "MEMORY"), 128, "MEMORY");
	is_str(meta_str(ev, "PLACEMENT_POLICY"), "ONE_PER_HOST",
	    "PLACEMENT_POLICY");
	is_str(meta_str(ev, "PORTS"), "main:8000:http,adm:8001:tcp",
	    "PORTS name:port:type, comma-separated");
	is_str(meta_str(ev, "VHOST"), "hello.local", "VHOST");
	is_int(meta_int(ev, "CURRENT_INSTANCES"), 3, "CURRENT_INSTANCES");
	is_str(meta_str(ev, "CURRENT_STATE"), "RUNNING", "CURRENT_STATE");
	json_decref(ev);

	json_object_del(spec, "exposureSpec");
	json_object_del(spec, "placementPolicy");
	ev = rec_event_app_state("hello-1", spec, 0, APP_MONITORING, 1);
	ok(json_object_get(json_object_get(ev, "metadata"), "VHOST") == NULL,
	    "no exposureSpec: no VHOST");
	is_str(meta_str(ev, "PLACEMENT_POLICY"), "ANY",
	    "no placement policy: ANY");
	json_decref(ev);
	json_decref(spec);
}

/* The order of all events: bucket (10 s of event time), then the
 * bucket's sequence; later buckets after earlier ones whatever their
 * sequence numbers. */
static void
test_order(void)
{
	ok(event_order(1700000000123, 42) < event_order(1700000000999, 43),
	    "same bucket: by sequence");
	ok(event_order(1700000000999, 43) > event_order(1700000009000, 7),
	    "same bucket: the sequence, not the time, decides");
	ok(event_order(1700000010000, 0) > event_order(1700000009999, 9999),
	    "a later bucket comes after");
	ok(event_order(1700000010000, 0) < (1LL << 53),
	    "ids stay exact in a JavaScript number");
}

int
main(void)
{
	test_name_parse();
	test_order();
	test_event_record();
	test_instance_state();
	test_app_state();
	return done_testing();
}
