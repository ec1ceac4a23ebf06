#!/usr/bin/env bash
# Regenerates ../captures/*.bin from a real supervisord (Debian's 4.2.5):
# every event type, and log and communication text with é, €, ü and emoji.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/golance-capture.XXXXXX)
trap 'supervisorctl -c "$work/s.conf" shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cat >"$work/talker.sh" <<'T'
#!/bin/sh
printf 'héllo wörld\n'
printf 'price: 5€ 🙂\n' >&2
printf '<!--XSUPERVISOR:BEGIN-->comm dataé<!--XSUPERVISOR:END-->'
sleep 30
T
chmod +x "$work/talker.sh"
cat >"$work/s.conf" <<C
[supervisord]
nodaemon=true
logfile=$work/supervisord.log
pidfile=$work/supervisord.pid
childlogdir=$work
identifier=capture
loglevel=debug
[unix_http_server]
file=$work/s.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$work/s.sock
[eventlistener:rec]
command=/usr/bin/python3 $here/recorder.py
environment=CAPTURE_FILE="$work/events.bin"
events=EVENT
buffer_size=100
[program:talker]
command=$work/talker.sh
startsecs=1
stdout_events_enabled=true
stderr_events_enabled=true
stdout_capture_maxbytes=1MB
[program:die]
command=/bin/sh -c 'sleep 1.5; exit 3'
startsecs=1
autorestart=false
[program:failer]
command=/bin/false
startsecs=1
startretries=1
C
supervisord -c "$work/s.conf" >/dev/null 2>&1 &
for _ in $(seq 50); do [ -S "$work/s.sock" ] && break; sleep 0.2; done
sleep 6
supervisorctl -c "$work/s.conf" stop talker >/dev/null
/usr/bin/python3 - "$work/s.sock" <<'P'
import sys, xmlrpc.client, http.client, socket
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        c = http.client.HTTPConnection("localhost")
        c.sock = socket.socket(socket.AF_UNIX); c.sock.connect(sys.argv[1]); return c
s = xmlrpc.client.ServerProxy("http://localhost", transport=T())
s.supervisor.sendRemoteCommEvent("mytype", "payload data ü")
s.supervisor.removeProcessGroup("failer")
P
sleep 2
supervisorctl -c "$work/s.conf" shutdown >/dev/null
sleep 2
mkdir -p "$here/../captures"
cp "$work/events.bin" "$here/../captures/supervisord-4.2.5.bin"
grep -c . "$work/supervisord.log" >/dev/null
echo "captured $(grep -ao "ver:3.0 " "$work/events.bin" | wc -l) events"
