package mailbatch

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// errSpoolInUse is wrapped by openSpool's error when another process holds
// the spool: two listeners sharing one file would send each other's lines.
var errSpoolInUse = errors.New("spool file in use by another process")

// A spool keeps the lines of the pending batch in a file, so that they
// survive the listener being killed or crashing before the batch is sent.
// Each line is written and synced to disk before the event that produced it
// is acknowledged; the lines left over from an earlier run are read back
// when the spool is opened.
//
// The file holds one batch line per line of text. A lock on a companion
// file (the spool's name plus ".lock") keeps a second listener from using
// the same spool.
type spool struct {
	name string   // the spool file
	f    *os.File // the spool, open for appending
	lock *os.File
}

// openSpool opens (or creates) the spool at path and returns it with the
// lines it already holds.
func openSpool(path string) (*spool, []string, error) {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open spool lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, fmt.Errorf("%w: %s; give each listener process its own --spool, e.g. with %%(process_num)d in the path", errSpoolInUse, path)
		}
		return nil, nil, fmt.Errorf("cannot lock spool %s: %w", path, err)
	}
	s := &spool{name: path, lock: lock}
	lines, err := readLines(path)
	if err == nil {
		err = s.reopen()
	}
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	return s, lines, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read spool: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read spool %s: %w", path, err)
	}
	return lines, nil
}

func (s *spool) reopen() error {
	f, err := os.OpenFile(s.name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open spool: %w", err)
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f = f
	return nil
}

// append adds line to the spool and returns once it is on disk.
func (s *spool) append(line string) error {
	if _, err := s.f.WriteString(line + "\n"); err != nil {
		return fmt.Errorf("cannot write to spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("cannot sync spool %s: %w", s.name, err)
	}
	return nil
}

// rewrite replaces the spool's content with lines, atomically: a crash
// leaves either the old content or the new.
func (s *spool) rewrite(lines []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(s.name), filepath.Base(s.name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot rewrite spool: %w", err)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	_, err = tmp.WriteString(b.String())
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot rewrite spool %s: %w", s.name, err)
	}
	syncDir(filepath.Dir(s.name))
	return s.reopen()
}

// syncDir makes a rename durable. Failure only weakens durability, which
// is why it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// close releases the spool. The file stays, with whatever lines are still
// pending, for the next run.
func (s *spool) close() error {
	err := s.f.Close()
	s.lock.Close()
	return err
}
