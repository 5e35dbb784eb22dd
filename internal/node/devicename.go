package node

import (
	"os"
	"strings"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/content"
)

// defaultDeviceName is the name a new device's certificate carries when
// the person gave none: the machine's host name, up to its first dot
// ("ada-laptop" of "ada-laptop.local"), cut to what a certificate holds.
// It is "" when the host name is unknown or not a valid name, and then the
// certificate carries none.
func defaultDeviceName() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return deviceNameOf(h)
}

// deviceNameOf is defaultDeviceName for the host name h.
func deviceNameOf(h string) string {
	h = strings.TrimSpace(h)
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	for len(h) > content.MaxDeviceName {
		_, size := utf8.DecodeLastRuneInString(h)
		h = h[:len(h)-size]
	}
	if h == "" || h == "localhost" || content.CheckName(h) != nil {
		return ""
	}
	return h
}
