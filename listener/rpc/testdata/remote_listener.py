# An event listener written with supervisord's own SDK (childutils), for
# the integration tests: it copies every event's name and payload to
# stderr, where the test reads them from the child log.
import sys

from supervisor import childutils

while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    sys.stderr.write("%s %s\n" % (headers["eventname"], payload))
    sys.stderr.flush()
    childutils.listener.ok(sys.stdout)
