// Package codetext is the text form of the codes a person carries from
// one device to another, invite codes (doc/protocol/invite.md) and pairing
// codes (doc/protocol/pairing.md): a prefix, then upper-case base32
// without padding of the code's body followed by a checksum, the first 4
// bytes of SHA-256(context ‖ 0x00 ‖ body). Reading accepts lower case and
// ignores whitespace, so a code wrapped by a terminal still reads. Each
// kind of code has its own prefix, checksum context and body; this
// package knows nothing of the bodies. It does no I/O.
package codetext

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// CheckSize is the length of the checksum.
const CheckSize = 4

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Form is one kind of code.
type Form struct {
	Prefix  string // starts the text, e.g. "KITH1:"
	Context string // of the checksum, e.g. "kith-invite-v1"
	MaxLen  int    // the longest text Decode reads, whitespace included
	// Err is wrapped by every error of Decode (e.g. "not a valid invite
	// code").
	Err error
	// Others are the prefixes of other kinds of code, each with what
	// Decode says when it is given one instead.
	Others map[string]string
}

func (f Form) check(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(f.Context))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)[:CheckSize]
}

// Encode returns the text form of body.
func (f Form) Encode(body []byte) string {
	return f.Prefix + b32.EncodeToString(append(bytes.Clone(body), f.check(body)...))
}

// Errorf returns an error that wraps f.Err.
func (f Form) Errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", f.Err, fmt.Sprintf(format, args...))
}

// Decode returns the body of a code's text form, its checksum checked.
func (f Form) Decode(s string) ([]byte, error) {
	if len(s) > f.MaxLen {
		return nil, f.Errorf("%d characters, at most %d", len(s), f.MaxLen)
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, strings.ToUpper(s))
	if !strings.HasPrefix(s, f.Prefix) {
		for p, say := range f.Others {
			if strings.HasPrefix(s, p) {
				return nil, f.Errorf("%s", say)
			}
		}
		return nil, f.Errorf("it must start with %q", f.Prefix)
	}
	raw, err := b32.DecodeString(s[len(f.Prefix):])
	if err != nil {
		return nil, f.Errorf("bad base32: the code is mistyped or incomplete")
	}
	if len(raw) <= CheckSize {
		return nil, f.Errorf("too short: the code is incomplete")
	}
	body, sum := raw[:len(raw)-CheckSize], raw[len(raw)-CheckSize:]
	if !bytes.Equal(f.check(body), sum) {
		return nil, f.Errorf("checksum mismatch: the code is mistyped or incomplete")
	}
	return body, nil
}
