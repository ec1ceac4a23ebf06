"""An event listener written the way superlance's plugins are: with
supervisor.childutils, reading with listener.wait and answering with
listener.ok / listener.fail. It records each event as a JSON line in the
file named by RECORD and, for REMOTE_COMMUNICATION events, calls back into
supervisord over XML-RPC (childutils.getRPCInterface, which reads
SUPERVISOR_SERVER_URL). A payload ending in "fail-once" is rejected the
first time it is seen.
"""
import json
import os
import sys

from supervisor import childutils


def main():
    record = open(os.environ["RECORD"], "a")
    rpc = childutils.getRPCInterface(os.environ)
    failed = set()
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        entry = {"headers": headers, "payload": payload}
        if headers["eventname"] == "REMOTE_COMMUNICATION":
            me = os.environ["SUPERVISOR_PROCESS_NAME"]
            entry["self"] = rpc.supervisor.getProcessInfo(me)["statename"]
            entry["identification"] = rpc.supervisor.getIdentification()
        record.write(json.dumps(entry) + "\n")
        record.flush()
        if payload.endswith("fail-once") and headers["serial"] not in failed:
            failed.add(headers["serial"])
            childutils.listener.fail(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
