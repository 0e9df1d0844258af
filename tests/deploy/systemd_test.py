#!/usr/bin/python3
"""deploy/systemd/: the units are valid for systemd 252, as hardened as claimed, and the binary
works under their hardening.

No systemd runs as PID 1 here, so the units are checked with `systemd-analyze verify` and
`systemd-analyze security --offline=yes` (which read unit files without a service manager), and
their ExecStart= command lines are run as an unprivileged user under the seccomp filters their
hardening makes systemd install (unit_sandbox.py), with their EnvironmentFile= and paths moved
into a temporary root.
"""

import json
import os
import pathlib
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import deploytest as dt  # noqa: E402
import unit_sandbox  # noqa: E402

UNITS_DIR = dt.DEPLOY / "systemd"
UNITS = ["trialgate.service", "trialgate-registry-sink.service"]
INSTALLED_BINARY = "/usr/local/bin/trialgate"
# `systemd-analyze security` exposure (0 = locked down, 10 = unprotected); 2.0 is still "OK".
# The units score 1.4 on systemd 252; a change that weakens them past this fails the test.
MAX_EXPOSURE = 2.0


def units_with_binary(directory):
    """Copies of the units in `directory` whose ExecStart= runs the built binary, not the
    install path (verify checks that the program exists). Nothing else changes."""
    for name in UNITS:
        lines = (UNITS_DIR / name).read_text().splitlines(keepends=True)
        starts = [i for i, line in enumerate(lines) if line.startswith("ExecStart=")]
        assert len(starts) == 1 and f"={INSTALLED_BINARY} " in lines[starts[0]], name
        lines[starts[0]] = lines[starts[0]].replace(INSTALLED_BINARY, str(dt.BINARY), 1)
        (directory / name).write_text("".join(lines))
    return [directory / name for name in UNITS]


class SystemdUnitsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="tg-systemd-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_verify_prints_nothing(self):
        units = units_with_binary(self.tmp)
        result = dt.run(["systemd-analyze", "verify", *units])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout + result.stderr, "", "systemd-analyze verify warned")

    def test_verify_would_notice_a_mistake(self):
        # The check above is worth something only if verify speaks up about a bad unit here.
        unit = units_with_binary(self.tmp)[0]
        unit.write_text(unit.read_text().replace("ProtectHome=yes", "ProtectHome=maybe")
                        + "\nNoSuchSetting=1\n")
        result = dt.run(["systemd-analyze", "verify", unit])
        self.assertIn("ignoring: maybe", result.stderr)
        self.assertIn("NoSuchSetting", result.stderr)

    def test_security_exposure(self):
        for unit in units_with_binary(self.tmp):
            result = dt.run(["systemd-analyze", "security", "--offline=yes", unit])
            self.assertEqual(result.returncode, 0, result.stderr)
            match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", result.stdout)
            self.assertIsNotNone(match, result.stdout)
            print(f"{unit.name}: exposure {match[1]} {match[2]}")
            self.assertLessEqual(float(match[1]), MAX_EXPOSURE, result.stdout)

    def test_sysusers_makes_the_units_users(self):
        (self.tmp / "etc").mkdir()
        result = dt.run(["systemd-sysusers", f"--root={self.tmp}",
                         UNITS_DIR / "trialgate.sysusers"])
        self.assertEqual(result.returncode, 0, result.stderr)
        users = {line.split(":")[0]: line.split(":") for line in
                 (self.tmp / "etc" / "passwd").read_text().splitlines()}
        for name in UNITS:
            service = unit_sandbox.parse_unit(UNITS_DIR / name)
            user = service[("Service", "User")][0]
            self.assertIn(user, users)
            self.assertEqual(users[user][6], "/usr/sbin/nologin")
            # Its home is the unit's StateDirectory=.
            state = service[("Service", "StateDirectory")][0]
            self.assertEqual(users[user][5], f"/var/lib/{state}")

    def test_env_example_has_no_key(self):
        env = (UNITS_DIR / "trialgate.env.example").read_text()
        match = re.search(r"^TRIALGATE_HMAC_KEY=(.*)$", env, re.M)
        self.assertIsNotNone(match)
        self.assertNotRegex(match[1], r"^[0-9a-fA-F]{64,}$", "the example holds no real key")
        self.assertRegex(env, r"(?m)^#TRIALGATE_STORE=postgresql://")

    def test_units_run_under_their_hardening_on_sqlite(self):
        self.run_units(store=None)

    def test_units_run_under_their_hardening_on_postgresql(self):
        if os.geteuid() != 0:
            self.skipTest("needs root: the server runs as postgres, the units as nobody")
        postgres = dt.TempPostgres()
        self.addCleanup(postgres.close)
        # The units' user must reach the server's socket: let others traverse its directory.
        os.chmod(postgres.dir, 0o711)
        self.run_units(store=postgres.uri())

    def test_the_sandbox_refuses_what_the_units_forbid(self):
        # The emulation is worth something only if it bites: code that writes executable memory,
        # or opens a netlink socket, fails under it.
        probe = (
            "import ctypes, errno, socket\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "libc.mmap.restype = ctypes.c_void_p\n"
            "libc.mmap(None, 4096, 7, 0x22, -1, 0)\n"
            "print(errno.errorcode[ctypes.get_errno()])\n"
            "try:\n"
            "    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n")
        sandbox = unit_sandbox.Sandbox(UNITS_DIR / "trialgate.service")
        result = subprocess.run([sys.executable, "-c", probe], preexec_fn=sandbox.preexec,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.stdout.split(), ["EPERM", "EAFNOSUPPORT"], result.stderr)

    def run_units(self, store):
        if os.geteuid() != 0:
            self.skipTest("needs root to run the units as an unprivileged user")
        if os.environ.get("TRIALGATE_SANITIZED") == "1":
            # LeakSanitizer stops the process's threads with ptrace() at exit, a call these
            # units rightly forbid: the sanitizer build cannot run under them.
            self.skipTest("a sanitizer build: its runtime needs calls the units forbid")
        # The units run as User=trialgate; here as nobody. As root SQLite fchown()s its
        # journal, a call SystemCallFilter= forbids: the filter is right only for non-root.
        nobody = pwd.getpwnam("nobody")
        root = self.tmp / "root"  # the temporary root: /etc/..., /var/lib/...
        os.chmod(self.tmp, 0o755)
        ca = dt.dev_ca(self.tmp / "ca", ["site-a:site:site-a", "warehouse:warehouse",
                                         "probe:monitor", "forwarder:registry-admin"])

        def at_root(path):
            return root / str(path).lstrip("/")

        def own(path, mode):
            path.parent.mkdir(parents=True, exist_ok=True)
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
            os.chmod(path, mode)

        # What an operator installs: the TLS files, the config, the environment file; and the
        # StateDirectory= systemd would make, owned by the service's user.
        for name, target in [("server.pem", "etc/trialgate/tls/server.pem"),
                             ("server.key", "etc/trialgate/tls/server.key"),
                             ("ca.pem", "etc/trialgate/tls/ca.pem"),
                             ("server.pem", "etc/trialgate-registry-sink/tls/server.pem"),
                             ("server.key", "etc/trialgate-registry-sink/tls/server.key"),
                             ("ca.pem", "etc/trialgate-registry-sink/tls/clients-ca.pem"),
                             ("forwarder.pem", "etc/trialgate/tls/forwarder.pem"),
                             ("forwarder.key", "etc/trialgate/tls/forwarder.key")]:
            (root / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ca / name, root / target)
            own(root / target, 0o400)
        sink_port = dt.free_port()
        config = json.loads((dt.DEPLOY / "config.example.json").read_text())
        config["tls"] = {k: str(at_root(v)) for k, v in config["tls"].items()}
        config["destinations"] = [{
            "name": "registry", "address": f"127.0.0.1:{sink_port}",
            "tls": {"caFile": str(at_root("/etc/trialgate/tls/ca.pem")),
                    "certFile": str(at_root("/etc/trialgate/tls/forwarder.pem")),
                    "keyFile": str(at_root("/etc/trialgate/tls/forwarder.key"))},
            "retryInitialMilliseconds": 100, "retryMaxMilliseconds": 1000}]
        at_root("/etc/trialgate/config.json").write_text(json.dumps(config))
        env_text = (UNITS_DIR / "trialgate.env.example").read_text()
        env_text = re.sub(r"(?m)^TRIALGATE_HMAC_KEY=.*$", f"TRIALGATE_HMAC_KEY={dt.new_hmac_key()}",
                          env_text)
        if store:
            env_text += f"TRIALGATE_STORE={store}\n"
        at_root("/etc/trialgate/trialgate.env").write_text(env_text)
        for state in ("trialgate", "trialgate-registry-sink"):
            at_root(f"/var/lib/{state}").mkdir(parents=True)
            own(at_root(f"/var/lib/{state}"), 0o700)
        for directory in [root, *root.rglob("*")]:
            if directory.is_dir():
                os.chmod(directory, os.stat(directory).st_mode | 0o055)

        processes = {}
        for name in UNITS:
            unit = unit_sandbox.parse_unit(UNITS_DIR / name)
            argv = shlex.split(unit[("Service", "ExecStart")][0])
            self.assertEqual(argv[0], INSTALLED_BINARY)
            # Every absolute path into the temporary root; the sink's public address onto
            # loopback. The gateway's addresses come from the environment below instead.
            argv = [str(dt.BINARY)] + [str(at_root(a)) if a.startswith("/") else a
                                       for a in argv[1:]]
            argv = [f"127.0.0.1:{sink_port}" if a == "0.0.0.0:50052" else a for a in argv]
            env = dt.gateway_env()
            for path in unit.get(("Service", "EnvironmentFile"), []):
                for line in at_root(path).read_text().splitlines():
                    if line and not line.startswith("#"):
                        key, _, value = line.partition("=")
                        env[key] = value
            # config.example.json listens on 0.0.0.0 at fixed ports; the environment overrides
            # it (as trialgate.env could), so that tests running at once do not collide.
            env.update(TRIALGATE_LISTEN="127.0.0.1:0", TRIALGATE_MLLP_LISTEN="127.0.0.1:0",
                       TRIALGATE_HTTP_LISTEN="127.0.0.1:0")
            sandbox = unit_sandbox.Sandbox(UNITS_DIR / name)
            self.assertIn("MemoryDenyWriteExecute", sandbox.emulated)
            self.assertIn("SystemCallFilter", sandbox.emulated)
            ready = r"^trialgate (registry-sink )?listening on (\S+)"
            process = dt.Process(name, argv, self.tmp, env=env, ready_line=ready,
                                 preexec_fn=lambda s=sandbox: (os.setgroups([]),
                                                               os.setgid(nobody.pw_gid),
                                                               os.setuid(nobody.pw_uid),
                                                               s.preexec()))
            self.addCleanup(process.stop, signal.SIGKILL)
            processes[name] = (process, sandbox)

        gateway = processes["trialgate.service"][0]
        out = gateway.out.read_text()
        target = re.search(r"^trialgate listening on (\S+)", out, re.M)[1]
        mllp = re.search(r"^trialgate mllp listening on (\S+)", out, re.M)[1]
        http = re.search(r"^trialgate http listening on (\S+)", out, re.M)[1]
        site, warehouse, probe = (dt.Client(ca, n) for n in ("site-a", "warehouse", "probe"))

        result, lines = site.submit(target, "site-a-epic",
                                    dt.TESTDATA / "transaction-enrol-and-data.json")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        result, _ = site.submit(target, "LIS@HOSPA", dt.HL7_TESTDATA / "enrol-hl7-patient.json")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        sent = site.trialgate("hl7 send", mllp, dt.HL7_TESTDATA / "oru" / "anc-loinc.hl7")
        self.assertEqual(json.loads(sent.stdout)["ack"], "AA", sent.stdout + sent.stderr)
        code, body = probe.curl(f"https://{http}/readyz")
        self.assertEqual((code, body), (0, "ready\n"))
        events = warehouse.pull(target)
        self.assertGreater(len(events), 3)

        # Forwarding under the same hardening: every event reaches the sink.
        sink_out = at_root("/var/lib/trialgate-registry-sink/events.jsonl")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sink_out.exists() and len(sink_out.read_text().splitlines()) >= len(events):
                break
            time.sleep(0.2)
        self.assertEqual(len(sink_out.read_text().splitlines()), len(events),
                         gateway.tail())

        # Still running (a forbidden system call would have killed them), and KillSignal=
        # SIGTERM stops both cleanly, well within TimeoutStopSec=.
        timeout = float(unit_sandbox.parse_unit(UNITS_DIR / "trialgate.service")
                        [("Service", "TimeoutStopSec")][0])
        for name, (process, sandbox) in processes.items():
            self.assertIsNone(process.popen.poll(), f"{name} died:\n{process.tail()}")
            # The filters really were on it, and it ran as nobody.
            status = pathlib.Path(f"/proc/{process.popen.pid}/status").read_text()
            self.assertRegex(status, r"\nSeccomp:\t2\n")
            self.assertRegex(status, rf"\nSeccomp_filters:\t{len(sandbox.filters)}\n")
            self.assertRegex(status, r"\nNoNewPrivs:\t1\n")
            self.assertRegex(status, rf"\nUid:\t{nobody.pw_uid}\t")
            code, seconds = process.stop(signal.SIGTERM, timeout)
            print(f"{name}: SIGTERM -> exit {code} in {seconds:.2f} s")
            self.assertEqual(code, 0, process.tail())
        verify = dt.run([dt.BINARY, "audit", "verify", "--data", at_root("/var/lib/trialgate")])
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
