package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// doctor runs golance doctor on the configuration the demo's supervisord
// runs, which asks that supervisord too (ordered-startup's plan, the
// running command lines), and prints what it says: the demo's own
// configuration is held to what the doctor calls healthy.
func doctor(bin, config string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "golance"), "doctor", "-c", config)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if !strings.HasPrefix(l, "#") {
			fmt.Printf("%6s  %-15s  %s\n", "", "golance doctor", l)
		}
	}
	if err != nil {
		return fmt.Errorf("golance doctor -c %s: %v: %s", config, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// harnessScenario is what supervisor-harness plays: the crash of the
// demo's worker, crashmail's answer, and its mail, sent even though
// crashmail is killed right after the answer.
const harnessScenario = `# crashmail writes each mail to its outbox, synced, before it answers OK, and
# sends it after: the harness kills it with SIGKILL right after each OK to a
# crash, and the restarted crashmail must still send the mail.
durable crashmail PROCESS_STATE_EXITED
# payment-worker crashes: crashmail answers OK and mails ops through sendmail.
crash payment-worker
answered crashmail OK
mailed '(?m)^Subject: \[demo\]: payment-worker crashed at '
# An expected exit mails nothing.
exit payment-worker 0
answered crashmail OK
! mailed 'exited expectedly'
`

// harnessScene runs crashmail, with the command line the demo gives it,
// under supervisor-harness's emulated supervisord instead of the real one:
// how a listener is tested before it is deployed, with every protocol
// fault checked on the way.
func harnessScene(bin, dir string) error {
	hdir := filepath.Join(dir, "harness")
	if err := os.MkdirAll(hdir, 0o755); err != nil {
		return err
	}
	scenario := filepath.Join(hdir, "crash.txtar")
	if err := os.WriteFile(scenario, []byte(harnessScenario), 0o644); err != nil {
		return err
	}
	listener := filepath.Join(bin, "crashmail") + ` -p payment-worker -m ops@example.com -o "[demo]" -s "sendmail -t -i"`
	args := []string{"--probe", "--listener", listener, "-n", "crashmail", "--events", "PROCESS_STATE_EXITED", "-p", "payment-worker", scenario}
	fmt.Printf("\nsupervisor-harness tests a listener before it is deployed: crashmail under an emulated supervisord,\n"+
		"a scenario of crashes, a kill -9 right after each OK, and every protocol fault checked:\n  supervisor-harness --probe --listener '%s' -n crashmail --events PROCESS_STATE_EXITED -p payment-worker %s\n", listener, scenario)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "supervisor-harness"), args...)
	cmd.Dir = hdir
	// crashmail's outbox, which its restarts after each kill share.
	cmd.Env = append(os.Environ(), "STATE_DIRECTORY="+filepath.Join(hdir, "state"))
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		fmt.Printf("        %-18s  %s\n", "supervisor-harness", l)
	}
	if err != nil {
		return fmt.Errorf("supervisor-harness: %v", err)
	}
	return nil
}
