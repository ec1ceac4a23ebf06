package testharness

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

// Output becomes PROCESS_LOG events when enabled, and capture mode cuts
// PROCESS_COMMUNICATION events out of it (and, as in supervisord, the
// captured text is also sent as PROCESS_LOG).
func TestOutputEventsAndCaptureMode(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessLog, listener.ProcessCommunication}, BufferSize: 100}},
		Programs: []Program{{Name: "talker", ProcessConfig: ProcessConfig{
			StdoutEvents: true, StderrEvents: true, StdoutCaptureMaxBytes: 1024}}},
	})
	talker := procOf(t, s, "talker")
	must(t, talker.Write(Stdout, []byte("before <!--XSUPERVISOR:BEG")))
	must(t, talker.Write(Stdout, []byte("IN-->comm é<!--XSUPERVISOR:END-->after\n")))
	// "after\n" is shorter than the begin token: supervisord holds it until
	// more output arrives.
	must(t, talker.Write(Stderr, []byte("err\xff\n")))
	must(t, talker.Write(Stdout, []byte("and a line long enough to flush\n")))
	var got []string
	for _, r := range s.Transcript().Filter(RecordNotified, "") {
		if r.EventName.Is(listener.ProcessLog) || r.EventName.Is(listener.ProcessCommunication) {
			got = append(got, string(r.EventName)+" "+stripPID(r.Payload))
		}
	}
	want := []string{
		"PROCESS_LOG_STDOUT processname:talker groupname:talker pid:N channel:stdout\nbefore ",
		"PROCESS_LOG_STDOUT processname:talker groupname:talker pid:N channel:stdout\ncomm é",
		"PROCESS_COMMUNICATION_STDOUT processname:talker groupname:talker pid:N\ncomm é",
		"PROCESS_LOG_STDERR processname:talker groupname:talker pid:N channel:stderr\nUndecodable: b'err\\xff\\n'",
		"PROCESS_LOG_STDOUT processname:talker groupname:talker pid:N channel:stdout\nafter\nand a line long enough to flush\n",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n%q\nwant\n%q", got, want)
	}
	log, err := os.ReadFile(s.procs["talker"].logPath(Stdout))
	must(t, err)
	if string(log) != "before after\nand a line long enough to flush\n" {
		t.Fatalf("stdout log %q: captured text goes to the capture buffer, not the log", log)
	}
	if talker.Stderr() != "err\xff\n" {
		t.Fatalf("stderr %q", talker.Stderr())
	}
}

// loggers.BoundIO drops as many leading bytes as a write adds once the
// write would overflow it, so a capture keeps more than the last maxbytes:
// supervisord keeps the last writes whole.
func TestCaptureBufferIsBoundIO(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Pools:    []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessCommunication}}},
		Programs: []Program{{Name: "p", ProcessConfig: ProcessConfig{StdoutCaptureMaxBytes: 8}}},
	})
	p := procOf(t, s, "p")
	a, b := strings.Repeat("A", 30), strings.Repeat("B", 25)
	for _, chunk := range []string{"<!--XSUPERVISOR:BEGIN-->" + a, b, "<!--XSUPERVISOR:END-->\n"} {
		must(t, p.Write(Stdout, []byte(chunk)))
	}
	var got []string
	for _, r := range s.Transcript().Filter(RecordNotified, "") {
		if r.EventName == listener.ProcessCommunicationStdout {
			got = append(got, stripPID(r.Payload))
		}
	}
	// 30 A's replace the empty buffer; 25 B's drop 25 of them.
	if want := []string{"processname:p groupname:p pid:N\n" + a[:5] + b}; !slices.Equal(got, want) {
		t.Fatalf("comm events %q, want %q", got, want)
	}
}

// Output no longer than the token being looked for waits for more: a
// lone END token does not close the capture.
func TestCaptureWaitsForMoreThanATokenLength(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Pools:    []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessCommunication}}},
		Programs: []Program{{Name: "p", ProcessConfig: ProcessConfig{StdoutCaptureMaxBytes: 100}}},
	})
	p := procOf(t, s, "p")
	must(t, p.Write(Stdout, []byte("<!--XSUPERVISOR:BEGIN-->data that is long enough")))
	must(t, p.Write(Stdout, []byte("<!--XSUPERVISOR:END-->")))
	comm := func() int {
		n := 0
		for _, r := range s.Transcript().Filter(RecordNotified, "") {
			if r.EventName.Is(listener.ProcessCommunication) {
				n++
			}
		}
		return n
	}
	if n := comm(); n != 0 {
		t.Fatalf("%d communication events before the capture could close", n)
	}
	must(t, p.Write(Stdout, []byte("\n")))
	last := s.Transcript().Filter(RecordNotified, "")
	if r := last[len(last)-1]; r.EventName != listener.ProcessCommunicationStdout || !strings.HasSuffix(r.Payload, "\ndata that is long enough") {
		t.Fatalf("last event %v", r)
	}
}

// With redirect_stderr, stderr lands in the stdout log and there is no
// stderr log, whatever backs the process.
func TestRedirectStderr(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Programs: []Program{
		{Name: "virtual", ProcessConfig: ProcessConfig{RedirectStderr: true}},
		{Name: "inproc", ProcessConfig: ProcessConfig{RedirectStderr: true, Autorestart: RestartNever,
			Run: func(_ context.Context, _ io.Reader, stdout, stderr io.Writer) error {
				if _, err := io.WriteString(stdout, "out\n"); err != nil {
					return err
				}
				_, err := io.WriteString(stderr, "err\n")
				return err
			}}},
		{Name: "real", ProcessConfig: ProcessConfig{RedirectStderr: true, Autorestart: RestartNever,
			Command: []string{"sh", "-c", "echo out; echo err >&2"}}},
	}})
	ctx := testCtx(t)
	must(t, procOf(t, s, "virtual").Write(Stderr, []byte("out\nerr\n")))
	must(t, s.WaitProcessState(ctx, "inproc", listener.StateExited))
	must(t, s.WaitProcessState(ctx, "real", listener.StateExited))
	for _, name := range []string{"virtual", "inproc", "real"} {
		info := procOf(t, s, name).Info()
		b, err := os.ReadFile(info.StdoutLogfile)
		must(t, err)
		if string(b) != "out\nerr\n" || info.StderrLogfile != "" {
			t.Errorf("%s: stdout log %q, stderr log %q", name, b, info.StderrLogfile)
		}
	}
}
