package orderedstartup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// confStamp tells whether the configuration files changed since they
// were last read. ordered-startup's keys are not supervisord's: an edit
// of them alone is one `supervisorctl update` neither sees nor announces,
// so the listener looks at the files themselves, at every TICK: a stat of
// each file and of each directory holding one (a file added to an
// included directory changes the directory), no read.
type confStamp struct {
	paths []string // the files read, and their directories
	last  string
}

// newConfStamp stamps files, as read now.
func newConfStamp(files []string) *confStamp {
	var paths []string
	for _, f := range files {
		paths = append(paths, f)
		if d := filepath.Dir(f); !slices.Contains(paths, d) {
			paths = append(paths, d)
		}
	}
	c := &confStamp{paths: paths}
	c.last = c.stamp()
	return c
}

// changed reports whether a file or directory changed since the last
// call (or since newConfStamp), and takes the new stamp.
func (c *confStamp) changed() bool {
	now := c.stamp()
	if now == c.last {
		return false
	}
	c.last = now
	return true
}

func (c *confStamp) stamp() string {
	var b strings.Builder
	for _, p := range c.paths {
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", p, err)
			continue
		}
		var ino uint64
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		fmt.Fprintf(&b, "%s %d %d %d\n", p, fi.Size(), fi.ModTime().UnixNano(), ino)
	}
	return b.String()
}
