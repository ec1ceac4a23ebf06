"""Dumps a configuration as supervisord 4.2 reads it, for conf_test.go.

Run with the python that has the supervisor module:
    python3 pyconf.py /path/to/supervisord.conf
It prints JSON: {"files": [...], "sections": {name: {key: value}}}, where
each value is what supervisord's parser returns for the option with the
expansions supervisord offers a [program:x] (here, program_name,
group_name, host_node_name, ENV_*), or "ERROR: ..." when it refuses it.
"""
import json
import os
import sys

import supervisor.options as options

captured = []
Base = options.UnhosedConfigParser


class Capturing(Base):
    def __init__(self, *args, **kwargs):
        Base.__init__(self, *args, **kwargs)
        captured.append(self)

    def read(self, filenames, **kwargs):
        ok = Base.read(self, filenames, **kwargs)
        files.extend(ok)
        return ok


files = []
options.UnhosedConfigParser = Capturing
path = os.path.abspath(sys.argv[1])
opts = options.ServerOptions()
opts.configfile = path
opts.here = os.path.dirname(path)
try:
    opts.read_config(path)
except ValueError:
    pass  # program checks fail on fixtures; the parser is what we compare
parser = captured[0]
out = {}
for section in parser.sections():
    name = section.split(":", 1)[-1]
    values = {}
    for key in parser.options(section):
        try:
            values[key] = parser.saneget(section, key, expansions={
                "here": opts.here, "program_name": name, "group_name": name,
                "host_node_name": __import__("platform").node()})
        except ValueError as e:
            values[key] = "ERROR"
    out[section] = values
print(json.dumps({"files": [path] + files, "sections": out}, indent=1, sort_keys=True))
