package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		addr              string
		enabled, insecure bool
		wantErr           bool
	}{
		{"127.0.0.1:4317", false, false, false},
		{"127.9.8.7:4317", false, false, false},
		{"[::1]:4317", false, false, false},
		{"[::ffff:127.0.0.1]:4317", false, false, false},
		{"localhost:8080", false, false, false},
		{"LocalHost:8080", false, false, false},

		{":4317", false, false, true},
		{"0.0.0.0:4317", false, false, true},
		{"[::]:4317", false, false, true},
		{"10.0.0.5:4317", false, false, true},
		{"[2001:db8::1]:4317", false, false, true},
		{"[fe80::1%eth0]:4317", false, false, true},
		{"faascope.internal:4317", false, false, true},
		{"localhost.example.com:4317", false, false, true},
		{"not-an-address", false, false, true},

		{":4317", false, true, false},
		{"0.0.0.0:4317", false, true, false},
		{"10.0.0.5:4317", false, true, false},
		{":4317", true, false, false},
		{"0.0.0.0:4317", true, false, false},
		{"10.0.0.5:4317", true, true, false},
	}
	for _, tc := range tests {
		err := CheckListenAddr("collector.grpc_addr", tc.addr, tc.enabled, tc.insecure)
		if (err != nil) != tc.wantErr {
			t.Errorf("CheckListenAddr(%q, enabled=%v, insecure=%v) = %v, want error %v",
				tc.addr, tc.enabled, tc.insecure, err, tc.wantErr)
			continue
		}
		if err == nil {
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "collector.grpc_addr: ") {
			t.Errorf("%q: error %q does not start with the key", tc.addr, msg)
		}
		if tc.addr == "not-an-address" {
			continue
		}
		if !errors.Is(err, ErrInsecureListen) || !strings.Contains(msg, "auth.tokens") || !strings.Contains(msg, "--insecure") {
			t.Errorf("%q: error %q should wrap ErrInsecureListen and name auth.tokens and --insecure", tc.addr, msg)
		}
	}
}

func TestCheckListenAddrSaysAllInterfaces(t *testing.T) {
	for _, addr := range []string{":4317", "0.0.0.0:4317", "[::]:4317"} {
		err := CheckListenAddr("api.addr", addr, false, false)
		if err == nil || !strings.Contains(err.Error(), "all interfaces") {
			t.Errorf("CheckListenAddr(%q) = %v, want it to say all interfaces", addr, err)
		}
	}
}
