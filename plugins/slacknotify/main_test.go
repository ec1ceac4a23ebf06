package slacknotify

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/fakeslack"
	testkitrig "github.com/golance/golance/internal/testkit/rig"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(tm *testing.M) {
	var m testscript.TestingM = tm
	// A test that forgets to choose its outbox must not use the
	// machine's /var/lib/golance. (The binary the scripts and the
	// harness run is this one too: they set their own.)
	if os.Getenv("STATE_DIRECTORY") == "" {
		dir, err := os.MkdirTemp("", "slacknotify-state-")
		if err != nil {
			panic(err)
		}
		os.Setenv("STATE_DIRECTORY", dir)
		m = removing{m, dir}
	}
	testscript.Main(m, map[string]func(){"slack-notify": Main})
}

// removing runs the tests, then removes dir.
type removing struct {
	testscript.TestingM
	dir string
}

func (r removing) Run() int {
	defer os.RemoveAll(r.dir)
	return r.TestingM.Run()
}

type fakeSlackKey struct{}

// TestScripts runs testdata/script/*.txtar. Each script has its own fake
// Slack: $FAKE_WEBHOOK and $FAKE_API are its URLs, $FAKE_TOKEN the token
// it accepts ($FAKE_API_NOSLASH is $FAKE_API without its final slash), and
// these commands drive it:
//
//	slackfail endpoint status [retry-after [error]]  queue one failure
//	slackdown endpoint status [retry-after [error]]  fail until slackup endpoint
//	slackreqs endpoint [n]                            list requests (wait for n accepted)
func TestScripts(t *testing.T) {
	t.Parallel()
	testkitrig.Scripts(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			s := fakeslack.New()
			env.Defer(s.Close)
			env.Values[fakeSlackKey{}] = s
			env.Setenv("FAKE_WEBHOOK", s.WebhookURL())
			env.Setenv("FAKE_API", s.APIURL())
			env.Setenv("FAKE_API_NOSLASH", strings.TrimSuffix(s.APIURL(), "/"))
			env.Setenv("FAKE_TOKEN", fakeslack.Token)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"slackfail": slackFail,
			"slackdown": slackDown,
			"slackup": func(ts *testscript.TestScript, neg bool, args []string) {
				ts.Value(fakeSlackKey{}).(*fakeslack.Server).Recover(fakeslack.Endpoint(args[0]))
			},
			"slackreqs": slackReqs,
		},
	})
}

// parseFault reads "endpoint status [retry-after] [error]".
func parseFault(ts *testscript.TestScript, args []string) (*fakeslack.Server, fakeslack.Endpoint, fakeslack.Fault) {
	if len(args) < 2 {
		ts.Fatalf("usage: slackfail|slackdown endpoint status [retry-after] [error]")
	}
	status, err := strconv.Atoi(args[1])
	ts.Check(err)
	f := fakeslack.Fault{Status: status}
	rest := args[2:]
	if len(rest) > 0 && isNumber(rest[0]) {
		f.RetryAfter, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		f.Error = rest[0]
	}
	return ts.Value(fakeSlackKey{}).(*fakeslack.Server), fakeslack.Endpoint(args[0]), f
}

func slackFail(ts *testscript.TestScript, neg bool, args []string) {
	s, e, f := parseFault(ts, args)
	s.FailNext(e, f)
}

func slackDown(ts *testscript.TestScript, neg bool, args []string) {
	s, e, f := parseFault(ts, args)
	s.FailAlways(e, f)
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// slackReqs writes one line per request to endpoint: "ok" or the status
// and error answered, then the message's text.
func slackReqs(ts *testscript.TestScript, neg bool, args []string) {
	s := ts.Value(fakeSlackKey{}).(*fakeslack.Server)
	e := fakeslack.Endpoint(args[0])
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := s.Wait(ctx, e, n); err != nil {
			ts.Fatalf("%v", err)
		}
	}
	for _, r := range s.Requests(e) {
		verdict := "ok"
		if !r.OK() {
			verdict = fmt.Sprintf("%d %s", r.Status, r.Error)
		}
		thread := ""
		if r.ThreadTS != "" {
			thread = " thread=" + r.ThreadTS
		}
		if r.TS != "" {
			thread += " ts=" + r.TS
		}
		fmt.Fprintf(ts.Stdout(), "%s %s%s: %s\n", r.Endpoint, verdict, thread, r.Text)
	}
}
