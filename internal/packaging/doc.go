// Package packaging tests how golance is installed: `make install` into a
// staged root, and `make deb`'s Debian package, unpacked and run under the
// real supervisord with a snippet it ships. It has no code of its own: the
// Makefile and packaging/nfpm.yaml are what it tests.
//
//	install_test.go  make install: every binary and man page, the version stamped
//	deb_test.go      make deb: the package installed with dpkg into a scratch root, run
package packaging
