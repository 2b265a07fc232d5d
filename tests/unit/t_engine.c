/* t_engine: the in-memory ustar writer behind engine_put_archive(). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "engine.h"
#include "tap.h"

static unsigned long
oct(const char *p, size_t n)
{
	char tmp[16];

	memcpy(tmp, p, n);
	tmp[n] = 0;
	return strtoul(tmp, NULL, 8);
}

static int
sum_ok(const char *h)
{
	unsigned sum = 0;
	int i;

	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	return sum == oct(h + 148, 7);
}

/* Read the archive back with libarchive: "name:size:data|" per entry. */
static void
read_back(const struct buf *t, struct buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	char data[64];
	la_ssize_t n;

	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, t->s, t->len) != ARCHIVE_OK) {
		buf_adds(out, "open failed");
		archive_read_free(a);
		return;
	}
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK) {
		buf_addf(out, "%s:%lld:", archive_entry_pathname(ent),
		    (long long)archive_entry_size(ent));
		while ((n = archive_read_data(a, data, sizeof data)) > 0)
			buf_add(out, data, (size_t)n);
		buf_adds(out, "|");
	}
	archive_read_free(a);
}

/* engine_stats_read() on a dockerd sample (cgroup v1, as taken on this
 * project's machines) and a cgroup v2 one (podman's shape: no max_usage,
 * lower-case block I/O ops, two interfaces). */
static void
t_stats(void)
{
	static const char v1[] = "{\"read\":\"2026-12-01T08:28:46Z\","
	    "\"blkio_stats\":{\"io_service_bytes_recursive\":["
	    "{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":4096},"
	    "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":8192},"
	    "{\"major\":8,\"minor\":0,\"op\":\"Total\",\"value\":12288}]},"
	    "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":2045255741},"
	    "\"system_cpu_usage\":64767360000000,\"online_cpus\":2,"
	    "\"throttling_data\":{\"periods\":0,\"throttled_periods\":3}},"
	    "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":0}},"
	    "\"memory_stats\":{\"usage\":532480,\"max_usage\":4079616,"
	    "\"limit\":25276059648},"
	    "\"networks\":{\"eth0\":{\"rx_bytes\":736,\"rx_errors\":1,"
	    "\"rx_dropped\":2,\"tx_bytes\":10,\"tx_errors\":3,"
	    "\"tx_dropped\":4}}}";
	static const char v2[] = "{\"blkio_stats\":{"
	    "\"io_service_bytes_recursive\":["
	    "{\"op\":\"read\",\"value\":100},"
	    "{\"op\":\"write\",\"value\":7},"
	    "{\"op\":\"read\",\"value\":1}]},"
	    "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5},"
	    "\"system_cpu_usage\":9,\"online_cpus\":4},"
	    "\"memory_stats\":{\"usage\":1000,\"limit\":2000},"
	    "\"networks\":{\"eth0\":{\"rx_bytes\":1,\"tx_bytes\":2},"
	    "\"eth1\":{\"rx_bytes\":10,\"tx_bytes\":20}}}";
	struct engine_stats st;
	json_t *j = js_parse(v1, strlen(v1));

	ok(engine_stats_read(j, &st) == 0, "a dockerd sample reads");
	json_decref(j);
	is_int(st.cpu_ns, 2045255741LL, "cpu total usage");
	is_int(st.system_ns, 64767360000000LL, "system cpu usage");
	is_int(st.online_cpus, 2, "online cpus");
	is_int(st.throttled_periods, 3, "throttled periods");
	is_int(st.mem_usage, 532480, "memory usage");
	is_int(st.mem_max_usage, 4079616, "memory max usage");
	is_int(st.mem_limit, 25276059648LL, "memory limit");
	ok(st.rx_bytes == 736 && st.rx_errors == 1 && st.rx_dropped == 2 &&
	    st.tx_bytes == 10 && st.tx_errors == 3 && st.tx_dropped == 4,
	    "network figures");
	ok(st.blk_read == 4096 && st.blk_write == 8192,
	    "block I/O read and write, Total left out");
	j = js_parse(v2, strlen(v2));
	ok(engine_stats_read(j, &st) == 0, "a cgroup v2 sample reads");
	json_decref(j);
	is_int(st.mem_max_usage, -1, "no max_usage in cgroup v2: -1");
	is_int(st.throttled_periods, -1, "no throttling data: -1");
	ok(st.rx_bytes == 11 && st.tx_bytes == 22,
	    "interfaces summed");
	is_int(st.rx_errors, -1, "a figure no interface has: -1");
	ok(st.blk_read == 101 && st.blk_write == 7,
	    "lower-case ops, devices summed");
	j = json_pack("{s:i}", "x", 1);
	ok(engine_stats_read(j, &st) < 0 && errno == EINVAL,
	    "not a sample");
	json_decref(j);
}

