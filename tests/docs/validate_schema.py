#!/usr/bin/env python3
"""Validates labgate YAML files against docs/labgate.schema.json.

usage: validate_schema.py SCHEMA FILE...

Prints "FILE: ok" for each valid file and one "FILE: POINTER: message" line per schema error
(POINTER is the JSON pointer of the offending value, "/" for the document itself). Exits 0 when
every file is valid, 1 when any file is invalid (against the schema, or not YAML at all), and 2
when the schema itself is unreadable or not a valid JSON Schema.

Uses only Debian's python3-jsonschema and python3-yaml, and whatever draft the schema names.
"""
import json
import sys

import jsonschema
import yaml


def pointer(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"{argv[1]}: unusable schema: {e}", file=sys.stderr)
        return 2
    validator = validator_class(schema)
    status = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                document = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            print(f"{path}: unreadable: {e}")
            status = 1
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            print(f"{path}: {pointer(error)}: {error.message}")
        if errors:
            status = 1
        else:
            print(f"{path}: ok")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
