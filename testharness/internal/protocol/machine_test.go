package protocol

import (
	"slices"
	"strings"
	"testing"
)

// sendMark in a script stands for the pool writing an event to the
// listener; everything else is bytes the listener writes.
const sendMark = "<send>"

type protoOutcome struct {
	states  []State  // every state changed to, in order
	results []string // every judged body
	rejects int      // events handed back for rebuffering
	done    int      // events processed
	badLine []string
	crashed bool
}

func runProtocol(t *testing.T, script []string) (protoOutcome, *Machine) {
	t.Helper()
	m := New()
	var out protoOutcome
	apply := func(acts []Action) {
		for _, a := range acts {
			switch a.Kind {
			case Changed:
				out.states = append(out.states, a.To)
			case Judged:
				out.results = append(out.results, string(a.Body))
			case Reject:
				out.rejects++
			case Done:
				out.done++
			case BadLine:
				out.badLine = append(out.badLine, string(a.Body))
			case Crash:
				out.crashed = true
			}
		}
	}
	for _, step := range script {
		if step == sendMark {
			if m.State() != Ready {
				t.Fatalf("script sends an event while the listener is %s", m.State())
			}
			apply([]Action{m.Sent()})
			continue
		}
		apply(m.Feed([]byte(step), DefaultJudge))
	}
	return out, m
}

const (
	A = Acknowledged
	R = Ready
	B = Busy
	U = Unknown
)

