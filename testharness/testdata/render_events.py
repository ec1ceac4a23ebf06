"""Render events with supervisord's own classes, for event_test.go.

Reads a JSON list of cases on stdin and writes a JSON list of
{"name": eventname, "payload": ..., "envelope": ...} to stdout. Each case
names a kind and its arguments; objects supervisord would pass (processes,
groups, pools) are stand-ins carrying just the attributes the payload and
envelope code read.
"""
import json
import sys
from types import SimpleNamespace as NS

from supervisor import events
from supervisor.process import EventListenerPool
from supervisor.states import ProcessStates


def process(name, group, pid=0, backoff=0):
    return NS(config=NS(name=name), group=NS(config=NS(name=group)), pid=pid, backoff=backoff)


def build(case):
    kind = case["kind"]
    if kind == "state":
        proc = process(case["process"], case["group"], case.get("pid", 0), case.get("tries", 0))
        cls = getattr(events, "ProcessState%sEvent" % case["to"].capitalize())
        return cls(proc, getattr(ProcessStates, case["from"]), case.get("expected", True))
    if kind == "log":
        cls = events.ProcessLogStdoutEvent if case["channel"] == "stdout" else events.ProcessLogStderrEvent
        return cls(process(case["process"], case["group"]), case["pid"], bytes.fromhex(case["data"]))
    if kind == "comm":
        cls = events.ProcessCommunicationStdoutEvent if case["channel"] == "stdout" else events.ProcessCommunicationStderrEvent
        return cls(process(case["process"], case["group"]), case["pid"], bytes.fromhex(case["data"]))
    if kind == "remote":
        return events.RemoteCommunicationEvent(case["type"], case["data"])
    if kind == "tick":
        cls = {5: events.Tick5Event, 60: events.Tick60Event, 3600: events.Tick3600Event}[case["period"]]
        return cls(case["when"], None)
    if kind == "group_added":
        return events.ProcessGroupAddedEvent(case["group"])
    if kind == "group_removed":
        return events.ProcessGroupRemovedEvent(case["group"])
    if kind == "running":
        return events.SupervisorRunningEvent()
    if kind == "stopping":
        return events.SupervisorStoppingEvent()
    raise ValueError(kind)


out = []
for case in json.load(sys.stdin):
    ev = build(case)
    pool = NS(config=NS(name=case["pool"], options=NS(identifier=case["server"])))
    payload = ev.payload()
    envelope = EventListenerPool._eventEnvelope(pool, type(ev), case["serial"], case["poolserial"], payload)
    out.append({
        "name": events.getEventNameByType(type(ev)),
        "payload": payload,
        "envelope": envelope.encode("utf-8").hex(),
    })
json.dump(out, sys.stdout)
