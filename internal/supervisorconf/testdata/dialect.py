"""Reads configuration files with supervisord's parser, one per line of
stdin, for FuzzDialect: each line is JSON {"path": file}; each answer, on
one line, is {"sections": {name: {key: value}}} with "DEFAULT" included,
or {"error": message} when the parser refuses the file."""
import json
import sys

from supervisor.options import UnhosedConfigParser

for line in sys.stdin:
    path = json.loads(line)["path"]
    try:
        p = UnhosedConfigParser()
        with open(path, encoding="utf-8") as f:
            p.read_file(f)
        sections = {"DEFAULT": dict(p._defaults)}
        for name in p.sections():
            sections[name] = dict(p._sections[name])
        out = {"sections": sections}
    except Exception as e:
        out = {"error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
