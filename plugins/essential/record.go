package essential

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// RecordEnv names the environment variable through which essential run
// tells the listener where to write its record: essential run sets it for
// supervisord, whose children inherit its environment, so that every
// listener supervisord starts, a restarted one too, finds the same file.
const RecordEnv = "GOLANCE_ESSENTIAL_RECORD"

// record is why an essential listener shut supervisord down: the
// hand-over from the listener to essential run, which exits with Code. It
// is one small JSON file, written and synced before the listener calls
// supervisor.shutdown(), so that it outlives the listener (kill -9
// included) and is there when supervisord exits.
type record struct {
	// Program is the namespec, Group and Name its parts.
	Program string `json:"program"`
	Group   string `json:"group"`
	Name    string `json:"name"`
	// State is the state the program entered (FATAL or EXITED), From the
	// one it left; Expected is the event's expected: for EXITED.
	State    string `json:"state"`
	From     string `json:"from_state"`
	Expected bool   `json:"expected"`
	PID      int    `json:"pid,omitempty"`
	// Exit is how its last run ended, in supervisord's words ("exit
	// status 3", "terminated by SIGKILL"), "" when unknown; SpawnErr is
	// supervisord's reason it could not start it (FATAL).
	Exit     string `json:"exit,omitempty"`
	SpawnErr string `json:"spawnerr,omitempty"`
	// Code is the exit code essential run exits with.
	Code int `json:"code"`
	// At is when the listener saw the event.
	At time.Time `json:"at"`
}

// String describes the record in one phrase: "web:web_00 went FATAL
// (Exited too quickly ...)", "web exited (exit status 3; not expected)".
func (r record) String() string {
	what := "went " + r.State
	if r.State == "EXITED" {
		what = "exited"
	}
	why := r.Exit
	if r.State == "EXITED" && why != "" {
		if r.Expected {
			why += "; expected"
		} else {
			why += "; not expected"
		}
	}
	if r.SpawnErr != "" {
		why = r.SpawnErr
	}
	if why == "" {
		return r.Program + " " + what
	}
	return r.Program + " " + what + " (" + why + ")"
}

// writeRecord makes r the record at path unless there is one already,
// and returns the record the file holds: the first essential program to
// end decides the exit code. The file appears whole or not at all (a
// synced temporary file linked into place), and its directory is synced,
// so that a crash at any point leaves either no record or r.
func writeRecord(path string, r record) (record, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return record{}, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".essential-*")
	if err != nil {
		return record{}, fmt.Errorf("writing the record: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return record{}, fmt.Errorf("writing the record: %w", err)
	}
	// link, unlike rename, refuses to replace a record already there.
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		kept, ok, rerr := readRecord(path)
		if rerr != nil || !ok {
			return record{}, fmt.Errorf("a record is at %s but cannot be read: %w", path, errors.Join(rerr, fs.ErrNotExist))
		}
		return kept, nil
	} else if err != nil {
		return record{}, fmt.Errorf("writing the record: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return record{}, fmt.Errorf("writing the record: %w", err)
	}
	return r, nil
}

// readRecord reads the record at path; ok is false when there is none.
func readRecord(path string) (r record, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return record{}, false, fmt.Errorf("%s is not a record essential wrote: %w", path, err)
	}
	return r, true, nil
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
