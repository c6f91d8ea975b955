#ifndef AWS_CONFIG_H
#define AWS_CONFIG_H

/*
 * AWS settings outside acm-inbox.conf: the environment variables and the
 * shared files ~/.aws/config and ~/.aws/credentials that the AWS CLI and
 * SDKs read.  Returned strings are newly allocated (free with free()).
 * A missing shared file is not an error.  An unreadable or malformed one
 * is logged as "FILE:LINE: ..." and the lookup then finds nothing.
 */
#include <stdbool.h>

#include "common/str.h"

/* Service ids accepted below. */
#define AWS_SERVICE_S3 "s3"
#define AWS_SERVICE_SES "ses"
#define AWS_SERVICE_SNS "sns"
#define AWS_SERVICE_ROUTE53 "route53"
#define AWS_SERVICE_ACM "acm"
#define AWS_SERVICE_STS "sts"

/* Returns flag, else AWS_PROFILE, else "default".  flag may be NULL. */
char *aws_config_profile_name(const char *flag);

/*
 * Returns the region: flag, AWS_REGION, AWS_DEFAULT_REGION, then the
 * profile's "region" in the config file.  Returns NULL when none is set
 * (not logged: the caller knows what needed it).  flag and profile may be
 * NULL (profile NULL: as aws_config_profile_name(NULL)).
 */
char *aws_config_region(const char *flag, const char *profile);

/*
 * Returns the endpoint URL (scheme, host and optional port, no trailing
 * slash) for a service id: AWS_ENDPOINT_URL_<SERVICE> (S3, SES, SNS,
 * ROUTE_53, ACM, STS), AWS_ENDPOINT_URL, the profile's endpoint_url, then
 * the service's public host for region (amazonaws.com.cn for cn-*).
 * *overridden (may be NULL) is set when the URL came from a setting.
 * Returns NULL (logged) for an unknown service, or when the default host
 * needs a region and region is NULL or not shaped like a region name.
 */
char *aws_config_endpoint(const char *service, const char *region,
    const char *profile, bool *overridden);

/* Returns the SigV4 service name ("ses" for SES), or NULL if unknown. */
const char *aws_config_signing_name(const char *service);

/*
 * Returns the SigV4 region: region itself for regional services, and for
 * Route 53 "us-east-1" ("cn-northwest-1" when region is cn-*).  The result
 * is region or a static string, or NULL when region is needed but NULL.
 */
const char *aws_config_signing_region(const char *service,
    const char *region);

/*
 * Returns the CA bundle path: flag, AWS_CA_BUNDLE, then the profile's
 * ca_bundle.  NULL means the system store.  flag and profile may be NULL.
 */
char *aws_config_ca_bundle(const char *flag, const char *profile);

/*
 * Returns the shared file path: AWS_CONFIG_FILE or ~/.aws/config when
 * config is true, else AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.
 * Returns NULL when HOME is needed and unset.
 */
char *aws_config_file_path(bool config);

/*
 * One profile's keys from one shared file.  In the config file a profile
 * is "[profile NAME]" (or "[default]"), in the credentials file "[NAME]".
 * Keys are lower case and the last assignment wins.  Indented lines under a
 * key with an empty value (the "s3 =" sub-sections) are skipped.
 */
struct aws_profile {
	bool found;		/* the file has a section for the profile */
	struct strlist keys;
	struct strlist values;
};

/*
 * Reads profile name from path into p (zeroed first).  config selects the
 * config file's section syntax.  A missing file returns 0 with p->found
 * false.  Returns -1 (logged as "PATH:LINE: ...") when the file cannot be
 * read or is malformed.  Free p with aws_profile_free() in both cases.
 */
int aws_profile_load(struct aws_profile *p, const char *path, bool config,
    const char *name);

/* Returns the value of key (lower case), owned by p, or NULL. */
const char *aws_profile_get(const struct aws_profile *p, const char *key);

void aws_profile_free(struct aws_profile *p);

/*
 * Looks key up in profile's section of the config file (config true) or
 * the credentials file.  Returns 0 with *value newly allocated (NULL
 * when absent), or -1 when the file is unreadable or malformed (logged).
 */
int aws_config_lookup(bool config, const char *profile, const char *key,
    char **value);

#endif
