"""The Python package over libsign's C ABI: sign, co-sign, verify, errors. The test PKI is made
with the xsign CLI ($XSIGN_BIN); the library is $XSIGN_LIBRARY."""

import os
import subprocess

import pytest

import xsign

XSIGN = os.environ["XSIGN_BIN"]
PROFILES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "certs")


def run(*args, cwd):
    subprocess.run([XSIGN, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    for country, suite in (("ru", "gost256"), ("cn", "sm2")):
        run("ca", "init", "--dir", f"{country}-ca", "--profile", os.path.join(PROFILES, f"{country}.toml"),
            "--no-encrypt", "--out", f"{country}-root.pem", cwd=d)
        (d / f"{country}.pass").write_text("correct horse\n")
        run("key", "gen", "--suite", suite, "--pass-file", f"{country}.pass", "--out", f"{country}.key", cwd=d)
        run("csr", "--key", f"{country}.key", "--pass-file", f"{country}.pass", "--subject",
            f"/C={country.upper()}/O=Python Trader/CN=Py {country}", "--out", f"{country}.csr", cwd=d)
        run("ca", "issue", f"{country}.csr", "--dir", f"{country}-ca", "--profile", "trader", "--out",
            f"{country}.pem", cwd=d)
        run("ca", "crl", "--dir", f"{country}-ca", "--out", f"{country}.crl", cwd=d)
        trust = d / f"trust-{country}"
        (trust / "anchors").mkdir(parents=True)
        (trust / "crls").mkdir()
        (trust / "anchors" / "root.pem").write_text((d / f"{country}-root.pem").read_text())
        (trust / "crls" / "root.crl").write_text((d / f"{country}.crl").read_text())
    (d / "invoice.xml").write_text("<Invoice><ID>PY-1</ID></Invoice>\n")
    return d


@pytest.mark.parametrize("country", ["ru", "cn"])
def test_sign_and_verify(pki, country):
    out = pki / f"invoice.{country}.p7s"
    xsign.sign(pki / "invoice.xml", key=pki / f"{country}.key", passphrase="correct horse",
               certificate=pki / f"{country}.pem", out=out)
    report = xsign.verify(pki / "invoice.xml", out, trust=pki / f"trust-{country}")
    assert report["indication"] == "TOTAL-PASSED", report
    assert report["signatures"][0]["algorithms"]["suite"] == ("gost256" if country == "ru" else "sm2")
    # Another document: the same signature is TOTAL-FAILED / HASH_FAILURE, as data, not an exception.
    (pki / "other.xml").write_text("<Invoice><ID>PY-2</ID></Invoice>\n")
    failed = xsign.verify(pki / "other.xml", out, trust=pki / f"trust-{country}")
    assert failed["indication"] == "TOTAL-FAILED"
    assert failed["signatures"][0]["sub_indication"] == "HASH_FAILURE"


def test_cosign_across_suites(pki):
    out = pki / "both.p7s"
    xsign.sign(pki / "invoice.xml", key=pki / "cn.key", passphrase="correct horse", certificate=pki / "cn.pem", out=out)
    xsign.cosign(out, document=pki / "invoice.xml", key=pki / "ru.key", passphrase="correct horse",
                 certificate=pki / "ru.pem")
    report = xsign.verify(pki / "invoice.xml", out, trust=pki / "trust-ru")
    assert [s["algorithms"]["suite"] for s in report["signatures"]] == ["sm2", "gost256"]
    # The Russian verifier trusts only Russian roots: the Chinese signer is not proven.
    assert report["signatures"][1]["indication"] == "TOTAL-PASSED"
    assert report["signatures"][0]["indication"] == "INDETERMINATE"


def test_errors_carry_code_and_message(pki):
    with pytest.raises(xsign.Error) as wrong:
        xsign.sign(pki / "invoice.xml", key=pki / "ru.key", passphrase="wrong", certificate=pki / "ru.pem",
                   out=pki / "x.p7s")
    assert wrong.value.code == -4 and "passphrase" in str(wrong.value)
    with pytest.raises(xsign.Error) as missing:
        xsign.verify(pki / "invoice.xml", pki / "absent.p7s", trust=pki / "trust-ru")
    assert missing.value.code == -5
    assert not (pki / "x.p7s").exists()
    assert xsign.version()


def test_sign_with_an_external_signer(pki):
    """A key behind a command (here `openssl pkeyutl`, the SM2 key decrypted on the fly): the
    application names it as it would a file; the C ABI passes the reference to libsign."""
    (pki / "cn-plain.key").write_bytes(subprocess.run(
        ["openssl", "pkey", "-in", str(pki / "cn.key"), "-passin", "pass:correct horse"],
        check=True, capture_output=True).stdout)
    command = ("ext:openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:$XSIGN_SM2_ID -inkey "
               + str(pki / "cn-plain.key"))
    out = pki / "invoice.ext.p7s"
    xsign.sign(pki / "invoice.xml", key=command, certificate=pki / "cn.pem", out=out)
    report = xsign.verify(pki / "invoice.xml", out, trust=pki / "trust-cn")
    assert report["indication"] == "TOTAL-PASSED", report
    with pytest.raises(xsign.Error) as failed:
        xsign.sign(pki / "invoice.xml", key="ext:exit 4", certificate=pki / "cn.pem", out=pki / "never.p7s")
    assert failed.value.code == -7
    assert "exit status 4" in str(failed.value)
    assert not (pki / "never.p7s").exists()
