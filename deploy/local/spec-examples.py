"""Checks openapi.yaml as an integrator's tools read it, before fuzzing (deploy/local/fuzz.sh runs it):

- every example (of a request body, a response, a schema or a property) is valid against its schema;
- no mapping key reads as anything but a string under YAML 1.1, which many YAML libraries still follow: an
  unquoted `on`, `off`, `yes` or `no` there is a boolean, so a client generated from the spec would get a
  field named `true`.

Prints each problem with where it is; exits 1 if there is any. Usage: python3 deploy/local/spec-examples.py [SPEC]
"""
import sys

import jsonschema_rs
import yaml

path = sys.argv[1] if len(sys.argv) > 1 else "Sources/KinerjaAPI/openapi.yaml"
with open(path, encoding="utf-8") as f:
    spec = yaml.safe_load(f)  # PyYAML follows YAML 1.1: the reading the check below is about
problems = []


def keys(node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            if not isinstance(k, str):
                problems.append(f"{where}: the key {k!r} is not a string under YAML 1.1: quote it")
            keys(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            keys(v, f"{where}/{i}")


keys(spec, "")
components = spec.get("components", {})
checked = 0


def check(schema, value, where):
    global checked
    checked += 1
    # The schema at the root of a document that holds the spec's components, so that its $refs resolve.
    try:
        validator = jsonschema_rs.validator_for({"allOf": [schema], "components": components})
    except Exception as e:  # a schema the validator cannot read is a problem of its own
        problems.append(f"{where}: the schema does not load: {e}")
        return
    try:
        errors = list(validator.iter_errors(value))
    except ValueError as e:  # a key that is not a string (reported above) makes the example unreadable as JSON
        problems.append(f"{where}: the example is not JSON: {e}")
        return
    for error in errors:
        problems.append(f"{where}: the example is not valid: {error.message} (at {'/'.join(map(str, error.instance_path)) or 'the top'})")


def examples(content, where):
    schema = content.get("schema")
    if schema is None:
        return
    if "example" in content:
        check(schema, content["example"], where)
    for name, example in content.get("examples", {}).items():
        if "value" in example:
            check(schema, example["value"], f"{where} example {name}")


def response(r):
    while "$ref" in r:
        r = components["responses"][r["$ref"].split("/")[-1]]
    return r


for route, operations in spec.get("paths", {}).items():
    for method, op in operations.items():
        if not isinstance(op, dict) or "responses" not in op:
            continue
        name = f"{method.upper()} {route}"
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            examples(content, f"{name} request {media}")
        for code, r in op["responses"].items():
            for media, content in response(r).get("content", {}).items():
                examples(content, f"{name} {code} {media}")
for name, schema in components.get("schemas", {}).items():
    if "example" in schema:
        check(schema, schema["example"], f"schema {name}")
    for prop, sub in schema.get("properties", {}).items():
        if isinstance(sub, dict) and "example" in sub:
            check(sub, sub["example"], f"schema {name}.{prop}")

for p in problems:
    print(p)
print(f"{path}: {checked} examples checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
