/*
 * itoken: Drove's application-instance token (drove.md §8, the
 * sibling-discovery token of JWTApplicationInstanceTokenManager).  The
 * controller mints one per app and local-service instance; the executor
 * hands it to the container as DROVE_APP_INSTANCE_AUTH_TOKEN; the
 * container shows it in the App-Instance-Authorization header to call
 * GET /apis/v1/internal/instances.
 *
 * The token is an HS256 JWT (libjwt signs and verifies it), signed with
 * the controller's instanceAuth.secret, with the claims
 *   iss "drove", aud "drove-application-instance", sub "drove-controller",
 *   iat (epoch seconds), jti, droveAppId, droveInstanceId, droveExecutorId
 * and no expiry.  jti is UUID.nameUUIDFromBytes of
 * "<appId>:<instanceId>:<executorId>" (ids_uuid3), so a token names one
 * instance on one executor.  For a local-service instance droveAppId is
 * its serviceId.
 *
 * itoken_mint(): the token (malloc'd, free() it) of instance instance_id
 * of app (or local service) app_id on executor executor_id, issued at
 * iat_s; NULL with errno: EINVAL (a NULL or empty argument or secret, an
 * id longer than ITOKEN_ID_MAX - 1), ENOMEM, or EIO (MD5 refused by
 * libcrypto), and err_text() saying which.
 *
 * itoken_verify(): 0 when token is an HS256 JWT signed with secret (any
 * other "alg", "none" included, is refused) whose iss, aud (a string, or
 * an array holding it, as other JWT libraries write it), sub are the
 * ones above, whose droveAppId, droveInstanceId and droveExecutorId are
 * strings of 1 to ITOKEN_ID_MAX - 1 bytes, and whose jti is the one they
 * give; *out then holds the three ids (copied) and iat (0 if absent or
 * not a number).  Otherwise -1 with errno EINVAL (ENOMEM when memory ran
 * out), *out untouched, and err_text() saying why ("instance token: bad
 * signature or format", "instance token: wrong issuer", ...).  token may
 * be any bytes (tokens longer than ITOKEN_MAX are refused unread); it
 * need not be valid, and nothing leaks on any path.  Only the signature
 * and the claims are checked here: whether the instance still runs is
 * the caller's question (drove-httpd's itoken_live()).
 */
#ifndef DROVE_ITOKEN_H
#define DROVE_ITOKEN_H

#define ITOKEN_ID_MAX 256
#define ITOKEN_MAX 8192

#define ITOKEN_ISSUER "drove"
#define ITOKEN_AUDIENCE "drove-application-instance"
#define ITOKEN_SUBJECT "drove-controller"

struct itoken {
	char app_id[ITOKEN_ID_MAX];	/* droveAppId (or a serviceId) */
	char instance_id[ITOKEN_ID_MAX];	/* droveInstanceId */
	char executor_id[ITOKEN_ID_MAX];	/* droveExecutorId */
	long long iat;			/* epoch seconds; 0 none */
};

char *itoken_mint(const char *secret, const char *app_id,
    const char *instance_id, const char *executor_id, long long iat_s);
int itoken_verify(const char *secret, const char *token, struct itoken *out);

#endif