int
main(void)
{
	struct buf back = BUF_ZERO;
	char want[300];
	struct rlimit rl;
	size_t len;
	void *big;
	long pages;
	FILE *f;
	struct buf t = BUF_ZERO;
	char longname[300];
	const char *h;

	ok(tar_add_file(&t, "/etc/app/app.yml", "port: 8080\n", 11, 0644,
	    1700000000) == 0, "add a file");
	is_int(t.len, 1024, "header and one data block");
	h = t.s;
	is_str(h, "etc/app/app.yml", "leading slash stripped");
	ok(!memcmp(h + 257, "ustar", 6) && !memcmp(h + 263, "00", 2),
	    "ustar magic and version");
	is_int(oct(h + 124, 11), 11, "size field");
	is_int(oct(h + 100, 7), 0644, "mode field");
	is_int(oct(h + 136, 11), 1700000000, "mtime field");
	ok(h[156] == '0', "regular file");
	ok(sum_ok(h), "header checksum");
	ok(!memcmp(h + 512, "port: 8080\n", 11) && h[512 + 11] == 0,
	    "data then zero padding");

	memset(longname, 'a', sizeof longname);
	memcpy(longname, "/opt/", 5);
	memset(longname + 5, 'd', 120);
	longname[125] = '/';
	memset(longname + 126, 'f', 90);
	longname[216] = 0;
	ok(tar_add_file(&t, longname, "", 0, 0600, 0) == 0,
	    "long name split into prefix");
	h = t.s + 1024;
	is_int(t.len, 1536, "empty file: header only");
	ok(strlen(h) == 90 && h[0] == 'f', "name part");
	ok(!strncmp(h + 345, "opt/ddd", 7) && strlen(h + 345) == 124,
	    "prefix part");
	ok(sum_ok(h), "long header checksum");
	memset(longname + 5, 'x', 250);
	longname[255] = 0;
	len = t.len;
	errno = 0;
	ok(tar_add_file(&t, longname, "", 0, 0600, 0) < 0 &&
	    errno == ENAMETOOLONG, "unsplittable name refused");
	is_int(t.len, len, "a refused file leaves the archive as it was");
	ok(tar_add_file(&t, "///", "", 0, 0600, 0) < 0 && errno == EINVAL,
	    "an empty name is refused");
	ok(tar_end(&t) == 0 && t.len == 2560, "two zero blocks at the end");
	read_back(&t, &back);
	strcpy(want, "etc/app/app.yml:11:port: 8080\n|opt/");
	len = strlen(want);
	memset(want + len, 'd', 120);
	want[len + 120] = '/';
	memset(want + len + 121, 'f', 90);
	strcpy(want + len + 211, ":0:|");
	is_str(back.s, want, "libarchive reads both entries back");
	buf_free(&back);

	/* Out of memory while appending: an error, the archive unchanged.
	 * 64 MiB of readable zero pages, and an address-space limit that
	 * leaves less than that for the buffer. */
	big = mmap(NULL, 64 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	f = fopen("/proc/self/statm", "r");
	ok(big != MAP_FAILED && f && fscanf(f, "%ld", &pages) == 1,
	    "set up the memory limit");
	if (f)
		fclose(f);
	rl.rlim_cur = rl.rlim_max = (rlim_t)pages * 4096 + (16 << 20);
	ok(setrlimit(RLIMIT_AS, &rl) == 0, "address space limited");
	len = t.len;
	errno = 0;
	ok(tar_add_file(&t, "huge.bin", big, 64 << 20, 0644, 0) < 0 &&
	    errno == ENOMEM, "ENOMEM is an error, not a short archive");
	is_int(t.len, len, "archive unchanged after ENOMEM");
	buf_free(&t);
	t_stats();
	return done_testing();
}
