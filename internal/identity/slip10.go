package identity

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Hardened is added to an index to make it a hardened SLIP-0010 child index
// (written i' or iH). Ed25519 derivation supports hardened children only.
const Hardened uint32 = 1 << 31

// AccountPath is the SLIP-0010 path at which an account key is derived from
// the BIP39 seed of its recovery phrase.
const AccountPath = "m/7696'/0'"

// slip10Ed25519Key is the HMAC-SHA512 key of the SLIP-0010 master key for the
// ed25519 curve.
const slip10Ed25519Key = "ed25519 seed"

// DeriveSLIP10 derives the ed25519 private key (an RFC 8032 seed) and chain
// code at path from seed, following SLIP-0010. The seed must be 16 to 64 bytes
// (a BIP39 seed is 64), and every index in path must be hardened (at least
// Hardened); an empty path gives the master key.
func DeriveSLIP10(seed []byte, path []uint32) (key [32]byte, chain [32]byte, err error) {
	if len(seed) < 16 || len(seed) > 64 {
		return key, chain, fmt.Errorf("identity: a SLIP-0010 seed is 16 to 64 bytes, got %d", len(seed))
	}
	for i, idx := range path {
		if idx < Hardened {
			return key, chain, fmt.Errorf("identity: SLIP-0010 ed25519 derivation needs hardened indexes, but index %d of the path is %d (write it as %d')", i+1, idx, idx)
		}
	}
	mac := hmac.New(sha512.New, []byte(slip10Ed25519Key))
	mac.Write(seed)
	sum := mac.Sum(nil)
	copy(key[:], sum[:32])
	copy(chain[:], sum[32:])
	var data [1 + 32 + 4]byte // 0x00 ‖ parent key ‖ ser32(index)
	for _, idx := range path {
		copy(data[1:33], key[:])
		binary.BigEndian.PutUint32(data[33:], idx)
		mac = hmac.New(sha512.New, chain[:])
		mac.Write(data[:])
		clear(sum)
		sum = mac.Sum(sum[:0])
		copy(key[:], sum[:32])
		copy(chain[:], sum[32:])
	}
	clear(data[:])
	clear(sum)
	return key, chain, nil
}

// ParseSLIP10Path parses a derivation path such as "m/7696'/0'" into indexes
// with the Hardened bit set. Each index is a decimal number below 2^31
// followed by ', H or h; since ed25519 has only hardened children, an index
// without the mark is an error, not silently hardened. "m" alone is the empty
// path.
func ParseSLIP10Path(s string) ([]uint32, error) {
	parts := strings.Split(s, "/")
	if parts[0] != "m" {
		return nil, fmt.Errorf("identity: derivation path %q must start with \"m\"", s)
	}
	path := make([]uint32, 0, len(parts)-1)
	for i, part := range parts[1:] {
		num, ok := strings.CutSuffix(part, "'")
		if !ok {
			num, ok = strings.CutSuffix(part, "H")
		}
		if !ok {
			num, ok = strings.CutSuffix(part, "h")
		}
		if !ok {
			return nil, fmt.Errorf("identity: derivation path %q: index %d (%q) is not hardened; ed25519 supports hardened indexes only, write %s'", s, i+1, part, part)
		}
		// Digits only: no sign, no spaces, no leading zeros, so that each
		// path has one spelling.
		if num == "" || strings.Trim(num, "0123456789") != "" || (len(num) > 1 && num[0] == '0') {
			return nil, fmt.Errorf("identity: derivation path %q: index %d (%q) is not a decimal number", s, i+1, part)
		}
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil || uint32(n) >= Hardened {
			return nil, fmt.Errorf("identity: derivation path %q: index %d (%q) must be below 2147483648", s, i+1, part)
		}
		path = append(path, uint32(n)+Hardened)
	}
	return path, nil
}

// FormatSLIP10Path is the inverse of ParseSLIP10Path: it writes path as
// "m/a'/b'…". Indexes below Hardened are written without the mark.
func FormatSLIP10Path(path []uint32) string {
	var b strings.Builder
	b.WriteString("m")
	for _, idx := range path {
		b.WriteByte('/')
		if idx >= Hardened {
			b.WriteString(strconv.FormatUint(uint64(idx-Hardened), 10))
			b.WriteByte('\'')
		} else {
			b.WriteString(strconv.FormatUint(uint64(idx), 10))
		}
	}
	return b.String()
}

// AccountKeyFromPhrase derives the account key of a recovery phrase: the
// SLIP-0010 ed25519 key at AccountPath of the phrase's BIP39 seed with the
// given passphrase (usually empty). The same phrase and passphrase always
// give the same key; a different passphrase gives a different account.
func AccountKeyFromPhrase(p Phrase, passphrase string) (PrivateKey, error) {
	if p.IsZero() {
		return PrivateKey{}, errors.New("identity: account key from an unset recovery phrase")
	}
	if n := len(p.words()); n != PhraseWords {
		return PrivateKey{}, fmt.Errorf("identity: an account key needs a %d-word recovery phrase, this one has %d words", PhraseWords, n)
	}
	path, err := ParseSLIP10Path(AccountPath)
	if err != nil {
		return PrivateKey{}, err
	}
	seed := p.Seed(passphrase)
	defer clear(seed)
	key, chain, err := DeriveSLIP10(seed, path)
	defer clear(key[:])
	clear(chain[:])
	if err != nil {
		return PrivateKey{}, err
	}
	return KeyFromSeed(key[:])
}
