#include "aws/sts.h"

#include <stdlib.h>

#include "aws/params.h"
#include "aws/xml.h"

#define STS_VERSION "2011-06-15"

int
sts_get_caller_identity(struct aws_client *client, char **account,
    char **arn, struct aws_response *resp)
{
	xmlDoc *doc;
	int rc = -1;

	*account = *arn = NULL;
	if (aws_query(client, "sts", "GetCallerIdentity", STS_VERSION, NULL,
	    0, resp) != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	*account = xml_doc_text(doc, "GetCallerIdentityResponse/"
	    "GetCallerIdentityResult/Account");
	*arn = xml_doc_text(doc, "GetCallerIdentityResponse/"
	    "GetCallerIdentityResult/Arn");
	if (*account != NULL && *arn != NULL)
		rc = 0;
	else {
		aws_response_malformed(resp, "GetCallerIdentity: no Account");
		free(*account);
		free(*arn);
		*account = *arn = NULL;
	}
	xml_free(doc);
	return rc;
}
