"""Checks openapi.yaml as an integrator's tools read it, before fuzzing (deploy/local/fuzz.sh runs it):

- every example (of a request body, a response, a parameter, a schema or a property) is valid against its
  schema, formats (date, date-time, uuid) included;
- no scalar other than `true` or `false` reads as a boolean under YAML 1.1, which many YAML libraries still
  follow (PyYAML, Go's yaml.v2, older Ruby): an unquoted `on`, `off`, `yes`, `no`, `y` or `n` is one there, so
  a key `on` becomes a field named `true` and an example's `period: Y` the value true.

Prints each problem with where it is; exits 1 if there is any. Usage: python3 deploy/local/spec-examples.py [SPEC]
"""
import sys

import jsonschema_rs
import yaml

path = sys.argv[1] if len(sys.argv) > 1 else "Sources/KinerjaAPI/openapi.yaml"
problems = []


class Loader(yaml.SafeLoader):
    """PyYAML's reading, with YAML 1.1's booleans in full (PyYAML leaves out y and n); each one not written
    `true` or `false` is a problem, named with its line."""


Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for first in "yYnN":
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:y|Y|n|N)$"), [first])


def boolean(loader, node):
    text = node.value
    if node.style is None and text.lower() not in ("true", "false"):
        problems.append(f"line {node.start_mark.line + 1}: '{text}' reads as a boolean under YAML 1.1: quote it")
    return text.lower() in ("y", "yes", "on", "true")


Loader.add_constructor("tag:yaml.org,2002:bool", boolean)
with open(path, encoding="utf-8") as f:
    spec = yaml.load(f, Loader=Loader)
components = spec.get("components", {})
checked = 0
seen = set()  # a shared response's examples are checked once


def check(schema, value, where):
    global checked
    checked += 1
    # The schema at the root of a document that holds the spec's components, so that its $refs resolve.
    try:
        validator = jsonschema_rs.validator_for({"allOf": [schema], "components": components}, validate_formats=True)
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


def resolve(r, kind):
    while "$ref" in r:
        r = components[kind][r["$ref"].split("/")[-1]]
    return r


for route, operations in spec.get("paths", {}).items():
    for method, op in operations.items():
        if not isinstance(op, dict) or "responses" not in op:
            continue
        name = f"{method.upper()} {route}"
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            examples(content, f"{name} request {media}")
        for code, r in op["responses"].items():
            if "$ref" in r:
                if r["$ref"] in seen:
                    continue
                seen.add(r["$ref"])
            for media, content in resolve(r, "responses").get("content", {}).items():
                examples(content, f"{name} {code} {media}")
        for param in operations.get("parameters", []) + op.get("parameters", []):
            if "$ref" in param:
                if param["$ref"] in seen:
                    continue
                seen.add(param["$ref"])
            param = resolve(param, "parameters")
            if "example" in param and "schema" in param:
                check(param["schema"], param["example"], f"{name} parameter {param.get('name')}")
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
