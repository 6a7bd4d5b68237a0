package auth

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrInsecureListen is wrapped by CheckListenAddr when a listener would be
// reachable from other hosts without authentication.
var ErrInsecureListen = errors.New("refusing to listen beyond loopback without authentication")

// CheckListenAddr enforces "loopback only without tokens". key is the config
// key of addr (e.g. "collector.grpc_addr"), used in the message. It returns
// nil when tokens are configured (enabled), when the user passed --insecure,
// or when addr binds a loopback address (127.0.0.0/8, ::1 or "localhost").
// An empty host, 0.0.0.0, ::, any other IP and any other host name are
// refused: a name may resolve to anything, so only "localhost" is trusted.
func CheckListenAddr(key, addr string, enabled, insecure bool) error {
	if enabled || insecure {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s: must be host:port, got %q", key, addr)
	}
	if isLoopback(host) {
		return nil
	}
	where := fmt.Sprintf("address %q", addr)
	if host == "" || isUnspecified(host) {
		where = fmt.Sprintf("all interfaces (%q)", addr)
	}
	return fmt.Errorf("%s: %w: it would listen on %s, where anyone who can reach it may send or read data; "+
		"bind to 127.0.0.1, configure auth.tokens, or pass --insecure to accept the risk", key, ErrInsecureListen, where)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func isUnspecified(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsUnspecified()
}
