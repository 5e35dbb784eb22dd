package node

import (
	"strings"
	"testing"
)

func TestDeviceNameOf(t *testing.T) {
	long := strings.Repeat("é", 60) // 120 bytes
	for _, c := range []struct{ host, want string }{
		{"ada-laptop", "ada-laptop"},
		{"ada-laptop.local", "ada-laptop"},
		{" phone \n", "phone"},
		{"localhost", ""},
		{"", ""},
		{".hidden", ".hidden"},
		{"bad\u202ename", ""},
		{long, strings.Repeat("é", 50)},
	} {
		if got := deviceNameOf(c.host); got != c.want {
			t.Errorf("deviceNameOf(%q) = %q, want %q", c.host, got, c.want)
		}
	}
}
