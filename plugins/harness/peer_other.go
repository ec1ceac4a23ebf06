//go:build !linux

package harness

import (
	"errors"
	"net"
)

// Without Linux's /proc the sender of a mail or request is unknown (the
// lint falls back to the listener that answered last), and a durable
// listener cannot be found to be killed.

func senderOf(net.Conn) int { return 0 }

func livePoolChild(string) (int, error) {
	return 0, errors.New("durable needs Linux's /proc to find the listener's process")
}
