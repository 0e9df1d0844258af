#!/usr/bin/python3
"""deploy/kubernetes/: the manifests against the Kubernetes API's schema, against each other and
against the gateway, which runs here as the StatefulSet's container would.

No cluster runs here. The schema is the one Debian's python3-kubernetes (22.6: the Kubernetes
1.22 API) was generated from: every field must be one the API object has, of its type, and the
required ones present. kubeconform and kubeval are not packaged by Debian 12 (nor on npm), and
the test must not download schemas while it runs.
"""

import json
import os
import pathlib
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

import yaml
from kubernetes import client

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import deploytest as dt  # noqa: E402
from container_test import CONTAINER, env_of, instruction, read_containerfile  # noqa: E402

KUBERNETES = dt.DEPLOY / "kubernetes"
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object,
              "datetime": str, "date": str}


def load(name):
    return [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d]


def model_name(obj):
    """The client's model class of an object: V1StatefulSet for apps/v1 StatefulSet."""
    version = obj["apiVersion"].split("/")[-1]
    return version[0].upper() + version[1:] + obj["kind"]


def schema_errors(value, type_name, path):
    """Where `value` is not of the API type `type_name`: unknown fields, wrong types."""
    if type_name.startswith("list["):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [e for i, v in enumerate(value) for e in schema_errors(v, type_name[5:-1],
                                                                      f"{path}[{i}]")]
    if type_name.startswith("dict("):
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        inner = type_name[type_name.index(",") + 1:-1].strip()
        return [e for k, v in value.items() for e in schema_errors(v, inner, f"{path}.{k}")]
    if type_name in PRIMITIVES:
        wrong = not isinstance(value, PRIMITIVES[type_name]) or \
            (type_name == "int" and isinstance(value, bool))
        return [f"{path}: {value!r} is not {type_name}"] if wrong else []
    model = getattr(client.models, type_name)
    if not isinstance(value, dict):
        return [f"{path}: not an object ({type_name})"]
    fields = {json_name: attribute for attribute, json_name in model.attribute_map.items()}
    errors = []
    for key, item in value.items():
        if key not in fields:
            errors.append(f"{path}.{key}: {type_name} has no such field")
        else:
            errors += schema_errors(item, model.openapi_types[fields[key]], f"{path}.{key}")
    return errors


