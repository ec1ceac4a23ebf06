"""Runs supervisor.datatypes' conversions, for supervisorconf's tests.

stdin: {"conversion name": [inputs]}; stdout: the same keys, each with a
list of {"ok": result} or {"error": message}."""
import json
import shlex
import sys

import supervisor.datatypes as d


def autorestart(v):
    r = d.auto_restart(v)
    return {d.RestartUnconditionally: "true", d.RestartWhenExitUnexpected: "unexpected", False: "false"}[r]


def logging_level(v):
    d.logging_level(v)
    return v.lower()


conversions = {
    "integer": d.integer, "boolean": d.boolean, "byte_size": d.byte_size, "octal_type": d.octal_type,
    "signal_number": lambda v: int(d.signal_number(v)), "list_of_exitcodes": d.list_of_exitcodes,
    "dict_of_key_value_pairs": lambda v: list(d.dict_of_key_value_pairs(v).items()),
    "auto_restart": autorestart, "process_or_group_name": d.process_or_group_name,
    "inet_address": lambda v: list(d.inet_address(v)), "logging_level": logging_level,
    "list_of_strings": d.list_of_strings, "shlex_split": shlex.split,
}


def attempt(f, v):
    try:
        return {"ok": f(v)}
    except Exception as e:
        return {"error": str(e)}


req = json.load(sys.stdin)
json.dump({name: [attempt(conversions[name], v) for v in inputs] for name, inputs in req.items()}, sys.stdout)
