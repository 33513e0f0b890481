#!/usr/bin/python3
"""Reads YAML nanoforge wrote with the readers its users' tools use, and checks that every
string nanoforge meant is read back as that same string.

  yaml_strings_check.py strings FILE EXPECTED.json
      FILE holds {list: [S...], map: {S: S...}}; EXPECTED.json is the list of S.
  yaml_strings_check.py compose FILE EXPECTED.json [SCHEMA.json]
      FILE is a docker-compose.yml; EXPECTED.json lists instance names. Each must be a service
      whose hostname and io.nanoforge.instance label are the name and whose container_name is
      nanobot-NAME; with SCHEMA.json the file must also validate against that Compose schema
      (as docker-compose v1 validates it: JSON Schema draft 4).

Readers: PyYAML's safe_load (YAML 1.1: Compose v1 and podman-compose read with it) and
ruamel.yaml's pure safe loader (YAML 1.2), Debian's python3-yaml and python3-ruamel.yaml.
Prints one line per reader and what differs; exits 1 when anything differs, 2 on bad usage.
"""
import json
import sys


def readers():
    import yaml
    from ruamel.yaml import YAML

    ruamel = YAML(typ="safe", pure=True)
    return [("PyYAML (YAML 1.1)", yaml.safe_load), ("ruamel.yaml (YAML 1.2)", ruamel.load)]


def described(value):
    return "%r (%s)" % (value, type(value).__name__)


def check_strings(document, expected):
    problems = []
    listed = document.get("list") if isinstance(document, dict) else None
    mapped = document.get("map") if isinstance(document, dict) else None
    if not isinstance(listed, list) or len(listed) != len(expected):
        return ["'list' is not a list of %d items: %s" % (len(expected), described(listed))]
    if not isinstance(mapped, dict):
        return ["'map' is not a mapping: %s" % described(mapped)]
    for want, got in zip(expected, listed):
        if not isinstance(got, str) or got != want:
            problems.append("list item %r read as %s" % (want, described(got)))
    keys = {key for key in mapped}
    for want in expected:
        if want not in mapped:
            problems.append("map key %r missing" % want)
        elif not isinstance(mapped[want], str) or mapped[want] != want:
            problems.append("map value of %r read as %s" % (want, described(mapped[want])))
    for key in keys:
        if not isinstance(key, str) or key not in expected:
            problems.append("map key read as %s" % described(key))
    return problems


def check_compose(document, expected):
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return ["no services mapping: %s" % described(services)]
    problems = []
    for key in services:
        if not isinstance(key, str) or key not in expected:
            problems.append("service key read as %s" % described(key))
    for name in expected:
        service = services.get(name)
        if not isinstance(service, dict):
            problems.append("service %r missing" % name)
            continue
        hostname = service.get("hostname")
        if not isinstance(hostname, str) or hostname != name:
            problems.append("hostname of %r read as %s" % (name, described(hostname)))
        label = (service.get("labels") or {}).get("io.nanoforge.instance")
        if not isinstance(label, str) or label != name:
            problems.append("label of %r read as %s" % (name, described(label)))
        container = service.get("container_name")
        if container != "nanobot-" + name:
            problems.append("container_name of %r read as %s" % (name, described(container)))
    return problems


def schema_problems(document, schema_file):
    from jsonschema import Draft4Validator

    with open(schema_file) as handle:
        schema = json.load(handle)
    # As docker-compose 1.29 validates (compose/config/validation.py): draft 4.
    validator = Draft4Validator(schema)
    return ["schema: %s at %s" % (error.message, "/".join(map(str, error.absolute_path)))
            for error in validator.iter_errors(document)]


def main(arguments):
    if len(arguments) < 3 or arguments[0] not in ("strings", "compose"):
        print(__doc__)
        return 2
    mode, yaml_file, expected_file = arguments[:3]
    with open(yaml_file) as handle:
        text = handle.read()
    with open(expected_file) as handle:
        expected = json.load(handle)
    failed = False
    for name, load in readers():
        try:
            document = load(text)
        except Exception as error:  # a reader refusing the file is the finding
            print("%s: cannot read %s: %s" % (name, yaml_file, error))
            failed = True
            continue
        problems = check_strings(document, expected) if mode == "strings" else check_compose(document, expected)
        if mode == "compose" and len(arguments) > 3 and name.startswith("PyYAML") and not problems:
            problems = schema_problems(document, arguments[3])
        for problem in problems[:40]:
            print("%s: %s" % (name, problem))
        if len(problems) > 40:
            print("%s: ... %d more" % (name, len(problems) - 40))
        print("%s: %d strings checked, %d differ" % (name, len(expected), len(problems)))
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
