#!/usr/bin/python3
"""deploy/container/: the image definition, compose.yaml and the load balancer's nginx.conf.

No container runtime runs here (no daemon behind the docker client, no registry to pull
debian:12 or postgres:15 from), so no image is built. Instead:
- the Containerfile is read: its build stage runs the repository's own install script, whose
  --build-only list covers every package this build tree was configured with; its runtime
  packages provide every shared library `ldd` finds for the binary; its ports, user and paths
  agree with compose.yaml, nginx.conf and the gateway's defaults;
- compose.yaml is read: three replicas with one key source, one database, their own data;
- the replicas run for real as compose.yaml and the Containerfile start them (entrypoint,
  command, environment, env file), on one PostgreSQL, behind the real nginx with nginx.conf
  (service names mapped to 127.0.0.1), and calls go through nginx: gRPC, MLLP and HTTPS.
"""

import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import deploytest as dt  # noqa: E402

CONTAINER = dt.DEPLOY / "container"


def read_containerfile(path):
    """[[(INSTRUCTION, text), ...] per stage], continuation lines joined, comments dropped."""
    stages, logical = [], ""
    for line in pathlib.Path(path).read_text().splitlines():
        if line.lstrip().startswith("#") and not logical:
            continue
        logical += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if line.endswith("\\") or not logical:
            continue
        instruction, _, text = logical.partition(" ")
        logical = ""
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), text.strip()))
    return stages


def instruction(stage, name):
    return [text for instr, text in stage if instr == name]


def env_of(stage):
    env = {}
    for text in instruction(stage, "ENV"):
        for word in shlex.split(text):
            key, _, value = word.partition("=")
            env[key] = value
    return env


def env_file(path):
    return dict(line.split("=", 1) for line in pathlib.Path(path).read_text().splitlines()
                if line and not line.startswith("#"))


_FILE_INDEX = {}


def package_of(path):
    """The Debian packages that installed `path` (usrmerge: tried with and without /usr), from
    dpkg's own file lists (what `dpkg -S` reads, read once)."""
    if not _FILE_INDEX:
        for listing in pathlib.Path("/var/lib/dpkg/info").glob("*.list"):
            package = listing.stem.split(":")[0]
            for line in listing.read_text(errors="replace").splitlines():
                _FILE_INDEX.setdefault(line, set()).add(package)
    candidates = [path, os.path.realpath(path)]
    candidates += [p[4:] if p.startswith("/usr/") else "/usr" + p for p in list(candidates)]
    for candidate in candidates:
        if candidate in _FILE_INDEX:
            return _FILE_INDEX[candidate]
    raise AssertionError(f"no Debian package installed {path}")


def dependency_closure(packages):
    """`packages` and everything they depend on, from this machine's installed packages."""
    status = dt.run(["dpkg-query", "-W", "-f", "${Package}\t${Pre-Depends}, ${Depends}\n"])
    depends = {}
    for line in status.stdout.splitlines():
        name, _, deps = line.partition("\t")
        alternatives = [alt.strip().split(" ")[0].split(":")[0]
                        for dep in deps.split(",") for alt in dep.split("|") if alt.strip()]
        depends[name] = alternatives
    closure, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package not in closure:
            closure.add(package)
            todo += depends.get(package, [])
    return closure


