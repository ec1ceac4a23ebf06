"""Python's glob and fnmatch, for supervisorconf's tests.

stdin: {"globs": [patterns], "fnmatch": [[name, pattern]]};
stdout: {"globs": [sorted matches], "fnmatch": [booleans]}."""
import fnmatch
import glob
import json
import sys

req = json.load(sys.stdin)
out = {"globs": [sorted(glob.glob(p)) for p in req["globs"]],
       "fnmatch": [fnmatch.fnmatchcase(n, p) for n, p in req["fnmatch"]]}
json.dump(out, sys.stdout)
