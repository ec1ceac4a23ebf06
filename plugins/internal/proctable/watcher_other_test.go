//go:build !linux

package proctable

func (w *watcher) pretendFork() {}