class ContainerfileTest(unittest.TestCase):
    def setUp(self):
        self.sanitized = os.environ.get("TRIALGATE_SANITIZED") == "1"
        self.build, self.runtime = read_containerfile(CONTAINER / "Containerfile")

    def test_stages(self):
        self.assertEqual(instruction(self.build, "FROM"), ["debian:12 AS build"])
        self.assertEqual(instruction(self.runtime, "FROM"), ["debian:12-slim"])

    def test_build_stage_runs_the_repositorys_scripts(self):
        run = " ".join(instruction(self.build, "RUN"))
        self.assertIn("./deploy/install-deps.sh --build-only", run)
        # Every -D option it sets is one the project has (or CMake's build type).
        options = set(re.findall(r"option\((\w+)", (dt.SOURCE_DIR / "CMakeLists.txt").read_text()))
        for name in re.findall(r"-D(\w+)=", run):
            self.assertIn(name, options | {"CMAKE_BUILD_TYPE"})
        self.assertIn("-DCMAKE_BUILD_TYPE=Release", run)
        self.assertIn("-DTRIALGATE_BUILD_TESTS=OFF", run)
        # What it copies out is what it built.
        build_dir = re.search(r"cmake --build (\S+)", run)[1]
        copied = [t for t in instruction(self.runtime, "COPY") if t.startswith("--from=build")]
        self.assertEqual(copied,
                         [f"--from=build /src/{build_dir}/trialgate /usr/local/bin/trialgate"])

    def test_build_packages_cover_what_cmake_found(self):
        if self.sanitized:
            self.skipTest("the image ships a Release build; a sanitizer build links otherwise")
        # The packages of the files this build tree's configure step found (outside the tests'
        # own: GoogleTest, Google Benchmark, expat) must come with --build-only's list.
        listed = dt.run([dt.DEPLOY / "install-deps.sh", "--build-only", "--list"]).stdout.split()
        closure = dependency_closure(listed)
        cache = (dt.BINARY.parent / "CMakeCache.txt").read_text()
        found = re.findall(r"(?m)^(\w+):(?:FILEPATH|PATH)=(/usr/\S+)$", cache)
        checked = 0
        for name, path in found:
            tests_own = r"GTest|gtest|gmock|benchmark|EXPAT|^CMAKE_|^TRIALGATE_SYSTEM_PYTHON"
            if re.search(tests_own, name) or path in ("/usr/include", "/usr/bin/pkg-config") \
                    or not os.path.exists(path):
                continue
            packages = package_of(path)
            self.assertTrue(packages & closure, f"{name}={path} comes from {packages}, "
                            "which install-deps.sh --build-only does not install")
            checked += 1
        self.assertGreater(checked, 10)

    def test_runtime_packages_provide_every_shared_library(self):
        if self.sanitized:
            self.skipTest("the image ships a Release build; a sanitizer build links otherwise")
        run = " ".join(instruction(self.runtime, "RUN"))
        listed = re.search(r"--no-install-recommends (.*?) &&", run)[1].split()
        # Each is a Debian 12 package (installed here).
        self.assertEqual(dt.run(["dpkg-query", "-W", *listed]).returncode, 0, listed)
        ldd = dt.run(["ldd", dt.BINARY]).stdout
        libraries = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
        self.assertNotIn("not found", ldd)
        needed = re.findall(r"\(NEEDED\).*\[(.*)\]", dt.run(["readelf", "-d", dt.BINARY]).stdout)
        # The libraries the binary links directly: each one's package is listed by name.
        for library in needed:
            self.assertTrue(package_of(libraries[library]) & set(listed),
                            f"{library}: none of {package_of(libraries[library])} is listed")
        # The rest (what those libraries link) come with the listed packages' dependencies.
        closure = dependency_closure(listed)
        for library, path in libraries.items():
            self.assertTrue(package_of(path) & closure, f"{library} ({path}) is not installed")
        self.assertIn("tzdata", listed)  # siteTimeZones
        self.assertIn("curl", listed)  # the health probes

    def test_runtime_user_ports_and_entrypoint(self):
        self.assertEqual(instruction(self.runtime, "USER"), ["10001:10001"])
        self.assertIn("--uid 10001", " ".join(instruction(self.runtime, "RUN")))
        env = env_of(self.runtime)
        ports = [int(env[k].rsplit(":", 1)[1]) for k in
                 ("TRIALGATE_LISTEN", "TRIALGATE_MLLP_LISTEN", "TRIALGATE_HTTP_LISTEN")]
        self.assertEqual(ports, [dt.GRPC_PORT, dt.MLLP_PORT, dt.HTTP_PORT])
        self.assertEqual(sorted(map(int, instruction(self.runtime, "EXPOSE")[0].split())),
                         sorted(ports))
        # The gateway's own defaults are these port numbers (`trialgate serve --help`).
        help_text = dt.run([dt.BINARY, "serve", "--help"]).stdout
        for port in ports:
            self.assertIn(f"127.0.0.1:{port}]", help_text)
        self.assertEqual(json.loads(instruction(self.runtime, "ENTRYPOINT")[0]),
                         ["/usr/local/bin/trialgate", "serve"])
        self.assertEqual(json.loads(instruction(self.runtime, "CMD")[0]),
                         ["--config", "/etc/trialgate/config.json"])
        self.assertEqual(instruction(self.runtime, "STOPSIGNAL"), ["SIGTERM"])


