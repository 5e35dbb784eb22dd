package dropbox

import (
	"bytes"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// TypeHubs is the type of the hubs payload (payloads.md §10).
const TypeHubs = "hubs"

// Bounds of a hubs payload.
const (
	MaxHubs      = 8   // hubs one payload names
	MaxHubAddrs  = 8   // addresses of one hub
	MaxAddrBytes = 256 // bytes of one address
)

// Hub is one hub an account uses: its device key, where to dial it, and
// whether it keeps the account's dropbox.
type Hub struct {
	Device  [32]byte
	Addrs   []string
	Dropbox bool
}

// The fixed bytes of a hubs payload.
var (
	hubsMapHead = []byte{0xa2}
	hubsKeyHubs = []byte{0x64, 'h', 'u', 'b', 's'}
	hubsKeyType = []byte{0x64, 't', 'y', 'p', 'e', 0x64, 'h', 'u', 'b', 's'}
)

// EncodeHubs returns the hubs payload naming hubs, which must be strictly
// ascending by device key and within the bounds.
func EncodeHubs(hubs []Hub) ([]byte, error) {
	if len(hubs) > MaxHubs {
		return nil, fmt.Errorf("dropbox: %d hubs, at most %d", len(hubs), MaxHubs)
	}
	b := append([]byte{}, hubsMapHead...)
	b = append(b, hubsKeyHubs...)
	b = cborwire.AppendArray(b, len(hubs))
	for i, h := range hubs {
		if i > 0 && bytes.Compare(hubs[i-1].Device[:], h.Device[:]) >= 0 {
			return nil, fmt.Errorf("dropbox: hub %d is not after hub %d: hubs must be ascending by device, without repeats", i+1, i)
		}
		if h.Device == ([32]byte{}) {
			return nil, fmt.Errorf("dropbox: hub %d has an all-zero device key", i+1)
		}
		if len(h.Addrs) > MaxHubAddrs {
			return nil, fmt.Errorf("dropbox: hub %d has %d addresses, at most %d", i+1, len(h.Addrs), MaxHubAddrs)
		}
		b = cborwire.AppendArray(b, 3)
		b = cborwire.AppendBytes(b, h.Device[:])
		b = cborwire.AppendArray(b, len(h.Addrs))
		for j, a := range h.Addrs {
			if len(a) < 1 || len(a) > MaxAddrBytes {
				return nil, fmt.Errorf("dropbox: hub %d: address %d is %d bytes, want 1…%d", i+1, j+1, len(a), MaxAddrBytes)
			}
			for _, o := range h.Addrs[:j] {
				if o == a {
					return nil, fmt.Errorf("dropbox: hub %d names address %q twice", i+1, a)
				}
			}
			b = cborwire.AppendText(b, a)
		}
		b = appendBool(b, h.Dropbox)
	}
	return append(b, hubsKeyType...), nil
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xf5)
	}
	return append(b, 0xf4)
}

// IsHubs reports whether payload p is of type hubs by its fixed bytes (a
// cheap test before DecodeHubs).
func IsHubs(p []byte) bool { return bytes.HasSuffix(p, hubsKeyType) && bytes.HasPrefix(p, hubsMapHead) }

// DecodeHubs reads a hubs payload, refusing any other encoding.
func DecodeHubs(p []byte) ([]Hub, error) {
	if len(p) > 16384 {
		return nil, fmt.Errorf("%w: hubs payload of %d bytes, at most 16384", ErrMalformed, len(p))
	}
	fail := func(err error) ([]Hub, error) { return nil, fmt.Errorf("%w: hubs: %v", ErrMalformed, err) }
	if !bytes.HasPrefix(p, append(append([]byte{}, hubsMapHead...), hubsKeyHubs...)) {
		return fail(fmt.Errorf("byte 0: want a map of 2 pairs starting with the key \"hubs\""))
	}
	off := len(hubsMapHead) + len(hubsKeyHubs)
	c := newCursor(p[off:])
	n, err := c.r.Array("hubs", 0, MaxHubs)
	if err != nil {
		return fail(err)
	}
	hubs := make([]Hub, 0, n)
	for i := 0; i < n; i++ {
		var h Hub
		if _, err := c.r.Array("hub", 3, 3); err != nil {
			return fail(err)
		}
		at := off + c.offset()
		if err := c.r.Fixed("hub device", h.Device[:]); err != nil {
			return fail(err)
		}
		if h.Device == ([32]byte{}) {
			return fail(fmt.Errorf("byte %d: an all-zero hub device", at))
		}
		if i > 0 && bytes.Compare(hubs[i-1].Device[:], h.Device[:]) >= 0 {
			return fail(fmt.Errorf("byte %d: hub %d is not after hub %d: hubs must be ascending by device, without repeats", at, i+1, i))
		}
		na, err := c.r.Array("addrs", 0, MaxHubAddrs)
		if err != nil {
			return fail(err)
		}
		for j := 0; j < na; j++ {
			a, err := c.r.Text("addr", 1, MaxAddrBytes)
			if err != nil {
				return fail(err)
			}
			for _, o := range h.Addrs {
				if o == a {
					return fail(fmt.Errorf("hub %d names address %q twice", i+1, a))
				}
			}
			h.Addrs = append(h.Addrs, a)
		}
		if h.Dropbox, err = c.bool("dropbox"); err != nil {
			return fail(err)
		}
		hubs = append(hubs, h)
	}
	if rest := p[off+c.offset():]; !bytes.Equal(rest, hubsKeyType) {
		return fail(fmt.Errorf("byte %d: want the key \"type\" with value \"hubs\" and nothing after it", off+c.offset()))
	}
	return hubs, nil
}
