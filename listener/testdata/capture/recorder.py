#!/usr/bin/python3
"""Records every event supervisord sends, byte for byte, for golance's tests.

Reads in text mode, as supervisor.childutils does, because supervisord 4.x
counts the header's len in code points; writes header line and payload,
re-encoded as UTF-8, to the file named by $CAPTURE_FILE. Answers OK.
"""
import os
import sys

out = open(os.environ["CAPTURE_FILE"], "ab", buffering=0)
while True:
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    headers = dict(tok.split(":", 1) for tok in line.split())
    payload = sys.stdin.read(int(headers["len"]))
    out.write(line.encode("utf-8") + payload.encode("utf-8"))
    sys.stdout.write("RESULT 2\nOK")
    sys.stdout.flush()
