"""crashnotify: mails ops when a program exits unexpectedly.

A supervisord event listener written the way superlance's plugins are,
on supervisor.childutils.
"""
import os
import subprocess
import sys

from supervisor import childutils

RECIPIENT = os.environ.get('CRASHNOTIFY_TO', 'ops@example.com')


def notify(rpc, name):
    # The work comes before the answer: if the mail cannot go, the event
    # is rejected and supervisord sends it again.
    info = rpc.supervisor.getProcessInfo(name)
    body = 'To: %s\nSubject: %s crashed\n\n%s exited unexpectedly: %s\n' % (
        RECIPIENT, name, name, info['spawnerr'] or info['description'])
    subprocess.run(['sendmail', '-t', '-i'], input=body.encode(), check=True)
    sys.stderr.write('mailed %s about %s\n' % (RECIPIENT, name))
    sys.stderr.flush()


def main():
    rpc = childutils.getRPCInterface(os.environ)
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        fields, _ = childutils.eventdata(payload + '\n')
        if headers['eventname'] == 'PROCESS_STATE_EXITED' and fields['expected'] == '0':
            try:
                notify(rpc, fields['processname'])
            except Exception as e:
                sys.stderr.write('cannot mail about %s: %s\n' % (fields['processname'], e))
                sys.stderr.flush()
                childutils.listener.fail(sys.stdout)
                continue
        childutils.listener.ok(sys.stdout)


if __name__ == '__main__':
    main()
