//go:build !linux

package proctable

import "errors"

// watcher is Linux's: elsewhere there is no /proc to follow supervisord's
// children in, and every tick asks supervisord.
type watcher struct {
	born, gone []int
	reaped     bool
}

func newWatcher(root string, spid int) (*watcher, error) {
	return nil, errors.New("following supervisord's children needs Linux's /proc")
}

func (w *watcher) source() string        { return "" }
func (w *watcher) close()                {}
func (w *watcher) check() (bool, error)  { return false, errors.New("no /proc") }
func (w *watcher) identify(pid int) bool { return false }
