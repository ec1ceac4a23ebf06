package crashinfo

import (
	"strings"
)

// tailBytes is how much of the end of each process log Fetch reads to
// find its last lines: enough for the lines of any sane program, little
// enough for a mail or a chat message.
const tailBytes = 64 << 10

// maxLineRunes shortens absurdly long log lines (a JSON blob, a progress
// bar without newlines) so that one line cannot fill a message.
const maxLineRunes = 2000

// Log is the end of one of a process's logs.
type Log struct {
	// Channel is "stderr" or "stdout".
	Channel string
	// Path is the log file, as getProcessInfo names it.
	Path string
	// Lines are the log's last lines, oldest first, without line ends;
	// none when the log is empty. A line longer than 2000 characters is
	// cut there and ends with " …".
	Lines []string
	// Err says why the log could not be read.
	Err error
	// NotKept reports that supervisord keeps no such log for the process
	// (stdout_logfile=NONE, or stderr with redirect_stderr=true or
	// stderr_logfile=NONE), so that there was nothing to read.
	NotKept bool
}

// tails returns the end of the logs opts chooses, from the snapshot.
func tails(snap snapshot, opts Options) []Log {
	info := &snap.info
	stderr := Log{Channel: "stderr", Path: info.StderrLogfile, NotKept: info.StderrLogfile == ""}
	stdout := Log{Channel: "stdout", Path: info.StdoutLogfile, NotKept: info.StdoutLogfile == ""}
	var logs []Log
	switch {
	case opts.Logs != StderrOnly:
		logs = []Log{stderr, stdout}
	case stderr.NotKept && !stdout.NotKept:
		// redirect_stderr=true sends stderr to the stdout log.
		// getProcessInfo does not tell it from stderr_logfile=NONE, but
		// the stdout log is then still the process's last words.
		logs = []Log{stdout}
	default:
		logs = []Log{stderr}
	}
	for i := range logs {
		l := &logs[i]
		if l.NotKept {
			continue
		}
		// Offset 0 with a length shorter than the file returns the
		// file's last length bytes, flagged as overflow (supervisor's
		// tailFile).
		t := snap.tails[0]
		if l.Channel == "stdout" {
			t = snap.tails[1]
		}
		if t.err != nil {
			l.Err = t.err
			continue
		}
		l.Lines = lastLines(t.tail.Data, t.tail.Overflow, opts.TailLines)
	}
	return logs
}

// lastLines returns the last n lines of text. When cut is set, text starts
// in the middle of the log, so its first line is partial and is dropped
// unless it is all there is.
func lastLines(text string, cut bool, n int) []string {
	text = strings.TrimRight(text, "\r\n")
	if text == "" || n <= 0 {
		return nil
	}
	lines := strings.Split(text, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if r := []rune(l); len(r) > maxLineRunes {
			l = string(r[:maxLineRunes]) + " …"
		}
		lines[i] = l
	}
	return lines
}
