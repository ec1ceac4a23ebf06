#!/usr/bin/env bash
# capture.sh records supervisord's real XML-RPC responses (status line,
# headers and body, exactly as curl -i prints them) into testdata/captured/.
# The unit tests replay these files, so they must come from a real
# supervisord; rerun this script after upgrading supervisord and review the
# diff. Usage: testdata/capture.sh [supervisord binary]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/captured
bin=${1:-supervisord}
dir=$(mktemp -d /tmp/rpccap.XXXXXX)
sock=$dir/s.sock
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$out"
printf 'not executable\n' >"$dir/notexec"

cat >"$dir/supervisord.conf" <<CONF
[supervisord]
nodaemon=true
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
loglevel=debug
identifier=capture

[unix_http_server]
file=%(here)s/s.sock

[inet_http_server]
port=127.0.0.1:$port
username=user
password=secret

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/s.sock

[program:cat]
command=cat
startsecs=0

[program:talker]
command=sh -c 'echo "out line"; echo "err line" >&2; exec sleep 1000'
startsecs=0

[program:esc]
command=printf 'plain \033[31mred\033[0m bell\007 cr\r\nend\n'
startsecs=0
autorestart=false

[program:binary]
command=printf 'bad \377\376 utf8\n'
startsecs=0
autorestart=false

[program:sleeper]
command=sleep 1000
autostart=false
startsecs=0

[program:web]
command=sleep 1000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
autostart=false
startsecs=0

[program:quick]
command=/bin/false
autostart=false
startsecs=1
startretries=0

[program:slowstart]
command=sleep 1000
autostart=false
startsecs=30

[program:nofile]
command=/nonexistent/program
autostart=false
user=root
directory=/tmp
serverurl=http://127.0.0.1:9001
exitcodes=0,2
stopsignal=INT

[program:noexec]
command=%(here)s/notexec
autostart=false

[program:nolog]
command=sleep 1000
autostart=false
stdout_logfile=NONE

[program:mixok]
command=sleep 1000
autostart=false
startsecs=0

[program:mixbad]
command=/nonexistent/program
autostart=false

[group:mixed]
programs=mixok,mixbad

[program:stubborn]
command=sh -c 'trap "" TERM; exec sleep 1000'
startsecs=0
stopwaitsecs=3
CONF

"$bin" -n -c "$dir/supervisord.conf" >"$dir/stdout.txt" 2>&1 &
svpid=$!
# On failure, TERM lets supervisord stop its children before it exits.
trap 'kill -TERM $svpid 2>/dev/null && wait $svpid; true' EXIT

