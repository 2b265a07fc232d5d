/*
 * ids: identifiers as Drove makes them.
 *   ids_uuid4(out)          random UUIDv4 from getrandom(2)
 *   ids_instance(out, pfx)  "AI-" / "TI-" / "SI-" + UUIDv4
 *   ids_uuid3(out, bytes,n) name-based UUIDv3 (MD5 from libcrypto), as
 *                           Java's UUID.nameUUIDFromBytes: Drove's
 *                           executorId is ids_uuid3 of "<hostname>:<port>"
 * out must hold IDS_UUID_LEN (37) bytes, IDS_INSTANCE_LEN for instances.
 * ids_uuid4/ids_instance return 0, or -1 with errno if getrandom fails.
 * ids_uuid3 returns 0, or -1 with errno EIO (libcrypto failed: out of
 * memory, or MD5 not allowed by its configuration) and out set to "".
 * ids_valid_name(s): Drove's [a-zA-Z0-9_-]+ for app names and versions.
 */
#ifndef DROVE_IDS_H
#define DROVE_IDS_H

#include <stddef.h>

#define IDS_UUID_LEN 37
#define IDS_INSTANCE_LEN 41

int ids_uuid4(char *out);
int ids_instance(char *out, const char *prefix);
int ids_uuid3(char *out, const void *data, size_t n);
int ids_valid_name(const char *s);

#endif
