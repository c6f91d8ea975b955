/*
 * libFuzzer target: the DescribeCertificate response parser and the
 * certificate check's judgement over what it parsed.
 */
#include <stddef.h>
#include <stdint.h>

#include "approve/verify.h"
#include "aws/acm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acm_certificate cert;
	struct verify_result result = { 0 };

	if (acm_certificate_parse((const char *)data, size, &cert) == 0) {
		verify_judge_certificate(&cert, "example.com", &result);
		verify_judge_certificate(&cert, cert.domain_name, &result);
	}
	verify_result_free(&result);
	acm_certificate_free(&cert);
	return 0;
}
