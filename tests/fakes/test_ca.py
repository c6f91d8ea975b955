"""A throwaway certificate authority for the approval site stand-in.

The keys are generated with the openssl command into a directory the
caller owns (a test's temporary directory) and are never committed.  The
server certificate names the real approval hosts, so a client that is
sent to 127.0.0.1 with libcurl's --connect-to still verifies the real
host name, against this CA passed as its CA bundle.

    python3 tests/fakes/test_ca.py DIR   writes DIR/ca.pem, DIR/server.pem,
                                         DIR/server.key
"""

import os
import subprocess
import sys

APPROVAL_HOSTS = [
    "us-east-1.acm-certificates.amazon.com",
    "us-west-2.acm-certificates.amazon.com",
    "eu-west-1.acm-certificates.amazon.com",
    "eu-central-1.acm-certificates.amazon.com",
    "ap-southeast-2.acm-certificates.amazon.com",
    "us-gov-west-1.acm-certificates.amazon.com",
    "us-east-1.certificates.amazon.com",
    "eu-west-1.certificates.amazon.com",
    "certificates.amazon.com",
    "cn-north-1.acm-certificates.amazonaws.cn",
    "cn-northwest-1.acm-certificates.amazonaws.cn",
]

_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]


def _openssl(args):
    result = subprocess.run(["openssl"] + args, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError("openssl %s failed: %s"
                           % (args[0], result.stderr.decode(errors="replace")))


def make_ca(directory, name="ca"):
    """Create a self-signed CA; returns (certificate path, key path)."""
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    _openssl(["req", "-x509", "-nodes", "-days", "2"] + _EC_KEY +
             ["-keyout", key, "-out", cert,
              "-subj", "/O=acm-inbox tests/CN=acm-inbox test CA " + name,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    return cert, key


def make_server_cert(directory, ca, hosts=None, name="server"):
    """Issue a server certificate from ca for hosts (subjectAltName DNS).

    Returns (certificate path, key path).
    """
    hosts = hosts or APPROVAL_HOSTS
    ca_cert, ca_key = ca
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    csr = os.path.join(directory, name + ".csr")
    ext = os.path.join(directory, name + ".ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=%s\n"
                % ",".join("DNS:" + host for host in hosts))
    _openssl(["req", "-new", "-nodes"] + _EC_KEY +
             ["-keyout", key, "-out", csr, "-subj", "/CN=" + hosts[0]])
    _openssl(["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
              "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
              "-days", "2", "-extfile", ext, "-out", cert])
    return cert, key


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_ca.py DIR")
    ca = make_ca(sys.argv[1])
    make_server_cert(sys.argv[1], ca)


if __name__ == "__main__":
    main()
