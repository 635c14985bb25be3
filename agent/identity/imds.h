/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IMDSv2 client: token PUT, then the instance identity document. Never a
 * proxy, never IMDSv1, short timeouts, bounded replies.
 */
#ifndef PA_IMDS_H
#define PA_IMDS_H

#include <stddef.h>

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_MAX_REPLY (64 * 1024)
#define IMDS_TOKEN_TTL_S 21600

struct imds_opts {
	const char *endpoint;      /* NULL: $AWS_EC2_METADATA_SERVICE_ENDPOINT or the default */
	long connect_timeout_ms;   /* 0: 250 */
	long request_timeout_ms;   /* 0: 1000 */
	int retries;               /* extra attempts on timeouts and 5xx: 0 = default (1), <0 = none, max 2 */
};

struct imds_identity_doc {
	char instance_id[32];
	char instance_type[64];
	char region[32];
	char availability_zone[32];
	char account_id[16];
	char image_id[32];
	char architecture[16];
	char private_ip[48];
	/*
	 * The aws:autoscaling:groupName tag, from the instance's metadata tags
	 * (only where the instance allows tags in metadata); "" when not there.
	 */
	char auto_scaling_group[256];
};

/*
 * Fetches and parses the identity document, then the Auto Scaling group tag
 * (one attempt within the request timeout; its absence is no error). Returns 0 or a negative errno
 * with a sentence for the user in err:
 *  -ETIMEDOUT no answer in time, -ECONNREFUSED nothing listening,
 *  -EACCES 403 (IMDS disabled), -EPERM 401 (token refused),
 *  -ENOENT 404, -EFBIG oversized reply, -EPROTO garbage reply.
 */
int imds_fetch_identity(const struct imds_opts *opts, struct imds_identity_doc *doc,
			char *err, size_t errsz);

/* Checks a tag value (the group name): 1..255 bytes, no control characters, not blank; 0 or -EPROTO. */
int imds_check_tag(const char *body, size_t len);

/*
 * Whether ep is an endpoint the client can use: "http://" (any case) and a
 * host, printable with no blanks, trailing '/' ignored, under 256 bytes.
 * 0 with *len its length without the trailing '/'; -EILSEQ for blanks or
 * control bytes; -EINVAL when it is not an http:// URL with a host.
 */
int imds_endpoint_check(const char *ep, size_t *len);

/* Parses an identity document body (JSON); pure, for tests and fuzzing. */
int imds_parse_identity(const char *body, size_t len, struct imds_identity_doc *doc,
			char *err, size_t errsz);

#endif
