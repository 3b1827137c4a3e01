"""Sign a document and verify it with the xsign Python package.
Usage: python3 sign_and_verify.py DOC KEY CERT TRUST OUT.p7s"""
import sys

import xsign

doc, key, cert, trust, out = sys.argv[1:6]
xsign.sign(doc, key=key, certificate=cert, out=out)
report = xsign.verify(doc, out, trust=trust)
print(report["indication"], report["signatures"][0]["signer"]["subject"])
sys.exit(0 if report["indication"] == "TOTAL-PASSED" else 1)
