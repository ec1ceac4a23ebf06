package supervisorconf

// dialectCases are the tricky inputs TestMatchesSupervisord reads with
// both parsers. In the archives, a line ending in <CRLF> or <CR> ends
// with that instead of \n.
var dialectCases = []dialectCase{
	{name: "indented key after a section header", files: `
-- supervisord.conf --
[supervisord]
[program:web]
  command=/bin/web
    --continued
  autostart = false
startsecs=3
`},
	{name: "comments", files: `
-- supervisord.conf --
; a comment before everything
# and another
[supervisord]
identifier = lab ; inline after ;
logfile=%(here)s/log	# inline after a tab and #
[program:web]
command = /bin/web --flag=1;2  ; ; without white space before it is text
url = http://example.com/#frag
rounds = a;b ;c #d
hash = a#b # c
quoted = "a b"
backtick = ` + "`date`" + ` more
triple = """not a quote
empty =
colon: a=b:c
    ;indented comment line
trailing = backslash \
next = after
`},
	{name: "continuation lines, blank lines and comments inside them", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command=/bin/web
environment = A="x;y",
   B=2,  ; inline comment in a continuation
  ; comment line inside the value
   C=3,

   D=4


startsecs = 7
events = a,
	b
[  spaced  ]
k=v
`},
	{name: "CRLF line endings", files: "-- supervisord.conf --\n[supervisord]<CRLF>\n[program:web]<CRLF>\ncommand = /bin/web<CRLF>\nenvironment = A=1,<CRLF>\n  B=2<CRLF>\n"},
	{name: "CR line endings", files: "-- supervisord.conf --\n[supervisord]<CR>\n[program:web]<CR>\ncommand = /bin/web  ; c<CR>\n"},
	{name: "percent escapes and environment expansions", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command=/bin/web --load 100%% --x %(ENV_GOLANCE_X)s --here %(here)s --%(program_name)s-%(group_name)s-%(host_node_name)s
directory=%(ENV_GOLANCE_DIR)s
stdout_logfile=%(here)s/%(program_name)s-%(process_num)d.log
priority=%(ENV_GOLANCE_N)s
`, env: map[string]string{"GOLANCE_N": "42"}},
	{name: "an unknown expansion", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command=/bin/web %(nosuch)s
`},
	{name: "a lone percent sign", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command=/bin/web --load 100%
`},
	{name: "a conversion without a name", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command=/bin/web 50%d
`},
	{name: "include: relative and absolute globs, one matching nothing, hidden files, here per file", files: `
-- supervisord.conf --
[supervisord]
logfile = %(here)s/supervisord.log
[include]
files = conf.d/*.conf none/*.conf
  %(here)s/extra/[a-m]*.ini
[program:main]
command = %(here)s/main
-- conf.d/10-a.conf --
[program:a]
command = %(here)s/a
[include]
files = never/*.conf
-- conf.d/20-b.conf --
[program:b]
command = /bin/b
directory = %(here)s
-- conf.d/.hidden.conf --
[program:hidden]
command = /bin/hidden
-- conf.d/notconf.txt --
[program:txt]
command = /bin/txt
-- extra/one.ini --
[program:one]
command = %(here)s/one
-- extra/zed.ini --
[program:zed]
command = /bin/zed
`},
	{name: "include without files", files: `
-- supervisord.conf --
[supervisord]
[include]
other = x
`},
	{name: "include with a bad expansion", files: `
-- supervisord.conf --
[supervisord]
[include]
files = %(program_name)s/*.conf
`},
	{name: "here with and without include: %%(here)s", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web %%(here)s
`},
	{name: "here replaced before expansion when there is an include", files: `
-- supervisord.conf --
[supervisord]
[include]
files = nothing/*
[program:web]
command = /bin/web %%(here)s
`},
	{name: "numprocs with process_name", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web --port=80%(process_num)02d
process_name = %(program_name)s_%(process_num)d
numprocs = 11
numprocs_start = 1
environment = PORT="80%(process_num)02d",NAME=%(process_num)s
`},
	{name: "numprocs without process_num in process_name", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web
numprocs = 2
`},
	{name: "environment seen by the next process", files: `
-- supervisord.conf --
[supervisord]
environment = GLOBAL=g,B="x, y"
[program:web]
command = /bin/web %(ENV_CHAIN)s %(ENV_GLOBAL)s
process_name = web%(process_num)d
numprocs = 3
environment = CHAIN="%(ENV_CHAIN)s-%(process_num)d"
`, env: map[string]string{"CHAIN": "start"}},
	{name: "environment without a previous value", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web
process_name = web%(process_num)d
numprocs = 2
environment = ONLYHERE="%(ENV_ONLYHERE)s-x"
`},
	{name: "environment pitfalls: é and ; in values", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web
environment = B="caf\u00e9",C=1;D=2,E='single' ,F=/a/b:c.d+e-f(g),A=café
`},
	{name: "environment with a character shlex splits off", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web
environment = A=x$y
`},
	{name: "environment with an unclosed quote", files: `
-- supervisord.conf --
[supervisord]
[program:web]
command = /bin/web
environment = A="x
`},
	{name: "booleans in every spelling", files: `
-- supervisord.conf --
[supervisord]
nodaemon = YES
[program:a]
command = /bin/a
autostart = off
stopasgroup = On
redirect_stderr = 1
stdout_events_enabled = TRUE
stderr_events_enabled = no
stdout_syslog = 0
[program:b]
command = /bin/b
autostart = False
autorestart = true
[program:c]
command = /bin/c
autorestart = UNEXPECTED
killasgroup = yes
`},
	{name: "an invalid boolean", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
autostart = maybe
`},
	{name: "an invalid autorestart", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
autorestart = sometimes
`},
	{name: "byte sizes", files: `
-- supervisord.conf --
[supervisord]
logfile_maxbytes = 1GB
[program:a]
command = /bin/a
stdout_logfile_maxbytes = 1KB
stderr_logfile_maxbytes = 50mb
stdout_capture_maxbytes = 1024
stderr_capture_maxbytes = 0
`},
	{name: "a byte size with a B suffix", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stdout_logfile_maxbytes = 5B
`},
	{name: "a fractional byte size", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stdout_logfile_maxbytes = 1.5MB
`},
	{name: "signal names and numbers", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stopsignal = sigterm
[program:b]
command = /bin/b
stopsignal = INT
[program:c]
command = /bin/c
stopsignal = 9
[program:d]
command = /bin/d
stopsignal = usr1
[program:e]
command = /bin/e
stopsignal = _IGN
[program:f]
command = /bin/f
stopsignal = RTMIN
`},
	{name: "an unknown signal", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stopsignal = BOGUS
`},
	{name: "a signal number out of range", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stopsignal = 40
`},
	{name: "numbers as Python's int() reads them", files: `
-- supervisord.conf --
[supervisord]
minfds = 1_024
[program:a]
command = /bin/a
startsecs = +5
startretries = 007
priority = -3
stopwaitsecs = ٣
exitcodes = 0, 2 ,255
umask = 0o27
`},
	{name: "an exit code out of range", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
exitcodes = 0,256
`},
	{name: "an empty exitcodes", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
exitcodes =
`},
	{name: "duplicate sections and keys, key case", files: `
-- supervisord.conf --
[supervisord]
[program:Web]
Command = /bin/first
StartSecs = 2
[program:web]
command = /bin/lower
[program:Web]
command = /bin/second
priority = 5
`},
	{name: "DEFAULT", files: `
-- supervisord.conf --
[DEFAULT]
startsecs = 9
shared = %(here)s/x
[supervisord]
[program:a]
command = /bin/a
[program:b]
command = /bin/b
startsecs = 1
`},
	{name: "DEFAULT and here with an include", files: `
-- supervisord.conf --
[DEFAULT]
directory = %(here)s
[supervisord]
[include]
files = sub/*.conf
[program:a]
command = /bin/a
-- sub/b.conf --
[program:b]
command = /bin/b
`},
	{name: "groups, priorities and order", files: `
-- supervisord.conf --
[supervisord]
[group:g]
programs = b, a
priority = 10
[program:a]
command = /bin/a %(group_name)s
priority = 300
[program:b]
command = /bin/b %(group_name)s
[program:c]
command = /bin/c
priority = 5
[program:d]
command = /bin/d
priority = 5
[eventlistener:mail]
command = /bin/crashmail -a
events = PROCESS_STATE_EXITED,tick_60 , PROCESS_STATE_EXITED
buffer_size = 50
`},
	{name: "a group naming an unknown program", files: `
-- supervisord.conf --
[supervisord]
[group:g]
programs = a,nosuch
[program:a]
command = /bin/a
`},
	{name: "an event listener without events", files: `
-- supervisord.conf --
[supervisord]
[eventlistener:l]
command = /bin/l
`},
	{name: "an event listener with a trailing comma", files: `
-- supervisord.conf --
[supervisord]
[eventlistener:l]
command = /bin/l
events = PROCESS_STATE,
`},
	{name: "an event listener with buffer_size 0", files: `
-- supervisord.conf --
[supervisord]
[eventlistener:l]
command = /bin/l
events = TICK_5
buffer_size = 0
`},
	{name: "an event listener with redirect_stderr", files: `
-- supervisord.conf --
[supervisord]
[eventlistener:l]
command = /bin/l
events = TICK_5
redirect_stderr = true
`},
	{name: "a program without a command", files: `
-- supervisord.conf --
[supervisord]
[program:a]
autostart = true
`},
	{name: "stopasgroup without killasgroup", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stopasgroup = true
killasgroup = false
`},
	{name: "a name with a space", files: `
-- supervisord.conf --
[supervisord]
[program:my web]
command = /bin/a
`},
	{name: "servers, URL and credentials", files: `
-- supervisord.conf --
[supervisord]
[inet_http_server]
port = *:9001
username = user
password = {SHA}abc
[unix_http_server]
file = %(here)s/run/../supervisor.sock
chmod = 0770
username = admin
password = s3cret
[supervisorctl]
serverurl = unix://%(here)s/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
extra = %(ENV_GOLANCE_X)s
`},
	{name: "an inet server only", files: `
-- supervisord.conf --
[supervisord]
[inet_http_server]
port = 127.0.0.1:9002
`},
	{name: "incomplete authentication", files: `
-- supervisord.conf --
[supervisord]
[unix_http_server]
file = /tmp/x.sock
username = admin
`},
	{name: "an inet server without a port", files: `
-- supervisord.conf --
[supervisord]
[inet_http_server]
username = a
password = b
`},
	{name: "an rpcinterface without a factory", files: `
-- supervisord.conf --
[supervisord]
[rpcinterface:x]
foo = bar
`},
	{name: "no supervisord section", files: `
-- supervisord.conf --
[program:a]
command = /bin/a
`},
	{name: "a key before any section", files: `
-- supervisord.conf --
key = value
[supervisord]
`},
	{name: "a line that is not key = value", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
just words
`},
	{name: "a key without a name", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
= value
`},
	{name: "a byte order mark", files: "-- supervisord.conf --\n\ufeff[supervisord]\n"},
	{name: "log files: double expansion, NONE, syslog, a missing directory", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stdout_logfile = %(here)s/%%(program_name)s.log
stderr_logfile = none
[program:b]
command = /bin/b
stdout_logfile = syslog
stdout_logfile_maxbytes = 0
redirect_stderr = true
stderr_logfile = /tmp/ignored.log
`},
	{name: "a log file in a directory that does not exist", files: `
-- supervisord.conf --
[supervisord]
[program:a]
command = /bin/a
stdout_logfile = /nonexistent/dir/a.log
`},
	{name: "supervisord settings", files: `
-- supervisord.conf --
[supervisord]
logfile = ~/supervisord.log
loglevel = DEBUG
pidfile = %(here)s/s.pid
umask = 077
childlogdir = %(here)s
directory = %(here)s
identifier = %(ENV_GOLANCE_X)s-id
minprocs = 300
strip_ansi = true
silent = true
nocleanup = true
environment = A=1,B="two words"
[program:a]
command = /bin/a %(ENV_A)s %(ENV_B)s
environment = B=own
`},
	{name: "a bad log level", files: `
-- supervisord.conf --
[supervisord]
loglevel = loud
`},
	{name: "host_node_name is not offered in supervisord", files: `
-- supervisord.conf --
[supervisord]
identifier = %(host_node_name)s
`},
	{name: "serverurl and its AUTO", files: `
-- supervisord.conf --
[supervisord]
[unix_http_server]
file = /tmp/golance-test.sock
[program:a]
command = /bin/a
serverurl = auto
[program:b]
command = /bin/b
serverurl = http://elsewhere:9001
`},
	{name: "section headers: the last bracket, text after it", files: `
-- supervisord.conf --
[supervisord] ; comment
[program:a]b] trailing
command = /bin/a
[]]
k = v
`},
	{name: "an empty section header", files: `
-- supervisord.conf --
[supervisord]
[]
k = v
`},
}