class ManifestsTest(unittest.TestCase):
    def setUp(self):
        self.objects = {}
        for path in sorted(KUBERNETES.glob("*.yaml")):
            if path.name != "kustomization.yaml":
                for obj in load(path.name):
                    self.objects[(obj["kind"], obj["metadata"]["name"])] = obj
        self.statefulset = self.objects[("StatefulSet", "trialgate")]
        self.pod = self.statefulset["spec"]["template"]["spec"]
        self.container = self.pod["containers"][0]
        _, self.runtime = read_containerfile(CONTAINER / "Containerfile")

    def test_every_object_fits_the_api_schema(self):
        api = client.ApiClient()
        for (kind, name), obj in self.objects.items():
            errors = schema_errors(obj, model_name(obj), f"{kind}/{name}")
            self.assertEqual(errors, [])
            # Required fields: the client's models refuse to be made without them.
            api._ApiClient__deserialize(obj, model_name(obj))
        # The check bites: a misspelt field, a string for a number, a missing required field.
        broken = json.loads(json.dumps(self.statefulset))
        broken["spec"]["replica"] = 3
        broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "50051"
        self.assertEqual(len(schema_errors(broken, "V1StatefulSet", "x")), 2)
        del broken["spec"]["template"]["spec"]["containers"][0]["name"]
        with self.assertRaises(ValueError):
            api._ApiClient__deserialize(broken, "V1StatefulSet")

    def test_kustomization_lists_everything_but_the_secret_examples(self):
        resources = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
        files = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml",
                                                                 "secret.example.yaml"}
        self.assertEqual(sorted(resources), sorted(files))

    def test_replicas_and_disruption_budget(self):
        pdb = self.objects[("PodDisruptionBudget", "trialgate")]
        labels = self.statefulset["spec"]["template"]["metadata"]["labels"]
        self.assertEqual(self.statefulset["spec"]["selector"]["matchLabels"], labels)
        self.assertEqual(pdb["spec"]["selector"]["matchLabels"], labels)
        replicas, min_available = self.statefulset["spec"]["replicas"], pdb["spec"]["minAvailable"]
        self.assertGreaterEqual(replicas, 3)
        # A drain may take one replica, never so many that fewer than two serve.
        self.assertTrue(2 <= min_available < replicas)
        for kind, name in (("Service", "trialgate"), ("Service", "trialgate-pods")):
            self.assertEqual(self.objects[(kind, name)]["spec"]["selector"], labels)
        self.assertEqual(self.statefulset["spec"]["serviceName"], "trialgate-pods")
        self.assertEqual(self.objects[("Service", "trialgate-pods")]["spec"]["clusterIP"], "None")

    def test_ports_agree_with_the_image_and_the_gateway(self):
        image_env = env_of(self.runtime)
        image_ports = {int(image_env[k].rsplit(":", 1)[1]) for k in
                       ("TRIALGATE_LISTEN", "TRIALGATE_MLLP_LISTEN", "TRIALGATE_HTTP_LISTEN")}
        ports = {p["name"]: p["containerPort"] for p in self.container["ports"]}
        self.assertEqual(ports, {"grpc": dt.GRPC_PORT, "mllp": dt.MLLP_PORT,
                                 "https": dt.HTTP_PORT})
        self.assertEqual(set(ports.values()), image_ports)
        service = self.objects[("Service", "trialgate")]
        self.assertEqual({p["targetPort"] for p in service["spec"]["ports"]}, set(ports))
        for probe in ("readinessProbe", "livenessProbe"):
            url = self.container[probe]["exec"]["command"][-1]
            self.assertRegex(url, rf"^https://127\.0\.0\.1:{dt.HTTP_PORT}/(readyz|healthz)$")
        self.assertTrue(self.container["readinessProbe"]["exec"]["command"][-1].endswith("/readyz"))
        self.assertTrue(self.container["livenessProbe"]["exec"]["command"][-1].endswith("/healthz"))

    def test_secrets_and_mounts(self):
        # Every Secret key the pod uses exists in the examples, which hold no real key.
        examples = {o["metadata"]["name"]: o["stringData"] for o in load("secret.example.yaml")}
        for variable in self.container["env"]:
            ref = variable["valueFrom"]["secretKeyRef"]
            self.assertIn(ref["key"], examples[ref["name"]], variable["name"])
        self.assertNotRegex(examples["trialgate"]["hmac-key"], r"^[0-9a-fA-F]{64}$")
        self.assertEqual({v["name"] for v in self.container["env"]},
                         {"TRIALGATE_HMAC_KEY", "TRIALGATE_STORE", "PGPASSWORD"})
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        mounts = {m["mountPath"]: m for m in self.container["volumeMounts"]}
        config = json.loads((dt.DEPLOY / "config.example.json").read_text())
        tls_dir = os.path.dirname(config["tls"]["certFile"])
        tls_secret = examples[volumes[mounts[tls_dir]["name"]]["secret"]["secretName"]]
        # The files config.json and the probes name are in the TLS Secret.
        probe_files = [a for a in self.container["readinessProbe"]["exec"]["command"]
                       if a.startswith(tls_dir)]
        for path in [*config["tls"].values(), *probe_files]:
            self.assertIn(os.path.basename(path), tls_secret, path)
        store_uri = examples["trialgate"]["store-uri"]
        self.assertIn(os.path.basename(re.search(r"sslrootcert=(\S+)", store_uri)[1]), tls_secret)
        # config.json from the ConfigMap, at the path the container's args name.
        config_path = self.container["args"][self.container["args"].index("--config") + 1]
        self.assertEqual(mounts[config_path]["subPath"], "config.json")
        configmap = self.objects[("ConfigMap", volumes[mounts[config_path]["name"]]
                                  ["configMap"]["name"])]
        self.assertEqual(json.loads(configmap["data"]["config.json"]), config)
        # The data directory is each replica's own volume, where the image keeps its data.
        data_dir = env_of(self.runtime)["TRIALGATE_DATA_DIR"]
        claims = [c["metadata"]["name"] for c in self.statefulset["spec"]["volumeClaimTemplates"]]
        self.assertIn(mounts[data_dir]["name"], claims)

    def test_security_context(self):
        pod, container = self.pod["securityContext"], self.container["securityContext"]
        self.assertTrue(pod["runAsNonRoot"])
        self.assertEqual(f"{pod['runAsUser']}:{pod['runAsGroup']}",
                         instruction(self.runtime, "USER")[0])
        self.assertEqual(pod["fsGroup"], pod["runAsGroup"])
        self.assertTrue(container["readOnlyRootFilesystem"])
        self.assertFalse(container["allowPrivilegeEscalation"])
        self.assertEqual(container["capabilities"]["drop"], ["ALL"])
        self.assertFalse(self.pod["automountServiceAccountToken"])
        resources = self.container["resources"]
        self.assertIn("memory", resources["limits"])
        self.assertIn("cpu", resources["requests"])


