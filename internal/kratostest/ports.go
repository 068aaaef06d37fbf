package kratostest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// FreePort returns a loopback TCP port that is free now, for a server the
// test starts as a separate process (Kratos, Hydra, a gateway on a port
// decided in advance).
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("kratostest: reserving a port: %v", err)
	}
	return port
}

// freePort picks a port below the kernel's ephemeral range. A port taken
// from ":0" and released is the next candidate for every other ":0" bind
// (httptest receivers) and outgoing connection of the machine until the
// process binds it, and tests saw exactly that: a receiver given Kratos's
// admin port, answering its readiness polls. Ports below the range are
// never handed out that way; a collision between two of these picks is
// caught when Kratos fails to bind (see startRetrying).
func freePort() (int, error) {
	low, _ := ephemeralRange()
	const floor = 10000
	if low-floor >= 1000 {
		for range 100 {
			port := floor + rand.IntN(low-floor)
			if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				l.Close()
				return port, nil
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralRange reads Linux's ip_local_port_range; elsewhere it assumes
// the IANA range (49152–65535).
func ephemeralRange() (low, high int) {
	low, high = 49152, 65535
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return low, high
	}
	var l, h int
	if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &l, &h); err == nil && l > 0 && h >= l {
		return l, h
	}
	return low, high
}
