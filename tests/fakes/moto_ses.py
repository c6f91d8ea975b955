#!/usr/bin/env python3
"""moto_server with two SES v1 gaps of moto 5.2.1 filled in.

- DeleteReceiptRule is not implemented; it is added here.
- VerifyDomainIdentity and GetIdentityVerificationAttributes return two
  different fixed tokens; SES returns one token per identity, so both
  return a token derived from the domain here.

Usage: moto_ses.py -H 127.0.0.1 -p PORT (as moto_server).
"""

import base64
import hashlib
import sys

from moto.core.responses import ActionResult, EmptyResult
from moto.server import main
from moto.ses import models, responses
from moto.ses.exceptions import RuleDoesNotExist, RuleSetDoesNotExist


def domain_token(domain):
    digest = hashlib.sha256(("token:" + domain.lower()).encode()).digest()
    return base64.b64encode(digest).decode()


def delete_receipt_rule(self, rule_set_name, rule_name):
    rule_set = self.receipt_rule_set.get(rule_set_name)
    if rule_set is None:
        raise RuleSetDoesNotExist("Rule set does not exist: %s"
                                  % rule_set_name)
    kept = [rule for rule in rule_set.rules if rule["Name"] != rule_name]
    if len(kept) == len(rule_set.rules):
        raise RuleDoesNotExist("Rule does not exist: %s" % rule_name)
    rule_set.rules = kept


def respond_delete_receipt_rule(self):
    self.backend.delete_receipt_rule(self._get_param("RuleSetName"),
                                     self._get_param("RuleName"))
    return EmptyResult()


def respond_verify_domain_identity(self):
    domain = self._get_param("Domain")
    self.backend.verify_domain(domain)
    return ActionResult({"VerificationToken": domain_token(domain)})


_original_attributes = models.SESBackend.get_identity_verification_attributes


def get_identity_verification_attributes(self, identities=None):
    result = _original_attributes(self, identities)
    for name, attributes in result.items():
        attributes["VerificationToken"] = domain_token(name)
    return result


models.SESBackend.delete_receipt_rule = delete_receipt_rule
models.SESBackend.get_identity_verification_attributes = \
    get_identity_verification_attributes
responses.EmailResponse.delete_receipt_rule = respond_delete_receipt_rule
responses.EmailResponse.verify_domain_identity = \
    respond_verify_domain_identity

if __name__ == "__main__":
    main(sys.argv[1:])
