package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/golance/golance/testharness/supervisord"
)

// essentialSections is the configuration of essential's scene: shop is the
// container's reason to exist, and cannot reach its database.
const essentialSections = `
[eventlistener:essential]
command=%[1]s/essential -p shop
events=PROCESS_STATE_FATAL
buffer_size=100
stderr_logfile=%%(here)s/logs/essential.log
stdout_logfile=NONE

[program:shop]
command=%[2]s role no-database
autostart=false
startsecs=1
startretries=1
stdout_logfile=%%(here)s/logs/shop.log
redirect_stderr=true

[program:cache]
command=%[2]s role idle cache
stdout_logfile=%%(here)s/logs/cache.log
redirect_stderr=true
`

// essentialScene is the demo's last act, on a supervisord of its own, for
// essential's one act ends it: supervisord runs under essential run, as a
// container's entrypoint would run it; shop, marked essential, goes FATAL;
// supervisord stops cache gracefully and exits, and essential run exits
// with 69, which a container's runtime would act on. stop (Ctrl-C) ends
// the scene early.
func essentialScene(supervisordPath, bin, self, dir string, stop <-chan os.Signal) error {
	sdir := filepath.Join(dir, "essential")
	run := []string{filepath.Join(bin, "essential"), "run", "--"}
	fmt.Printf("\nLast, essential, with a supervisord of its own, run as a container runs it:\n  %s %s -n -c %s\n",
		strings.Join(run, " "), supervisordPath, filepath.Join(sdir, "supervisord.conf"))
	sv, err := supervisord.New(context.Background(), sdir, supervisord.Config{
		Binary:      supervisordPath,
		Wrapper:     run,
		Identifier:  "golance-demo-essential",
		LogLevel:    "info",
		ChildLogDir: filepath.Join(sdir, "logs"),
		Sections:    fmt.Sprintf(essentialSections, bin, self),
		StopTimeout: 30 * time.Second,
	})
	if err != nil {
		return err
	}
	defer sv.Stop()
	say := func(who, what string) { fmt.Printf("        %-15s  %s\n", who, what) }

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := supervisord.WaitFile(ctx, sv.LogPath, 0, regexp.MustCompile(`success: cache entered RUNNING`)); err != nil {
		return err
	}
	say("supervisord", "cache is RUNNING; starting shop, marked essential (essential -p shop)")
	if err := sv.Client.StartProcess(ctx, "shop", false); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- sv.Wait(ctx) }()
	select {
	case err = <-exited:
	case <-stop:
		fmt.Println()
		say("essential", "interrupted")
		return nil
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		code = ee.ExitCode()
	} else if err != nil {
		return fmt.Errorf("essential run: %w", err)
	}

	mainLog := sv.Log()
	if m := regexp.MustCompile(`gave up: shop entered FATAL state[^\n]*`).FindString(mainLog); m != "" {
		say("supervisord", m)
	}
	if b, err := os.ReadFile(filepath.Join(sdir, "logs", "essential.log")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "shutting supervisord down;") {
				say("essential", levelRe.ReplaceAllString(l, ""))
			}
		}
	}
	for _, m := range regexp.MustCompile(`stopped: (\S+) \(([^)]*)\)`).FindAllStringSubmatch(mainLog, -1) {
		if m[1] != "essential" {
			say("supervisord", fmt.Sprintf("%s stopped (%s)", m[1], m[2]))
		}
	}
	say("essential run", fmt.Sprintf("exited with %d: the container would stop with it, and its runtime restart or report it", code))
	if code != 69 {
		return fmt.Errorf("essential run exited with %d, not 69 (FATAL); see %s", code, sv.OutputPath)
	}
	if err := sv.Stop(); err != nil {
		return err
	}
	if left := sv.Swept(); left > 0 {
		return fmt.Errorf("%d processes outlived essential run", left)
	}
	return nil
}
