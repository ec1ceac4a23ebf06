"""Reads configurations with supervisord's own code, for the comparison in
supervisorconf's tests.

stdin: a JSON list of {"path": main file, "env": {name: value}}.
stdout: a JSON list, one object per input:
  "sections": every section's keys as supervisord's parser holds them,
              "DEFAULT" included (read even when supervisord then refuses);
  "files":    the files read, the main one first;
  "warnings": what supervisord would log as warnings;
  "error":    supervisord's message when it refuses to start, else null;
  and when it starts: "supervisord", "groups", "servers", "serverurl",
  "rpcinterfaces": what it made of them.
"""
import json
import os
import sys

import supervisor.datatypes as datatypes
import supervisor.options as options
from supervisor.loggers import LevelsByDescription

Base = options.UnhosedConfigParser


class Capturing(Base):
    last = None

    def __init__(self, *args, **kwargs):
        Base.__init__(self, *args, **kwargs)
        Capturing.last = self
        self.files = []

    def read(self, filenames, **kwargs):
        ok = Base.read(self, filenames, **kwargs)
        self.files.extend(ok)
        return ok


options.UnhosedConfigParser = Capturing


class Refused(Exception):
    pass


def logfile(v):
    if v is datatypes.Automatic:
        return "AUTO"
    if v is None:
        return "NONE"
    return v


def autorestart(v):
    if v is datatypes.RestartUnconditionally:
        return "true"
    if v is datatypes.RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


LEVELS = {getattr(LevelsByDescription, k): k for k in dir(LevelsByDescription) if not k.startswith("_")}


def process(p):
    out = {
        "name": p.name, "command": p.command, "directory": p.directory or "",
        "umask": -1 if p.umask is None else p.umask, "priority": p.priority,
        "autostart": p.autostart, "autorestart": autorestart(p.autorestart),
        "startsecs": p.startsecs, "startretries": p.startretries,
        "uid": -1 if p.uid is None else p.uid,
        "stopsignal": int(p.stopsignal), "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": p.stopasgroup, "killasgroup": p.killasgroup,
        "exitcodes": p.exitcodes, "redirect_stderr": p.redirect_stderr,
        "environment": ["%s=%s" % kv for kv in (p.environment or {}).items()],
        "serverurl": p.serverurl or "",
    }
    for s in ("stdout", "stderr"):
        out[s] = {
            "file": logfile(getattr(p, s + "_logfile")),
            "maxbytes": getattr(p, s + "_logfile_maxbytes"),
            "backups": getattr(p, s + "_logfile_backups"),
            "syslog": getattr(p, s + "_syslog"),
            "capture_maxbytes": getattr(p, s + "_capture_maxbytes"),
            "events_enabled": getattr(p, s + "_events_enabled"),
        }
    return out


def group(g):
    out = {"name": g.name, "priority": g.priority, "type": type(g).__name__,
           "processes": [process(p) for p in g.process_configs]}
    if isinstance(g, options.EventListenerPoolConfig):
        from supervisor.events import getEventNameByType
        out["buffer_size"] = g.buffer_size
        out["events"] = sorted(getEventNameByType(e) for e in g.pool_events)
        out["result_handler"] = "%s:%s" % (g.result_handler.__module__, g.result_handler.__name__)
    return out


def read(path, env):
    os.environ.clear()
    os.environ.update(env)
    opts = options.ServerOptions()

    def usage(msg):
        raise Refused(str(msg))

    opts.usage = usage
    Capturing.last = None
    result = {"error": None}
    try:
        opts.realize(args=["-c", path])
    except Refused as e:
        result["error"] = str(e)
    parser = Capturing.last
    if parser is not None:
        sections = {"DEFAULT": dict(parser._defaults)}
        for name in parser.sections():
            sections[name] = dict(parser._sections[name])
        result["sections"] = sections
        result["files"] = [os.path.abspath(path)] + parser.files
    result["warnings"] = opts.parse_warnings
    if result["error"] is not None:
        return result
    sv = opts.configroot.supervisord
    result["supervisord"] = {
        "logfile": sv.logfile, "logfile_maxbytes": sv.logfile_maxbytes, "logfile_backups": sv.logfile_backups,
        "loglevel": LEVELS[sv.loglevel], "pidfile": sv.pidfile, "umask": sv.umask, "nodaemon": bool(sv.nodaemon),
        "silent": bool(sv.silent), "minfds": sv.minfds, "minprocs": sv.minprocs, "nocleanup": bool(sv.nocleanup),
        "childlogdir": sv.childlogdir, "user": sv.user or "", "uid": -1 if opts.uid is None else opts.uid,
        "directory": sv.directory or "", "strip_ansi": bool(sv.strip_ansi), "identifier": sv.identifier,
        "environment": ["%s=%s" % kv for kv in sv.environment.items()],
    }
    result["groups"] = [group(g) for g in opts.process_group_configs]
    result["servers"] = [{
        "section": c["section"], "family": "unix" if c["family"] == options.socket.AF_UNIX else "inet",
        "host": c.get("host", ""), "port": c.get("port", 0), "file": c.get("file", ""),
        "username": c["username"] or "", "password": c["password"] or "",
        "chmod": c.get("chmod", 0), "chown": list(c.get("chown", (-1, -1))),
    } for c in sv.server_configs]
    result["serverurl"] = opts.serverurl or ""
    result["rpcinterfaces"] = [{"name": n, "factory": "%s:%s" % (f.__module__, f.__name__), "extras": sorted(x.items())}
                               for n, f, x in sv.rpcinterface_factories]
    return result


cases = json.load(sys.stdin)
json.dump([read(c["path"], c["env"]) for c in cases], sys.stdout, indent=1, sort_keys=True)
