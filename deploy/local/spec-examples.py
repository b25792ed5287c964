"""Checks openapi.yaml as an integrator's tools read it, before fuzzing (deploy/local/fuzz.sh runs it):

- every example, wherever it sits (a request body, a response, a parameter, a header, a schema at any depth),
  is valid against its schema, formats (date, date-time, uuid) included;
- every key is a string, and has a value;
- every successful answer (each media type of a 2xx response) has an example, a binary file's excepted;
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


EMPTY_DEFAULTS = {}  # id of a mapping with an empty `default` -> its line, judged by where it is (in `keys`)


def mapping(loader, node):
    """Every key with a value: in a flow mapping (`{ type: integer, description: ... }`) an unquoted comma ends the
    text, and what follows it becomes a key of its own with nothing after it. A value written `null` is one; an
    empty `example` or `const` is a null too, and so is an empty `default` but in a list of responses (where it is
    the answer to any other status)."""
    data = loader.construct_mapping(node)
    for key, value in node.value:
        empty = isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null" and value.value == ""
        if empty and key.value == "default":
            EMPTY_DEFAULTS[id(data)] = key.start_mark.line + 1
        elif empty and key.value not in ("example", "const"):
            problems.append(f"line {key.start_mark.line + 1}: the key '{key.value}' has no value (a comma in an unquoted text "
                            "before it?): quote the text, or write null")
    return data


Loader.add_constructor("tag:yaml.org,2002:map", mapping)
with open(path, encoding="utf-8") as f:
    spec = yaml.load(f, Loader=Loader)
components = spec.get("components", {})
checked = 0


def keys(node, where):
    """Every key a string (a boolean one is named where it is read, above; one without a value, in `mapping`), and
    no response `default` without a value."""
    if isinstance(node, dict):
        if where.endswith("/responses") and id(node) in EMPTY_DEFAULTS:
            problems.append(f"line {EMPTY_DEFAULTS[id(node)]}: the response 'default' has no value: give it one, or remove it")
        for k, v in node.items():
            if not isinstance(k, (str, bool)):
                problems.append(f"{where}: the key {k!r} is not a string: quote it")
            keys(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            keys(v, f"{where}/{i}")


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


SCHEMA_WORDS = {"type", "properties", "items", "allOf", "oneOf", "anyOf", "$ref", "enum", "const", "format"}


def resolved(node, kind):
    """`node`, its `$ref` into the components of `kind` (examples, responses, schemas) followed."""
    while isinstance(node, dict) and "$ref" in node:
        node = components.get(kind, {}).get(node["$ref"].split("/")[-1], {})
    return node


def walk(node, where):
    """Every example, wherever it sits: next to a `schema` (a media type, a parameter, a header), as a map of
    example objects there, or in a schema itself (`example`, or JSON Schema's `examples` list). Each part of the
    spec is visited once, so an example shared by many operations is checked once."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                check(schema, node["example"], where)
            for name, e in (node.get("examples") or {}).items():
                e = resolved(e, "examples")
                if isinstance(e, dict) and "value" in e:
                    check(schema, e["value"], f"{where} example {name}")
        elif SCHEMA_WORDS & node.keys():
            if "example" in node:
                check(node, node["example"], where)
            if isinstance(node.get("examples"), list):
                for i, e in enumerate(node["examples"]):
                    check(node, e, f"{where} examples[{i}]")
        for k, v in node.items():
            if k not in ("example", "examples"):  # examples are data, not more of the spec
                walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}/{i}")


def answers_shown():
    """Every successful answer shows what it looks like: each media type of a 2xx response has an example (next
    to its schema, or in the schema), except a binary file (a PDF)."""
    for route, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, response in op["responses"].items():
                if not str(status).startswith("2"):
                    continue
                for media, content in ((resolved(response, "responses") or {}).get("content") or {}).items():
                    content = content or {}
                    schema = resolved(content.get("schema") or {}, "schemas") or {}
                    if schema.get("format") == "binary":
                        continue
                    if not ({"example", "examples"} & content.keys() or {"example", "examples"} & schema.keys()):
                        problems.append(f"{op.get('operationId', method + ' ' + route)} {status} {media}: no example")


keys(spec, "")
walk(spec, "")
answers_shown()

for p in problems:
    print(p)
print(f"{path}: {checked} examples checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
