"""xsign: trusted electronic signatures (SM2/SM3, GOST R 34.10-2012) for Python.

A thin ctypes layer over libsign's C ABI (sign/sign.h): no compiled extension. The shared
library is found through $XSIGN_LIBRARY (a path to libsign.so.0), else the system's loader.

    import xsign
    xsign.sign("invoice.xml", key="trader.key", certificate="trader.pem", out="invoice.xml.p7s")
    report = xsign.verify("invoice.xml", "invoice.xml.p7s", trust="trust-dir")
    report["indication"]  # "TOTAL-PASSED", "TOTAL-FAILED" or "INDETERMINATE"
"""

import ctypes
import ctypes.util
import json
import os

__all__ = ["sign", "cosign", "verify", "Error", "version"]


class Error(Exception):
    """A call into libsign failed; `code` is the SIGN_ERROR_* value, str() the message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _load():
    path = os.environ.get("XSIGN_LIBRARY") or ctypes.util.find_library("sign")
    if not path:
        raise ImportError("libsign not found: install it, or set XSIGN_LIBRARY to libsign.so.0")
    lib = ctypes.CDLL(path)
    c = ctypes.c_char_p
    lib.sign_last_error.restype = c
    lib.sign_version.restype = c
    lib.sign_sign_file.argtypes = [c, c, c, c, c, c, ctypes.c_int, c]
    lib.sign_cosign_file.argtypes = [c, c, c, c, c, c]
    lib.sign_verify_file.argtypes = [c, c, c, c, ctypes.POINTER(ctypes.c_void_p)]
    lib.sign_report_indication.argtypes = [ctypes.c_void_p]
    lib.sign_report_json.argtypes = [ctypes.c_void_p]
    lib.sign_report_json.restype = c
    lib.sign_report_free.argtypes = [ctypes.c_void_p]
    lib.sign_report_free.restype = None
    return lib


_lib = _load()


def _b(value):
    if value is None:
        return None
    return os.fsencode(value)


def _check(code):
    if code != 0:
        raise Error(code, _lib.sign_last_error().decode("utf-8", "replace"))


def version():
    """The libsign version string."""
    return _lib.sign_version().decode()


def sign(document, *, key, certificate, out, passphrase=None, chain=None, attached=False, tsa_url=None):
    """Signs the file `document` into `out` (CAdES-B; level T with `tsa_url`). The suite is the key's."""
    _check(_lib.sign_sign_file(_b(document), _b(key), _b(passphrase), _b(certificate), _b(chain), _b(out),
                               1 if attached else 0, _b(tsa_url)))


def cosign(signature, *, key, certificate, document=None, passphrase=None, chain=None):
    """Adds a signature (of any suite) to an existing .p7s, in place."""
    _check(_lib.sign_cosign_file(_b(signature), _b(document), _b(key), _b(passphrase), _b(certificate), _b(chain)))


def verify(document, signature, *, trust, policy=None):
    """Verifies `signature` over `document` (None when attached), trusting only `trust`.

    Returns the report as a dict (schema in docs/verify.md): "indication" is TOTAL-PASSED,
    TOTAL-FAILED or INDETERMINATE, "signatures" lists every signer with its path and evidence.
    A forged signature is a report, not an exception; missing files raise Error."""
    handle = ctypes.c_void_p()
    _check(_lib.sign_verify_file(_b(document), _b(signature), _b(trust), _b(policy), ctypes.byref(handle)))
    try:
        return json.loads(_lib.sign_report_json(handle).decode("utf-8"))
    finally:
        _lib.sign_report_free(handle)
