package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/kithnet/kith/internal/identity"
)

// ID is the content address of a blob: the SHA-256 of its bytes.
type ID [32]byte

// Sum returns the ID of the blob holding exactly b.
func Sum(b []byte) ID { return ID(sha256.Sum256(b)) }

// String returns the checksummed text form "blob_…" (see
// doc/protocol/identity.md).
func (id ID) String() string { return identity.Encode(identity.KindBlob, id) }

// Hex returns the 64-character lowercase hexadecimal form of the hash, as used
// in file names on disk.
func (id ID) Hex() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value, which in practice means "no
// blob" (no known content hashes to 32 zero bytes).
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the text form "blob_…" returned by String. It accepts upper
// case and surrounding spaces, and says what is wrong otherwise: a different
// kind of id, a wrong length, a mistyped character.
func ParseID(s string) (ID, error) {
	b, err := identity.Decode(identity.KindBlob, s)
	if err != nil {
		return ID{}, err
	}
	return ID(b), nil
}

// ParseHex parses the 64-character hexadecimal form returned by Hex. Only
// lowercase is accepted, so that the hex form of an id is unique.
func ParseHex(s string) (ID, error) {
	var id ID
	if len(s) != 2*len(id) {
		return ID{}, fmt.Errorf("blob hash %q has %d characters, want %d hexadecimal digits", shorten(s), len(s), 2*len(id))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ID{}, fmt.Errorf("blob hash %q: character %d (%q) is not a lowercase hexadecimal digit", shorten(s), i+1, c)
		}
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("blob hash %q: %v", shorten(s), err)
	}
	return id, nil
}

// MarshalText encodes id in its text form "blob_…", so that ids read well in
// JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses the text form "blob_…", as ParseID does.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