s() { printf '<param><value><string>%s</string></value></param>' "$1"; }
i() { printf '<param><value><int>%s</int></value></param>' "$1"; }
b() { printf '<param><value><boolean>%s</boolean></value></param>' "$1"; }
body() { printf '<?xml version="1.0"?>\n<methodCall><methodName>%s</methodName><params>%s</params></methodCall>' "$1" "${2:-}"; }
# raw METHOD PARAMS: prints the response body only, for polling.
raw() { curl -s --unix-socket "$sock" -H 'Content-Type: text/xml' --data-binary "$(body "$1" "${2:-}")" http://localhost/RPC2; }
# call NAME METHOD [PARAMS]: records one response.
call() { curl -si --unix-socket "$sock" -H 'Content-Type: text/xml' --data-binary "$(body "$2" "${3:-}")" http://localhost/RPC2 >"$out/$1.http"; }
statename() { raw supervisor.getProcessInfo "$(s "$1")" | grep -A1 '<name>statename</name>' | sed -n 's:.*<string>\(.*\)</string>.*:\1:p'; }
until_state() { for _ in $(seq 500); do [ "$(statename "$1")" = "$2" ] && return 0; sleep 0.02; done; echo "timeout waiting for $1 $2" >&2; exit 1; }
until_running() { for _ in $(seq 500); do raw supervisor.getState 2>/dev/null | grep -q RUNNING && return 0; sleep 0.02; done; echo "supervisord did not start" >&2; exit 1; }

until_running
until_state talker RUNNING
until_state esc EXITED
until_state binary EXITED

call getState supervisor.getState
call getIdentification supervisor.getIdentification
call getSupervisorVersion supervisor.getSupervisorVersion
call getAPIVersion supervisor.getAPIVersion
call getPID supervisor.getPID
call getProcessInfo_running supervisor.getProcessInfo "$(s cat)"
call getProcessInfo_notstarted supervisor.getProcessInfo "$(s sleeper)"
call getProcessInfo_exited supervisor.getProcessInfo "$(s esc)"
call getAllConfigInfo supervisor.getAllConfigInfo

call startProcess supervisor.startProcess "$(s sleeper)$(b 1)"
call fault_ALREADY_STARTED supervisor.startProcess "$(s sleeper)$(b 1)"
call stopProcess supervisor.stopProcess "$(s sleeper)$(b 1)"
call fault_NOT_RUNNING supervisor.stopProcess "$(s sleeper)$(b 1)"
call getProcessInfo_stopped supervisor.getProcessInfo "$(s sleeper)"
call startProcess_nowait supervisor.startProcess "$(s sleeper)$(b 0)"
call stopProcess_nowait supervisor.stopProcess "$(s sleeper)$(b 0)"
until_state sleeper STOPPED

call startProcessGroup supervisor.startProcessGroup "$(s web)$(b 1)"
call signalProcessGroup supervisor.signalProcessGroup "$(s web)$(s CONT)"
call stopProcessGroup supervisor.stopProcessGroup "$(s web)$(b 1)"
call startProcessGroup_mixed supervisor.startProcessGroup "$(s mixed)$(b 1)"
call signalProcessGroup_badsignal supervisor.signalProcessGroup "$(s mixed)$(s NOPE)"
call stopProcessGroup_mixed supervisor.stopProcessGroup "$(s mixed)$(b 1)"
call startProcess_groupstar supervisor.startProcess "$(s "mixed:*")$(b 1)"
call stopProcess_groupstar supervisor.stopProcess "$(s "mixed:*")$(b 1)"
call signalProcess supervisor.signalProcess "$(s cat)$(s CONT)"
call fault_BAD_SIGNAL supervisor.signalProcess "$(s cat)$(s NOPE)"
call fault_NOT_RUNNING_signal supervisor.signalProcess "$(s sleeper)$(s HUP)"
call fault_BAD_NAME supervisor.startProcess "$(s nope)$(b 1)"
call fault_NO_FILE supervisor.startProcess "$(s nofile)$(b 1)"
call fault_NOT_EXECUTABLE supervisor.startProcess "$(s noexec)$(b 1)"
call fault_SPAWN_ERROR supervisor.startProcess "$(s quick)$(b 1)"
until_state quick FATAL
call getProcessInfo_fatal supervisor.getProcessInfo "$(s quick)"
call getAllProcessInfo supervisor.getAllProcessInfo

# ABNORMAL_TERMINATION: stop a process while a waiting start holds on it.
curl -si --unix-socket "$sock" -H 'Content-Type: text/xml' \
	--data-binary "$(body supervisor.startProcess "$(s slowstart)$(b 1)")" \
	http://localhost/RPC2 >"$out/fault_ABNORMAL_TERMINATION.http" &
waiter=$!
until_state slowstart STARTING
raw supervisor.stopProcess "$(s slowstart)$(b 0)" >/dev/null
wait $waiter

call tailProcessStdoutLog supervisor.tailProcessStdoutLog "$(s talker)$(i 0)$(i 100)"
call tailProcessStdoutLog_overflow supervisor.tailProcessStdoutLog "$(s talker)$(i 0)$(i 3)"
call tailProcessStderrLog supervisor.tailProcessStderrLog "$(s talker)$(i 0)$(i 100)"
call tailProcessStdoutLog_empty supervisor.tailProcessStdoutLog "$(s talker)$(i 9)$(i 100)"
call tailProcessStdoutLog_control supervisor.tailProcessStdoutLog "$(s esc)$(i 0)$(i 1000)"
call readProcessStdoutLog supervisor.readProcessStdoutLog "$(s talker)$(i 0)$(i 0)"
call readProcessStderrLog supervisor.readProcessStderrLog "$(s talker)$(i 0)$(i 0)"
call readProcessStdoutLog_control supervisor.readProcessStdoutLog "$(s esc)$(i 0)$(i 0)"
call readProcessStdoutLog_invalid_utf8 supervisor.readProcessStdoutLog "$(s binary)$(i 0)$(i 0)"
call fault_NO_FILE_log supervisor.readProcessStdoutLog "$(s nolog)$(i 0)$(i 0)"
call readLog supervisor.readLog "$(i 0)$(i 60)"
call fault_BAD_ARGUMENTS supervisor.readLog "$(i -1)$(i 5)"

call sendProcessStdin supervisor.sendProcessStdin "$(s cat)$(s 'hello é')"
call fault_NOT_RUNNING_stdin supervisor.sendProcessStdin "$(s sleeper)$(s x)"
call sendRemoteCommEvent supervisor.sendRemoteCommEvent "$(s mytype)$(s 'payload ü')"
call clearProcessLogs supervisor.clearProcessLogs "$(s talker)"

call listMethods system.listMethods
call methodHelp system.methodHelp "$(s supervisor.getState)"
call methodSignature system.methodSignature "$(s supervisor.getProcessInfo)"
call fault_SIGNATURE_UNSUPPORTED system.methodHelp "$(s supervisor.nope)"
call fault_UNKNOWN_METHOD supervisor.nope
call fault_INCORRECT_PARAMETERS supervisor.getProcessInfo
call fault_ALREADY_ADDED supervisor.addProcessGroup "$(s cat)"
call fault_STILL_RUNNING supervisor.removeProcessGroup "$(s cat)"

mc() { printf '<value><struct><member><name>methodName</name><value><string>%s</string></value></member><member><name>params</name><value><array><data>%s</data></array></value></member></struct></value>' "$1" "${2:-}"; }
v() { printf '<value><%s>%s</%s></value>' "$1" "$2" "$1"; }
call multicall system.multicall "<param><value><array><data>$(mc supervisor.getPID)$(mc supervisor.getProcessInfo "$(v string nope)")$(mc supervisor.getState)$(mc supervisor.readLog "$(v string abc)$(v int 0)")$(mc system.multicall)$(mc supervisor.startProcess "$(v string sleeper)$(v boolean 1)")$(mc supervisor.stopProcess "$(v string sleeper)$(v boolean 1)")</data></array></value></param>"

call multicall_control system.multicall "<param><value><array><data>$(mc supervisor.tailProcessStdoutLog "$(v string esc)$(v int 0)$(v int 1000)")$(mc supervisor.getProcessInfo "$(v string esc)")$(mc supervisor.getAllConfigInfo)</data></array></value></param>"

printf '\n[program:added]\ncommand=sleep 1000\nautostart=false\n' >>"$dir/supervisord.conf"
call reloadConfig supervisor.reloadConfig
cp "$dir/supervisord.conf" "$dir/good.conf"
printf '\n[program:broken]\n' >>"$dir/supervisord.conf"
call fault_CANT_REREAD supervisor.reloadConfig
cp "$dir/good.conf" "$dir/supervisord.conf"

curl -si --unix-socket "$sock" http://localhost/RPC2 >"$out/http_400_get.http"
curl -si --unix-socket "$sock" -H 'Content-Type: text/xml' --data-binary 'this is not xml' http://localhost/RPC2 >"$out/http_400_garbage.http"
curl -si -H 'Content-Type: text/xml' --data-binary "$(body supervisor.getState)" "http://127.0.0.1:$port/RPC2" >"$out/http_401_nocreds.http"
curl -si -u user:wrong -H 'Content-Type: text/xml' --data-binary "$(body supervisor.getState)" "http://127.0.0.1:$port/RPC2" >"$out/http_401_badcreds.http"
curl -si -u user:secret -H 'Content-Type: text/xml' --data-binary "$(body supervisor.getState)" "http://127.0.0.1:$port/RPC2" >"$out/getState_inet.http"

call restart supervisor.restart
sleep 0.2
until_running
until_state stubborn RUNNING
call shutdown supervisor.shutdown
call fault_SHUTDOWN_STATE supervisor.getState
wait $svpid || true
# Response dates and PIDs vary between runs; everything else is stable.
echo "captured $(ls "$out" | wc -l) responses into $out" >&2
rm -rf "$dir"