func TestMachine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script []string
		want   protoOutcome
		final  State
	}{
		{
			name:   "ready then ok",
			script: []string{"READY\n", sendMark, "RESULT 2\nOK"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"OK"}, done: 1},
			final:  A,
		},
		{
			name:   "READY split across writes waits for six bytes",
			script: []string{"REA", "DY", "\n"},
			want:   protoOutcome{states: []State{R}},
			final:  R,
		},
		{
			name:   "one byte at a time through a whole exchange",
			script: append(append(strings.Split("READY\n", ""), sendMark), strings.Split("RESULT 2\nOKREADY\n", "")...),
			want:   protoOutcome{states: []State{R, B, A, R}, results: []string{"OK"}, done: 1},
			final:  R,
		},
		{
			name:   "RESULT with CRLF parses because int() strips \\r",
			script: []string{"READY\n", sendMark, "RESULT 2\r\nOK"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"OK"}, done: 1},
			final:  A,
		},
		{
			name:   "the RESULT prefix is never checked",
			script: []string{"READY\n", sendMark, "XXXXXXX2\nOK"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"OK"}, done: 1},
			final:  A,
		},
		{
			name:   "underscores and signs follow Python int()",
			script: []string{"READY\n", sendMark, "RESULT +0_2 \nOK"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"OK"}, done: 1},
			final:  A,
		},
		{
			name:   "a double underscore is a bad result line",
			script: []string{"READY\n", sendMark, "RESULT 0__2\nOK"},
			want:   protoOutcome{states: []State{R, B, U}, badLine: []string{"RESULT 0__2"}, rejects: 1},
			final:  U,
		},
		{
			name:   "hello is a bad result line: UNKNOWN and the event rejected",
			script: []string{"READY\n", sendMark, "hello\n"},
			want:   protoOutcome{states: []State{R, B, U}, badLine: []string{"hello"}, rejects: 1},
			final:  U,
		},
		{
			name:   "a line shorter than the prefix is a bad result line",
			script: []string{"READY\n", sendMark, "OK\n"},
			want:   protoOutcome{states: []State{R, B, U}, badLine: []string{"OK"}, rejects: 1},
			final:  U,
		},
		{
			name:   "RESULT 0 alone stalls in BUSY",
			script: []string{"READY\n", sendMark, "RESULT 0\n"},
			want:   protoOutcome{states: []State{R, B}},
			final:  B,
		},
		{
			name:   "RESULT 0 is judged when more output arrives: empty body rejected, then READY",
			script: []string{"READY\n", sendMark, "RESULT 0\n", "READY\n"},
			want:   protoOutcome{states: []State{R, B, A, R}, results: []string{""}, rejects: 1},
			final:  R,
		},
		{
			name:   "OKREADY in one write is legal",
			script: []string{"READY\n", sendMark, "RESULT 2\nOKREADY\n"},
			want:   protoOutcome{states: []State{R, B, A, R}, results: []string{"OK"}, done: 1},
			final:  R,
		},
		{
			name:   "the echo newline bug: OK\\n then READY\\n goes UNKNOWN",
			script: []string{"READY\n", sendMark, "RESULT 2\nOK\n", "READY\n"},
			want:   protoOutcome{states: []State{R, B, A, U}, results: []string{"OK"}, done: 1},
			final:  U,
		},
		{
			name:   "the body counts bytes: two bytes of é is a complete body, then it is not OK",
			script: []string{"READY\n", sendMark, "RESULT 2\né"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"é"}, rejects: 1},
			final:  A,
		},
		{
			name:   "FAIL is a rejection that leaves the listener usable",
			script: []string{"READY\n", sendMark, "RESULT 4\nFAIL", "READY\n"},
			want:   protoOutcome{states: []State{R, B, A, R}, results: []string{"FAIL"}, rejects: 1},
			final:  R,
		},
		{
			name:   "lower-case ok is a rejection",
			script: []string{"READY\n", sendMark, "RESULT 2\nok"},
			want:   protoOutcome{states: []State{R, B, A}, results: []string{"ok"}, rejects: 1},
			final:  A,
		},
		{
			name:   "any byte while READY is spurious: UNKNOWN",
			script: []string{"READY\n", "x"},
			want:   protoOutcome{states: []State{R, U}},
			final:  U,
		},
		{
			name:   "READY twice in one write: READY then UNKNOWN",
			script: []string{"READY\nREADY\n"},
			want:   protoOutcome{states: []State{R, U}},
			final:  U,
		},
		{
			name:   "debug output before READY: UNKNOWN",
			script: []string{"hello world\nREADY\n"},
			want:   protoOutcome{states: []State{U}},
			final:  U,
		},
		{
			name:   "READY with CRLF is garbage",
			script: []string{"READY\r\n"},
			want:   protoOutcome{states: []State{U}},
			final:  U,
		},
		{
			name:   "UNKNOWN is terminal: READY afterwards is ignored",
			script: []string{"READY\nX", "READY\n", "READY\n"},
			want:   protoOutcome{states: []State{R, U}},
			final:  U,
		},
		{
			name:   "a partial body waits",
			script: []string{"READY\n", sendMark, "RESULT 4\nFA"},
			want:   protoOutcome{states: []State{R, B}},
			final:  B,
		},
		{
			name:   "a negative length closes the dispatcher and the listener stays BUSY",
			script: []string{"READY\n", sendMark, "RESULT -1\nOK", "READY\n"},
			want:   protoOutcome{states: []State{R, B}, crashed: true},
			final:  B,
		},
		{
			name:   "a negative length alone waits until more bytes arrive",
			script: []string{"READY\n", sendMark, "RESULT -1\n"},
			want:   protoOutcome{states: []State{R, B}},
			final:  B,
		},
		{
			name:   "a huge length waits forever",
			script: []string{"READY\n", sendMark, "RESULT 99999999999999999999999\nOK"},
			want:   protoOutcome{states: []State{R, B}},
			final:  B,
		},
		{
			name:   "several exchanges",
			script: []string{"READY\n", sendMark, "RESULT 2\nOKREADY\n", sendMark, "RESULT 4\nFAILREADY\n", sendMark, "RESULT 2\nOK"},
			want:   protoOutcome{states: []State{R, B, A, R, B, A, R, B, A}, results: []string{"OK", "FAIL", "OK"}, done: 2, rejects: 1},
			final:  A,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, m := runProtocol(t, tt.script)
			if !slices.Equal(got.states, tt.want.states) {
				t.Errorf("states = %v, want %v", got.states, tt.want.states)
			}
			if !slices.Equal(got.results, tt.want.results) {
				t.Errorf("results = %q, want %q", got.results, tt.want.results)
			}
			if !slices.Equal(got.badLine, tt.want.badLine) {
				t.Errorf("bad lines = %q, want %q", got.badLine, tt.want.badLine)
			}
			if got.rejects != tt.want.rejects || got.done != tt.want.done || got.crashed != tt.want.crashed {
				t.Errorf("rejects, done, crashed = %d, %d, %t; want %d, %d, %t",
					got.rejects, got.done, got.crashed, tt.want.rejects, tt.want.done, tt.want.crashed)
			}
			if m.State() != tt.final {
				t.Errorf("final state %s, want %s", m.State(), tt.final)
			}
		})
	}
}