class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.compose = yaml.safe_load((CONTAINER / "compose.yaml").read_text())
        self.services = self.compose["services"]
        self.gateways = {name: s for name, s in self.services.items()
                         if s.get("image", "").startswith("trialgate:")}
        _, self.runtime = read_containerfile(CONTAINER / "Containerfile")
        self.image_env = env_of(self.runtime)

    def test_three_replicas_one_key_one_database(self):
        self.assertEqual(sorted(self.gateways), ["gateway-1", "gateway-2", "gateway-3"])
        first = self.gateways["gateway-1"]
        for name, gateway in self.gateways.items():
            for key in ("image", "command", "env_file", "build"):
                self.assertEqual(gateway[key], first[key], f"{name}: {key}")
            # The key comes from the one env file, nowhere else.
            self.assertNotIn("environment", gateway)
        self.assertEqual(first["env_file"], "gateway.env")
        example = env_file(CONTAINER / "gateway.env.example")
        self.assertEqual(set(example), {"TRIALGATE_HMAC_KEY", "PGPASSWORD"})
        self.assertNotRegex(example["TRIALGATE_HMAC_KEY"], r"^[0-9a-fA-F]{64}$")
        postgres = self.services["postgres"]
        self.assertEqual(postgres["image"], "postgres:15")
        self.assertEqual(env_file(CONTAINER / "postgres.env.example")["POSTGRES_PASSWORD"],
                         example["PGPASSWORD"])
        command = first["command"]
        store = command[command.index("--store") + 1]
        match = re.fullmatch(r"postgresql://(\w+)@(\w+):5432/(\w+)", store)
        self.assertIsNotNone(match, store)
        self.assertEqual(match[1], postgres["environment"]["POSTGRES_USER"])
        self.assertEqual(match[2], "postgres")  # the service's name
        self.assertEqual(match[3], postgres["environment"]["POSTGRES_DB"])
        self.assertEqual(first["depends_on"]["postgres"]["condition"], "service_healthy")

    def test_each_replica_has_its_own_data_and_the_same_config(self):
        config_path = self.gateways["gateway-1"]["command"][1]
        tls_dir = os.path.dirname(json.loads(
            (dt.DEPLOY / "config.example.json").read_text())["tls"]["certFile"])
        data = set()
        for name, gateway in self.gateways.items():
            mounts = {v.split(":")[1]: v.split(":")[0] for v in gateway["volumes"]}
            self.assertEqual(mounts[config_path], "./config.json")
            self.assertEqual(mounts[tls_dir], "./tls")
            data.add(mounts[self.image_env["TRIALGATE_DATA_DIR"]])
            self.assertIn(mounts[self.image_env["TRIALGATE_DATA_DIR"]], self.compose["volumes"])
        self.assertEqual(len(data), 3)

    def test_load_balancer_and_nginx_conf_agree(self):
        lb = self.services["lb"]
        published = sorted(int(p.split(":")[0]) for p in lb["ports"])
        self.assertEqual(published, sorted([dt.GRPC_PORT, dt.MLLP_PORT, dt.HTTP_PORT]))
        lb_image = read_containerfile(CONTAINER / "lb.Containerfile")[0]
        entrypoint = json.loads(instruction(lb_image, "ENTRYPOINT")[0])
        conf_path = entrypoint[entrypoint.index("-c") + 1]
        self.assertIn(f"./nginx.conf:{conf_path}:ro", lb["volumes"])
        conf = (CONTAINER / "nginx.conf").read_text()
        upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", conf, re.S))
        servers = dict(re.findall(r"listen (\d+);\s*proxy_pass (\w+);", conf))
        self.assertEqual(sorted(map(int, servers)), published)
        for listen, upstream in servers.items():
            members = re.findall(r"server ([\w-]+):(\d+)", upstreams[upstream])
            # Every replica, at the port the load balancer publishes (the image's ports).
            self.assertEqual(sorted(host for host, _ in members), sorted(self.gateways))
            self.assertEqual({int(port) for _, port in members}, {int(listen)})

    def test_healthcheck_uses_the_http_port_and_the_probe_identity(self):
        test = self.gateways["gateway-1"]["healthcheck"]["test"]
        self.assertEqual(test[:2], ["CMD", "curl"])
        url = test[-1]
        port = int(self.image_env["TRIALGATE_HTTP_LISTEN"].rsplit(":", 1)[1])
        self.assertEqual(url, f"https://127.0.0.1:{port}/readyz")
        config = json.loads((dt.DEPLOY / "config.example.json").read_text())
        cert = test[test.index("--cert") + 1]
        self.assertIn("probe", [i["name"] for i in config["identities"]])
        self.assertTrue(cert.endswith("/probe.pem"))


