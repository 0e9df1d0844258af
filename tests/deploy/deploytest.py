"""Shared helpers of the deployment tests (tests/deploy/*_test.py).

They run the real `trialgate` binary (TRIALGATE_BINARY) from the repository (TRIALGATE_SOURCE_DIR)
on loopback only, with certificates from deploy/dev-ca.sh and, where a test needs one, a
throw-away PostgreSQL 15 server made the way tests/support/temp_postgres.h makes it.
"""

import json
import os
import pathlib
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SOURCE_DIR = pathlib.Path(os.environ.get("TRIALGATE_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
BINARY = pathlib.Path(os.environ.get("TRIALGATE_BINARY", SOURCE_DIR / "build" / "trialgate"))
DEPLOY = SOURCE_DIR / "deploy"
TESTDATA = SOURCE_DIR / "tests" / "integration" / "testdata"
HL7_TESTDATA = SOURCE_DIR / "tests" / "hl7v2" / "testdata"

# The gateway's own defaults (`trialgate serve --help`): the port numbers every artefact keeps.
GRPC_PORT, MLLP_PORT, HTTP_PORT = 50051, 2575, 8080


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30):
    """Until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def new_hmac_key():
    return os.urandom(32).hex()


def run(argv, **kwargs):
    """Runs argv to its end; returns the CompletedProcess (text), never raises on exit codes."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run([str(a) for a in argv], **kwargs)


def dev_ca(directory, clients=()):
    """deploy/dev-ca.sh into `directory` (its default clients unless `clients` are given)."""
    result = run([DEPLOY / "dev-ca.sh", directory, *clients])
    if result.returncode != 0:
        raise RuntimeError(f"dev-ca.sh failed:\n{result.stdout}\n{result.stderr}")
    return pathlib.Path(directory)


class TempPostgres:
    """A PostgreSQL 15 server in a temporary directory, reachable only through a Unix socket in it
    (as tests/support/temp_postgres.h does it; as root the server runs as the postgres user)."""

    def __init__(self):
        versions = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            raise RuntimeError("no PostgreSQL server: install Debian's postgresql-15")
        self.bin = versions[-1].parent
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="tg-pg-"))
        self.port = 5432  # names the socket file only: no TCP
        self.as_user = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.dir, 0o700)
        self._run([self.bin / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--no-locale", "--no-sync"])
        self.start()
        self._run([self.bin / "createdb", "-h", self.dir, "-p", self.port, "-U", "postgres",
                   "trialgate"])

    def start(self):
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' " \
                  f"-c port={self.port} -c fsync=off"
        self._run([self.bin / "pg_ctl", "-w", "-D", self.dir / "data", "-l",
                   self.dir / "server.log", "-o", options, "start"])

    def stop(self):
        self._run([self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop"])

    def _run(self, argv):
        result = run([*self.as_user, *argv])
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed:\n{result.stdout}\n{result.stderr}")

    def uri(self):
        return f"postgresql://postgres@/trialgate?host={self.dir}&port={self.port}"

    def close(self):
        run([*self.as_user, self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "immediate",
             "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """A long-running program whose stdout and stderr go to files in `workdir`."""

    def __init__(self, name, argv, workdir, env=None, preexec_fn=None, ready_line=None,
                 timeout=60):
        self.name = name
        self.out = pathlib.Path(workdir) / f"{name}.out"
        self.log = pathlib.Path(workdir) / f"{name}.log"
        with open(self.out, "w") as out, open(self.log, "w") as log:
            self.popen = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=log,
                                          stdin=subprocess.DEVNULL, env=env, cwd=workdir,
                                          preexec_fn=preexec_fn)
        if ready_line:
            self.wait_for(ready_line, timeout)

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in (self.out, self.log):
                match = re.search(pattern, path.read_text(errors="replace"), re.M)
                if match:
                    return match
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no line matching {pattern!r} "
                             f"(exit {self.popen.poll()}):\n{self.tail()}")

    def tail(self, lines=40):
        text = self.out.read_text(errors="replace") + self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig` and waits; returns (exit code, seconds it took)."""
        if self.popen.poll() is not None:
            return self.popen.returncode, 0.0
        start = time.monotonic()
        self.popen.send_signal(sig)
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait()
        return code, time.monotonic() - start


class Client:
    """`trialgate` client commands as an identity of a dev-ca.sh directory."""

    def __init__(self, ca_dir, name):
        ca_dir = pathlib.Path(ca_dir)
        self.ca, self.name = ca_dir, name
        self.tls = ["--ca", ca_dir / "ca.pem", "--cert", ca_dir / f"{name}.pem",
                    "--key", ca_dir / f"{name}.key"]

    def trialgate(self, command, target, *args):
        """`trialgate COMMAND --target TARGET (TLS) ARGS`: its CompletedProcess."""
        words = command.split()
        return run([BINARY, *words, "--target", target, *self.tls, *args])

    def submit(self, target, source, *files):
        result = self.trialgate("submit", target, "--source", source, *files)
        return result, [json.loads(line) for line in result.stdout.splitlines() if line]

    def pull(self, target):
        result = self.trialgate("pull", target)
        if result.returncode != 0:
            raise AssertionError(f"pull failed: {result.stderr}")
        return [json.loads(line) for line in result.stdout.splitlines() if line]

    def curl(self, url):
        """curl as this identity: (exit code, body)."""
        result = run(["curl", "--silent", "--show-error", "--fail", "--cacert",
                      self.ca / "ca.pem", "--cert", self.ca / f"{self.name}.pem", "--key",
                      self.ca / f"{self.name}.key", url])
        return result.returncode, result.stdout + result.stderr


def audit_records(data_dir):
    """The audit log's records of a gateway's data directory."""
    path = pathlib.Path(data_dir) / "audit.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def gateway_env(**extra):
    """The environment for a gateway: this one without TRIALGATE_* and PG* variables that the
    caller's shell may have set, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRIALGATE_") and not k.startswith("PG")}
    env.update({k: str(v) for k, v in extra.items()})
    return env
