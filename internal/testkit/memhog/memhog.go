// Package memhog is a program that holds a chosen amount of resident memory,
// alone or with children that hold memory of their own, until it is told to
// stop. The tests of procmem and memmon run it as a real process (a test
// binary calls Main when started under the name memhog) so that they
// measure real memory rather than made-up numbers.
//
// Usage:
//
//	memhog [-mb N] [-children K] [-child-mb M] [-exit-if-exists FILE] [-ignore-sigterm]
//
// It writes "ready" on standard output once every page is touched and every
// child is ready, then waits for SIGTERM (unless -ignore-sigterm), SIGINT or
// the end of standard input, and takes its children down with it.
package memhog

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

// held keeps the memory reachable, so that the garbage collector leaves
// it resident.
var held [][]byte

// Main runs memhog with the process's arguments and exits.
func Main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("memhog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mb := fs.Int("mb", 0, "`megabytes` of memory to hold (MiB)")
	children := fs.Int("children", 0, "number of child processes to start")
	childMB := fs.Int("child-mb", 0, "`megabytes` each child holds")
	exitIfExists := fs.String("exit-if-exists", "", "exit at once with status 1 if `file` exists, else create it and run: a program that starts once and then fails to")
	ignoreTerm := fs.Bool("ignore-sigterm", false, "ignore SIGTERM, so that supervisord has to wait stopwaitsecs and kill it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *exitIfExists != "" {
		if _, err := os.Stat(*exitIfExists); err == nil {
			fmt.Fprintln(stderr, "memhog: exiting because", *exitIfExists, "exists")
			return 1
		}
		if err := os.WriteFile(*exitIfExists, nil, 0o644); err != nil {
			fmt.Fprintln(stderr, "memhog:", err)
			return 1
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	if *ignoreTerm {
		signal.Reset(syscall.SIGTERM)
		signal.Ignore(syscall.SIGTERM)
	}

	hold(*mb << 20)

	var kids []*exec.Cmd
	defer func() {
		for _, k := range kids {
			k.Process.Kill()
			k.Wait()
		}
	}()
	for range *children {
		k, err := startChild(*childMB)
		if err != nil {
			fmt.Fprintln(stderr, "memhog:", err)
			return 1
		}
		kids = append(kids, k)
	}
	fmt.Fprintln(stdout, "ready")

	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-stop:
	case <-eof:
	}
	runtime.KeepAlive(held)
	return 0
}

// hold allocates n bytes and writes to every page, so that all of it is
// resident.
func hold(n int) {
	if n <= 0 {
		return
	}
	b := make([]byte, n)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	held = append(held, b)
}

// startChild starts a copy of this program holding mb megabytes and waits
// until it is ready.
func startChild(mb int) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	k := exec.Command(exe, "-mb", strconv.Itoa(mb))
	k.Args[0] = os.Args[0] // keep the name a test binary dispatches on
	k.Stderr = os.Stderr
	k.SysProcAttr = dieWithParent()
	out, err := k.StdoutPipe()
	if err != nil {
		return nil, err
	}
	in, err := k.StdinPipe()
	if err != nil {
		return nil, err
	}
	_ = in // kept open: the child runs until its stdin closes with us
	if err := k.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		k.Process.Kill()
		k.Wait()
		return nil, fmt.Errorf("child did not get ready: %q %v", line, err)
	}
	return k, nil
}