class ReplicasBehindNginxTest(unittest.TestCase):
    """The three replicas as compose.yaml runs them, behind the real nginx with nginx.conf."""

    def test_calls_through_the_load_balancer(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="tg-compose-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        postgres = dt.TempPostgres()
        self.addCleanup(postgres.close)
        ca = dt.dev_ca(tmp / "ca", ["site-a:site:site-a", "warehouse:warehouse", "probe:monitor"])
        compose = yaml.safe_load((CONTAINER / "compose.yaml").read_text())
        _, runtime = read_containerfile(CONTAINER / "Containerfile")
        image_env = env_of(runtime)
        entrypoint = json.loads(instruction(runtime, "ENTRYPOINT")[0])

        # The mounted files: config.json is the example (its TLS paths into the test's CA),
        # gateway.env the example with a real key.
        config_text = (dt.DEPLOY / "config.example.json").read_text()
        (tmp / "config.json").write_text(config_text.replace("/etc/trialgate/tls/", f"{ca}/"))
        key_env = env_file(CONTAINER / "gateway.env.example")
        key_env["TRIALGATE_HMAC_KEY"] = dt.new_hmac_key()

        replicas, ports = {}, {}
        for name in ("gateway-1", "gateway-2", "gateway-3"):
            service = compose["services"][name]
            command = list(service["command"])
            command[command.index("--config") + 1] = str(tmp / "config.json")
            command[command.index("--store") + 1] = postgres.uri()
            env = dt.gateway_env(**image_env, **key_env)
            ports[name] = {}
            for variable in ("TRIALGATE_LISTEN", "TRIALGATE_MLLP_LISTEN", "TRIALGATE_HTTP_LISTEN"):
                image_port = int(image_env[variable].rsplit(":", 1)[1])
                ports[name][image_port] = dt.free_port()
                env[variable] = f"127.0.0.1:{ports[name][image_port]}"
            env["TRIALGATE_DATA_DIR"] = str(tmp / f"{name}-data")
            argv = [dt.BINARY, *entrypoint[1:], *command]
            replicas[name] = dt.Process(name, argv, tmp, env=env,
                                        ready_line=r"^trialgate listening on ")
            self.addCleanup(replicas[name].stop, signal.SIGKILL)

        # nginx.conf with the service names mapped to the replicas' loopback ports and its
        # listeners on free loopback ports; nothing else changes.
        conf = (CONTAINER / "nginx.conf").read_text()
        conf, mapped = re.subn(r"server (gateway-\d):(\d+)",
                               lambda m: f"server 127.0.0.1:{ports[m[1]][int(m[2])]}", conf)
        self.assertEqual(mapped, 9)
        lb = {}

        def listen(match):
            lb[int(match[1])] = dt.free_port()
            return f"listen 127.0.0.1:{lb[int(match[1])]};"

        conf, listens = re.subn(r"listen (\d+);", listen, conf)
        self.assertEqual(listens, 3)
        conf = conf.replace("pid /run/nginx.pid;", f"pid {tmp}/nginx.pid;")
        (tmp / "nginx.conf").write_text(conf)
        nginx = ["nginx", "-p", tmp, "-e", "stderr", "-c", tmp / "nginx.conf"]
        checked = dt.run([*nginx, "-t"])
        self.assertEqual(checked.returncode, 0, checked.stderr)
        proxy = dt.Process("nginx", nginx, tmp)
        self.addCleanup(proxy.stop, signal.SIGQUIT)
        grpc, mllp, https = (f"127.0.0.1:{lb[p]}" for p in (dt.GRPC_PORT, dt.MLLP_PORT,
                                                              dt.HTTP_PORT))
        dt.wait_for_port(lb[dt.HTTP_PORT])

        site, warehouse, probe = (dt.Client(ca, n) for n in ("site-a", "warehouse", "probe"))
        bundle = dt.TESTDATA / "transaction-enrol-and-data.json"
        # Six connections through nginx: the first stores the Bundle, the others (on whichever
        # replica) find it stored: the same event ids, from the one database.
        outcomes, event_ids = [], set()
        for _ in range(6):
            result, lines = site.submit(grpc, "site-a-epic", bundle)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            outcomes.append({line["outcome"] for line in lines})
            event_ids.add(json.dumps([line["eventIds"] for line in lines]))
        self.assertEqual(outcomes, [{"accepted"}] + [{"duplicate"}] * 5)
        self.assertEqual(len(event_ids), 1)
        # The connections were spread over the replicas (each audits the calls it served).
        served = {name: sum(1 for r in dt.audit_records(tmp / f"{name}-data")
                            if "Submit" in json.dumps(r)) for name in replicas}
        self.assertGreaterEqual(sum(1 for n in served.values() if n), 2, served)

        # HL7 v2 over MLLP and HTTPS through nginx as well.
        result, _ = site.submit(grpc, "LIS@HOSPA", dt.HL7_TESTDATA / "enrol-hl7-patient.json")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        sent = site.trialgate("hl7 send", mllp, dt.HL7_TESTDATA / "oru" / "anc-loinc.hl7")
        self.assertEqual(json.loads(sent.stdout)["ack"], "AA", sent.stdout + sent.stderr)
        self.assertEqual(probe.curl(f"https://{https}/readyz"), (0, "ready\n"))

        # compose.yaml's healthcheck, run as it is against each replica's HTTP port.
        test = compose["services"]["gateway-1"]["healthcheck"]["test"][1:]
        for name in replicas:
            argv = [a.replace("/etc/trialgate/tls/", f"{ca}/") for a in test]
            argv[-1] = argv[-1].replace(f":{dt.HTTP_PORT}/", f":{ports[name][dt.HTTP_PORT]}/")
            result = dt.run(argv)
            self.assertEqual((result.returncode, result.stdout), (0, "ready\n"), name)

        # One replica stops (SIGTERM: cleanly); nginx sends new connections to the others.
        code, _ = replicas["gateway-1"].stop(signal.SIGTERM)
        self.assertEqual(code, 0, replicas["gateway-1"].tail())
        for _ in range(4):
            result, lines = site.submit(grpc, "site-a-epic",
                                        dt.TESTDATA / "research-subject-pt-1001.json")
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

        # The warehouse reads one gap-free log, whichever replica committed what.
        events = warehouse.pull(grpc)
        sequences = [int(e["sequence"]) for e in events]
        self.assertEqual(sequences, list(range(1, len(events) + 1)))
        for name, replica in replicas.items():
            if name != "gateway-1":
                code, _ = replica.stop(signal.SIGTERM)
                self.assertEqual(code, 0, replica.tail())
            verify = dt.run([dt.BINARY, "audit", "verify", "--data", tmp / f"{name}-data"])
            self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        print(f"submits served per replica: {served}; {len(events)} events pulled")


if __name__ == "__main__":
    unittest.main(verbosity=2)