class PodTest(unittest.TestCase):
    """The StatefulSet's container, run as the kubelet would start it: the image's entrypoint
    and environment, the container's args and Secret environment, the ConfigMap's config.json,
    the TLS Secret's files at the volume's mode; then its probes' commands, as they are."""

    def test_the_container_and_its_probes(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="tg-k8s-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        postgres = dt.TempPostgres()
        self.addCleanup(postgres.close)
        ca = dt.dev_ca(tmp / "ca", ["site-a:site:site-a", "warehouse:warehouse",
                                    "probe:monitor"])
        statefulset = load("statefulset.yaml")[0]
        pod = statefulset["spec"]["template"]["spec"]
        container = pod["containers"][0]
        secrets = {o["metadata"]["name"]: o["stringData"] for o in load("secret.example.yaml")}
        configmap = load("configmap.yaml")[0]
        _, runtime = read_containerfile(CONTAINER / "Containerfile")

        # The TLS Secret's volume: the files, at its defaultMode.
        tls = tmp / "tls"
        tls.mkdir()
        mode = next(v for v in pod["volumes"] if v["name"] == "tls")["secret"]["defaultMode"]
        for name in secrets["trialgate-tls"]:
            if (ca / name).exists():
                shutil.copy(ca / name, tls / name)
                os.chmod(tls / name, mode)

        def mounted(text):
            return text.replace("/etc/trialgate/tls/", f"{tls}/")

        (tmp / "config.json").write_text(mounted(configmap["data"]["config.json"]))
        env = dt.gateway_env(**env_of(runtime))
        values = dict(secrets["trialgate"])
        values["hmac-key"] = dt.new_hmac_key()  # the example holds none
        values["store-uri"] = postgres.uri()  # the example's host is not here
        for variable in container["env"]:
            env[variable["name"]] = values[variable["valueFrom"]["secretKeyRef"]["key"]]
        ports = {}
        for variable in ("TRIALGATE_LISTEN", "TRIALGATE_MLLP_LISTEN", "TRIALGATE_HTTP_LISTEN"):
            ports[int(env[variable].rsplit(":", 1)[1])] = port = dt.free_port()
            env[variable] = f"127.0.0.1:{port}"
        env["TRIALGATE_DATA_DIR"] = str(tmp / "data")
        args = list(container["args"])
        args[args.index("--config") + 1] = str(tmp / "config.json")
        entrypoint = json.loads(instruction(runtime, "ENTRYPOINT")[0])
        gateway = dt.Process("gateway", [dt.BINARY, *entrypoint[1:], *args], tmp, env=env,
                             ready_line=r"^trialgate listening on ")
        self.addCleanup(gateway.stop, signal.SIGKILL)

        def probe(kind):
            command = [mounted(a) for a in container[kind]["exec"]["command"]]
            command[-1] = command[-1].replace(f":{dt.HTTP_PORT}/", f":{ports[dt.HTTP_PORT]}/")
            return dt.run(command, timeout=container[kind]["timeoutSeconds"] + 5)

        ready, live = probe("readinessProbe"), probe("livenessProbe")
        self.assertEqual((ready.returncode, ready.stdout), (0, "ready\n"), ready.stderr)
        self.assertEqual((live.returncode, live.stdout), (0, "ok\n"), live.stderr)
        site = dt.Client(ca, "site-a")
        result, _ = site.submit(f"127.0.0.1:{ports[dt.GRPC_PORT]}", "site-a-epic",
                                dt.TESTDATA / "transaction-enrol-and-data.json")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

        # The database goes away: the pod turns unready (the Service stops sending it
        # connections) but stays live (the kubelet does not restart it); then it comes back.
        postgres.stop()
        self.assertTrue(self.eventually(lambda: probe("readinessProbe").returncode != 0),
                        "still ready without its database")
        self.assertEqual(probe("livenessProbe").returncode, 0)
        postgres.start()
        self.assertTrue(self.eventually(lambda: probe("readinessProbe").returncode == 0),
                        "not ready again after the database came back")

        rss = re.search(r"VmRSS:\s+(\d+) kB",
                        pathlib.Path(f"/proc/{gateway.popen.pid}/status").read_text())[1]
        print(f"gateway resident memory after the run: {int(rss) // 1024} MiB")
        code, seconds = gateway.stop(signal.SIGTERM, pod["terminationGracePeriodSeconds"])
        self.assertEqual(code, 0, gateway.tail())
        print(f"SIGTERM -> exit 0 in {seconds:.2f} s "
              f"(terminationGracePeriodSeconds {pod['terminationGracePeriodSeconds']})")

    @staticmethod
    def eventually(condition, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.5)
        return False


if __name__ == "__main__":
    unittest.main(verbosity=2)
