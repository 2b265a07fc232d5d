/* TEMPORARY stub until the itoken branch is merged */
#ifndef DROVE_ITOKEN_H
#define DROVE_ITOKEN_H
struct itoken { char app_id[256], instance_id[256], executor_id[256]; };
int itoken_verify(const char *secret, const char *token, struct itoken *out);
#endif
