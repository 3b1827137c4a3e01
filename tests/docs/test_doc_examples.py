"""Runs every shell example of README.md and docs/*.md, so the docs cannot drift from the tool.

An example is a fenced block marked ```sh. Each document's examples run in order, in one fresh
copy of the demo PKI (`xsign demo`) plus the files fixture.sh adds, with `bash -euo pipefail`:
any command that fails fails the test. Syntax summaries are ```text blocks and are not run.

HTML comments just before a block steer it (docs/developer.md, "Examples in the docs"):
  <!-- example-setup: CMD -->     runs CMD first (hidden from readers: what the text says
                                   happened before, e.g. the CA issuing the certificate)
  <!-- example-server: CMD -->    starts the server CMD first (hidden), as `background` below
  <!-- example: exit N -->        the block must end with exit status N
  <!-- example: background -->    a server: started, waited for on 127.0.0.1:8302, stopped
                                   after the document's last example
  <!-- example: not run: WHY -->  not run; the reason is printed (builds of the project only:
                                   README.md, developer.md)
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

SOURCE = pathlib.Path(os.environ.get("XSIGN_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
XSIGN = pathlib.Path(os.environ["XSIGN_BIN"]).resolve()
DOCS = [SOURCE / "README.md"] + sorted((SOURCE / "docs").glob("*.md"))
FENCE = re.compile(r"^\s*```(\S*)\s*$")
DIRECTIVE = re.compile(r"^\s*<!--\s*(example-setup|example-server|example):\s*(.*?)\s*-->\s*$")
# Blocks that may stay unrun, and only these: each names why.
NOT_RUN_ALLOWED = {"README.md", "developer.md"}


def examples(path):
    """(line, code, directives) for each ```sh block of a Markdown file."""
    out, directives, lines = [], [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = DIRECTIVE.match(lines[i])
        if m:
            directives.append((m.group(1), m.group(2)))
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if fence:
            start, body, indent = i + 1, [], len(lines[i]) - len(lines[i].lstrip())
            i += 1
            while i < len(lines) and not FENCE.match(lines[i]):
                body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
                i += 1
            if fence.group(1) == "sh":
                out.append((start, "\n".join(body) + "\n", directives))
            directives = []
        elif lines[i].strip():
            directives = []
        i += 1
    return out


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    env = clean_env(base)
    subprocess.run([str(XSIGN), "demo", "--dir", str(base / "pki"), "--port", "8302"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    subprocess.run(["bash", "-euo", "pipefail", str(SOURCE / "tests" / "docs" / "fixture.sh")], cwd=base / "pki",
                   env=env, check=True, timeout=300)
    return base / "pki"


def clean_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("XSIGN_") and not k.startswith("LC_")}
    env.update({"HOME": str(home), "LANG": "C.UTF-8", "PATH": f"{XSIGN.parent}:{os.environ['PATH']}",
                "XSIGN_CACHE_DIR": str(home / "cache"), "XSIGN_SOURCE_DIR": str(SOURCE)})
    return env


def wait_for_server(proc, log, command):
    m = re.search(r"--listen\s+127\.0\.0\.1:(\d+)", command)
    port = m.group(1) if m else "8302"
    for _ in range(300):
        if proc.poll() is not None:
            pytest.fail(f"the server example exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server example did not answer on 127.0.0.1:{port}")


def test_every_document_has_been_found():
    assert len(DOCS) > 10
    assert sum(len(examples(d)) for d in DOCS) >= 20


@pytest.mark.parametrize("doc", [d for d in DOCS if examples(d)], ids=lambda d: d.name)
def test_examples_run(doc, demo_pki, tmp_path):
    blocks = examples(doc)
    work = tmp_path / "work"
    shutil.copytree(demo_pki, work, symlinks=True)
    env = clean_env(tmp_path)
    env["SOFTHSM2_CONF"] = str(work / "softhsm" / "softhsm2.conf")
    servers = []
    try:
        for line, code, directives in blocks:
            where = f"{doc.name}:{line}"
            kinds = dict(directives) if directives else {}
            not_run = [v for k, v in directives if k == "example" and v.startswith("not run:")]
            if not_run:
                assert doc.name in NOT_RUN_ALLOWED, f"{where}: only {NOT_RUN_ALLOWED} may have unrun examples"
                print(f"{where}: not run ({not_run[0][8:].strip()})")
                continue
            for kind, value in directives:
                if kind == "example-setup":
                    r = subprocess.run(["bash", "-euo", "pipefail", "-c", value], cwd=work, env=env,
                                       capture_output=True, text=True, timeout=300)
                    assert r.returncode == 0, f"{where}: setup `{value}` failed:\n{r.stdout}{r.stderr}"
            def start_server(command):
                log = tmp_path / f"server-{line}.log"
                proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", command], cwd=work, env=env,
                                        stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
                servers.append(proc)
                wait_for_server(proc, log, command)

            for kind, value in directives:
                if kind == "example-server":
                    start_server(value)
            if kinds.get("example") == "background":
                start_server(code)
                continue
            expected = 0
            for kind, value in directives:
                m = re.fullmatch(r"exit (\d+)", value) if kind == "example" else None
                if m:
                    expected = int(m.group(1))
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=work, env=env, capture_output=True,
                               text=True, timeout=600)
            assert r.returncode == expected, (
                f"{where}: exit {r.returncode}, expected {expected}\n--- example\n{code}--- stdout\n{r.stdout}"
                f"--- stderr\n{r.stderr}")
    finally:
        for proc in servers:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
