# Records every event it receives, one JSON line each, in $RECORD.
import json, os, sys
from supervisor import childutils

with open(os.environ['RECORD'], 'a') as out:
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        out.write(json.dumps({'name': headers['eventname'], 'payload': payload}) + '\n')
        out.flush()
        childutils.listener.ok(sys.stdout)
