package dbconn

import (
	"fmt"
	"syscall"
	"time"
)

// tcpUserTimeout is TCP_USER_TIMEOUT from <netinet/tcp.h>; the syscall
// package does not name it.
const tcpUserTimeout = 0x12

// userTimeoutControl sets TCP_USER_TIMEOUT: how long sent data may stay
// unacknowledged before the kernel drops the connection. Keepalives only
// probe an idle connection; this covers a write to a peer that has vanished.
func userTimeoutControl(d time.Duration) func(network, address string, c syscall.RawConn) error {
	ms := int(d / time.Millisecond)
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, ms)
		})
		if err != nil {
			return fmt.Errorf("set TCP_USER_TIMEOUT on %s: %w", address, err)
		}
		if serr != nil {
			return fmt.Errorf("set TCP_USER_TIMEOUT on %s: %w", address, serr)
		}
		return nil
	}
}
