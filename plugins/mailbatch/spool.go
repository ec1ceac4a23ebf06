package mailbatch

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/golance/golance/plugins/internal/outbox"
)

// The outbox replaced the spool file of earlier golance versions: --spool
// PATH now names the outbox's directory, as --outbox does. A PATH that is
// still such a file is migrated: its lines are moved aside, the directory
// takes its place, and the lines join the pending batch.

// migratedSuffix is added to an old spool file while its lines move into
// the outbox.
const migratedSuffix = ".migrated"

// prepareSpool readies path as the outbox directory and returns where the
// lines of an old spool file wait to be imported ("" if none).
func prepareSpool(path string) (imported string, err error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(path + migratedSuffix); err == nil {
			return path + migratedSuffix, nil // an import left unfinished
		}
		return "", nil
	case err != nil:
		return "", err
	case st.IsDir():
		if _, err := os.Stat(path + migratedSuffix); err == nil {
			return path + migratedSuffix, nil
		}
		return "", nil
	}
	imported = path + migratedSuffix
	if err := os.Rename(path, imported); err != nil {
		return "", fmt.Errorf("cannot move the old spool file %s aside: %w", path, err)
	}
	os.Remove(path + ".lock")
	if err := os.MkdirAll(path, 0o700); err != nil {
		return "", err
	}
	return imported, nil
}

// importSpool adds the lines of an old spool file to the pending batch
// and removes the file once they are in the outbox.
func (m *handler) importSpool(file string) error {
	lines, err := readSpoolLines(file)
	if err != nil {
		return err
	}
	for i, line := range lines {
		sum := sha256.Sum256([]byte(line))
		key := fmt.Sprintf("spool/%d/%s", i, hex.EncodeToString(sum[:8]))
		if err := m.add(context.Background(), key, line, m.cfg.clock.Now()); err != nil {
			return err
		}
	}
	if m.ob.Mode() != outbox.Durable {
		return nil // keep the file: the lines are only in memory
	}
	m.cfg.log.Info(fmt.Sprintf("%d line(s) of the old spool file %s moved into the %s", len(lines), file, m.ob))
	return os.Remove(file)
}

func readSpoolLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the old spool file: %w", err)
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
		return nil, fmt.Errorf("cannot read the old spool file %s: %w", path, err)
	}
	return lines, nil
}
