//go:build linux

package harness

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/golance/golance/plugins/internal/procfile"
	"github.com/prometheus/procfs"
)

// Which listener sent a mail or a request is read from /proc while its
// connection is open: the socket's inode from /proc/net/tcp, the process
// holding it among the harness's descendants, and the listener that
// process descends from, a child of the harness. So a mail is the work of
// the listener that sent it, through sendmail or a shell's subshell too,
// whatever the other listeners were doing then; and after a listener was
// killed, a mail from its restarted process tells itself apart from one
// the killed process had under way.

// senderOf returns the pid of the listener (a child of this process)
// whose process, or a descendant of it, holds the client end of conn, a
// TCP connection to one of the sinks; 0 when none does or /proc cannot
// say (the client is gone, or this is not Linux).
func senderOf(conn net.Conn) int {
	client, ok := conn.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return 0
	}
	server, ok := conn.LocalAddr().(*net.TCPAddr)
	if !ok {
		return 0
	}
	d, err := procfile.OpenDir("")
	if err != nil {
		return 0
	}
	defer d.Close()
	table, err := d.ReadAll("net/tcp")
	if err != nil {
		return 0
	}
	inode := socketInode(table, client.Port, server.Port)
	if inode == "" {
		return 0
	}
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return 0
	}
	target := "socket:[" + inode + "]"
	for _, top := range childrenOf(d, os.Getpid()) {
		if holds(fs, d, top, target, 0) {
			return top
		}
	}
	return 0
}

// socketInode returns the inode of the IPv4 socket from local port to
// remote port in table, the text of /proc/net/tcp, or "". Its rows read
// "sl local_address rem_address st ... uid timeout inode", the addresses
// as hex ADDR:PORT. Not procfs's NetTCP: it is deprecated for netlink's
// sock_diag, a dependency this one lookup does not warrant.
func socketInode(table []byte, local, remote int) string {
	want := [2]string{fmt.Sprintf(":%04X", local), fmt.Sprintf(":%04X", remote)}
	for row := range bytes.Lines(table) {
		f := strings.Fields(string(row))
		// A socket no process holds (TIME_WAIT) has inode 0.
		if len(f) < 10 || !strings.HasSuffix(f[1], want[0]) || !strings.HasSuffix(f[2], want[1]) || f[9] == "0" {
			continue
		}
		return f[9]
	}
	return ""
}

// maxDepth bounds the walk down a listener's descendants: a shell's
// subshell's sendmail is three levels down.
const maxDepth = 8

// holds reports whether pid or one of its descendants has target among
// its open files.
func holds(fs procfs.FS, d *procfile.Dir, pid int, target string, depth int) bool {
	if p, err := fs.Proc(pid); err == nil {
		if ts, err := p.FileDescriptorTargets(); err == nil {
			for _, t := range ts {
				if t == target {
					return true
				}
			}
		}
	}
	if depth == maxDepth {
		return false
	}
	for _, c := range childrenOf(d, pid) {
		if holds(fs, d, c, target, depth+1) {
			return true
		}
	}
	return false
}

// childrenOf returns the children of pid, as the children lists of its
// threads give them (a child belongs to the thread that forked it).
func childrenOf(d *procfile.Dir, pid int) []int {
	tids, err := d.ReadPIDs(strconv.Itoa(pid)+"/task", nil)
	if err != nil {
		return nil
	}
	out, _ := d.ReadThreadChildren(nil, pid, tids)
	return out
}

// livePoolChild returns the pid of the live child of this process that
// supervisord started as the process of pool: the one whose environment
// names it in SUPERVISOR_GROUP_NAME, as supervisord sets it. A child that
// died and is not yet reaped has no environment left, so it is not taken
// for its successor. It reads /proc without asking the emulated
// supervisord, which holds its lock while it judges a result.
func livePoolChild(pool string) (int, error) {
	d, err := procfile.OpenDir("")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	want := []byte("SUPERVISOR_GROUP_NAME=" + pool)
	var found []int
	for _, pid := range childrenOf(d, os.Getpid()) {
		env, err := d.ReadAll(strconv.Itoa(pid) + "/environ")
		if err != nil {
			continue
		}
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				found = append(found, pid)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("no live process of pool %s among this process's children", pool)
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("pool %s has %d live processes: %v", pool, len(found), found)
}