func TestMachineCustomJudgeError(t *testing.T) {
	t.Parallel()
	m := New()
	m.Feed([]byte("READY\n"), DefaultJudge)
	m.Sent()
	acts := m.Feed([]byte("RESULT 2\nOKREADY\n"), func([]byte) Verdict { return Error })
	var kinds []Kind
	for _, a := range acts {
		kinds = append(kinds, a.Kind)
	}
	want := []Kind{Judged, Changed, Reject}
	if !slices.Equal(kinds, want) {
		t.Fatalf("actions %v, want %v", kinds, want)
	}
	if m.State() != Unknown {
		t.Fatalf("a result handler error leaves the listener %s, want UNKNOWN", m.State())
	}
}

func TestStateString(t *testing.T) {
	t.Parallel()
	for st, want := range map[State]string{Ready: "READY", Busy: "BUSY", Acknowledged: "ACKNOWLEDGED", Unknown: "UNKNOWN", 7: "ListenerState(7)"} {
		if got := st.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(st), got, want)
		}
	}
}

// TestMachineUnknownCauses: every change to UNKNOWN says why, with the
// bytes that caused it, so that a report can name the listener's bug.
func TestMachineUnknownCauses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script []string
		why    Cause
		body   string
	}{
		{"a debug line before READY", []string{"hello world\nREADY\n"}, OutputBeforeReady, "hello world\nREADY\n"},
		{"echo's newline after the body", []string{"READY\n", sendMark, "RESULT 2\nOK\n", "READY\n"}, OutputBeforeReady, "\nREADY\n"},
		{"the rest of a body longer than its length", []string{"READY\n", sendMark, "RESULT 2\nFAILREADY\n"}, OutputBeforeReady, "ILREADY\n"},
		{"a second READY", []string{"READY\nREADY\n"}, OutputWhileReady, "READY\n"},
		{"a print while handling", []string{"READY\n", sendMark, "hello\n"}, BadResultLine, "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			var got []Action
			for _, step := range tt.script {
				if step == sendMark {
					m.Sent()
					continue
				}
				for _, a := range m.Feed([]byte(step), DefaultJudge) {
					if a.Kind == Changed && a.To == Unknown {
						got = append(got, a)
					}
				}
			}
			if len(got) != 1 {
				t.Fatalf("%d changes to UNKNOWN, want 1", len(got))
			}
			if got[0].Why != tt.why || string(got[0].Body) != tt.body {
				t.Errorf("UNKNOWN because %q on %q, want %q on %q", got[0].Why, got[0].Body, tt.why, tt.body)
			}
		})
	}
	m := New()
	m.Feed([]byte("READY\n"), DefaultJudge)
	m.Sent()
	for _, a := range m.Feed([]byte("RESULT 2\nOK"), func([]byte) Verdict { return Error }) {
		if a.Kind == Changed && a.To == Unknown && (a.Why != HandlerError || string(a.Body) != "OK") {
			t.Errorf("a result handler error gives %q on %q", a.Why, a.Body)
		}
	}
	if HandlerError.String() != "result handler error" || NoCause.String() != "" {
		t.Errorf("Cause names: %q, %q", HandlerError, NoCause)
	}
}
