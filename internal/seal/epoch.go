package seal

import (
	"bytes"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/kithnet/kith/internal/cborwire"
)

// ID is a 32-byte identifier: a space id, an epoch id, a device key.
type ID = [32]byte

// Limits of an epoch announcement (keyring.md §3).
const (
	// MaxPrev is the most epochs one epoch may follow.
	MaxPrev = 8
	// MaxParts is the most entries one epoch's announcement spans.
	MaxParts = 255
	// MaxPayload is the entry payload limit (entry.md).
	MaxPayload = 16384
)

// Epoch is the secret of one epoch as a member holds it.
type Epoch struct {
	ID      ID
	Prev    []ID // sorted, distinct
	Creator ID   // Ed25519 key of the device that made it
	Key     [32]byte
	LogKey  [32]byte // the space's log key (§5), the same in every epoch
}

var (
	epochIDLabel  = []byte("kith-seal-epoch-v1\x00")
	epochKeyLabel = []byte("kith-seal-epoch-key-v1\x00")
	wrapInfoLabel = []byte("kith-seal-wrap-v1\x00")
)

// EpochID derives an epoch's id (keyring.md §2) from the space, the
// announcing device, the epochs it follows and its secret material.
func EpochID(space, creator ID, prev []ID, key, logKey [32]byte) ID {
	c := sha256.New()
	c.Write(epochKeyLabel)
	c.Write(key[:])
	c.Write(logKey[:])
	commit := c.Sum(nil)

	h := sha256.New()
	h.Write(epochIDLabel)
	h.Write(space[:])
	h.Write(creator[:])
	h.Write([]byte{byte(len(prev))})
	for _, p := range prev {
		h.Write(p[:])
	}
	h.Write(commit)
	var id ID
	h.Sum(id[:0])
	return id
}

func sortedPrev(prev []ID) ([]ID, error) {
	if len(prev) > MaxPrev {
		return nil, fmt.Errorf("%w: %d previous epochs, at most %d", ErrMalformed, len(prev), MaxPrev)
	}
	s := append([]ID(nil), prev...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i][:], s[j][:]) < 0 })
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			return nil, fmt.Errorf("%w: previous epoch %x named twice", ErrMalformed, s[i][:8])
		}
	}
	return s, nil
}

// Recipient is a member device an epoch key is wrapped to.
type Recipient struct {
	Device ID            // the device's Ed25519 key
	Key    EncryptionKey // its current seal.key
}

// wrapInfo is the HPKE info of a wrap: it binds the space, the epoch and
// the recipient device, so a wrap opens only for them.
func wrapInfo(space, epoch, device ID) []byte {
	b := make([]byte, 0, len(wrapInfoLabel)+96)
	b = append(b, wrapInfoLabel...)
	b = append(b, space[:]...)
	b = append(b, epoch[:]...)
	return append(b, device[:]...)
}

// NewEpoch makes a fresh epoch of space, announced by creator and
// following prev, with a random key; the space's log key is logKey (random
// when it is the zero value, i.e. for the space's first epoch). It wraps
// the key material to every recipient and returns the announcement's parts,
// each one entry payload of at most MaxPayload bytes, wraps in random order.
func NewEpoch(space, creator ID, prev []ID, logKey [32]byte, recipients []Recipient) (*Epoch, [][]byte, error) {
	sp, err := sortedPrev(prev)
	if err != nil {
		return nil, nil, err
	}
	if len(recipients) == 0 {
		return nil, nil, fmt.Errorf("%w: an epoch needs at least one recipient", ErrMalformed)
	}
	e := &Epoch{Prev: sp, Creator: creator, LogKey: logKey}
	rand.Read(e.Key[:])
	if e.LogKey == ([32]byte{}) {
		rand.Read(e.LogKey[:])
	}
	e.ID = EpochID(space, creator, e.Prev, e.Key, e.LogKey)
	parts, err := Wrap(space, e, recipients)
	if err != nil {
		return nil, nil, err
	}
	return e, parts, nil
}

// Wrap wraps epoch e's key material to recipients and returns the
// announcement's parts. NewEpoch uses it for a fresh epoch; an admin uses it
// to give an existing epoch to devices added since (keyring.md §3).
func Wrap(space ID, e *Epoch, recipients []Recipient) ([][]byte, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("%w: no recipients", ErrMalformed)
	}
	secret := make([]byte, 0, 64)
	secret = append(append(secret, e.Key[:]...), e.LogKey[:]...)
	wraps := make([][]byte, len(recipients))
	for i, r := range recipients {
		kem, _, _, err := kemByID(r.Key.KEM)
		if err != nil {
			return nil, err
		}
		pk, err := kem.NewPublicKey(r.Key.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: recipient %x: %v", ErrMalformed, r.Device[:8], err)
		}
		w, err := hpke.Seal(pk, wrapKDF(), wrapAEAD(), wrapInfo(space, e.ID, r.Device), secret)
		if err != nil {
			return nil, err
		}
		wraps[i] = w
	}
	// Dummy wraps: the count of each size rounds up to a multiple of
	// WrapRound. They are real HPKE seals of random bytes to throwaway keys,
	// so nobody without the recipients' keys tells them from real ones.
	for _, kemID := range []uint16{KEMHybrid, KEMX25519} {
		_, _, size, _ := kemByID(kemID)
		n := 0
		for _, w := range wraps {
			if len(w) == size {
				n++
			}
		}
		for ; n%WrapRound != 0; n++ {
			w, err := dummyWrap(kemID)
			if err != nil {
				return nil, err
			}
			wraps = append(wraps, w)
		}
	}
	// Random order: the position of a wrap says nothing about whose it is.
	for i := len(wraps) - 1; i > 0; i-- {
		var b [8]byte
		rand.Read(b[:])
		j := int(binary.BigEndian.Uint64(b[:]) % uint64(i+1))
		wraps[i], wraps[j] = wraps[j], wraps[i]
	}
	return packParts(e, wraps)
}

// WrapRound: an announcement holds a multiple of this many wraps of each
// size (keyring.md §3).
const WrapRound = 8

func dummyWrap(kemID uint16) ([]byte, error) {
	dk, err := GenerateDecryptionKey(kemID)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 64)
	rand.Read(secret)
	info := make([]byte, len(wrapInfoLabel)+96)
	copy(info, wrapInfoLabel)
	rand.Read(info[len(wrapInfoLabel):])
	return hpke.Seal(dk.key.PublicKey(), wrapKDF(), wrapAEAD(), info, secret)
}

// Announcement is one decoded part of an epoch announcement.
type Announcement struct {
	Epoch   ID
	Creator ID // the device that made the epoch (its id derives from it)
	Prev    []ID
	Part    int // 0-based
	Parts   int
	Wraps   [][]byte
}

const announceVersion = 1

// announceHeadMax bounds the bytes of a part before its wraps.
func announceHead(epoch, creator ID, prev []ID, part, parts, nwraps int) []byte {
	b := cborwire.AppendArray(nil, 7)
	b = cborwire.AppendUint(b, announceVersion)
	b = cborwire.AppendBytes(b, epoch[:])
	b = cborwire.AppendBytes(b, creator[:])
	b = cborwire.AppendArray(b, len(prev))
	for _, p := range prev {
		b = cborwire.AppendBytes(b, p[:])
	}
	b = cborwire.AppendUint(b, uint64(part))
	b = cborwire.AppendUint(b, uint64(parts))
	return cborwire.AppendArray(b, nwraps)
}

func packParts(e *Epoch, wraps [][]byte) ([][]byte, error) {
	// Worst-case head size (part and parts up to 255, wrap count up to 65535).
	head := len(announceHead(e.ID, e.Creator, e.Prev, 255, 255, 65535))
	var groups [][][]byte
	var cur [][]byte
	size := head
	for _, w := range wraps {
		ws := cborwire.BytesSize(len(w))
		if size+ws > MaxPayload && len(cur) > 0 {
			groups = append(groups, cur)
			cur, size = nil, head
		}
		cur = append(cur, w)
		size += ws
	}
	groups = append(groups, cur)
	if len(groups) > MaxParts {
		return nil, fmt.Errorf("%w: %d recipients need %d parts, at most %d", ErrTooLarge, len(wraps), len(groups), MaxParts)
	}
	parts := make([][]byte, len(groups))
	for i, g := range groups {
		b := announceHead(e.ID, e.Creator, e.Prev, i, len(groups), len(g))
		for _, w := range g {
			b = cborwire.AppendBytes(b, w)
		}
		parts[i] = b
	}
	return parts, nil
}

// DecodeAnnouncement reads one part of an epoch announcement (keyring.md
// §3), refusing any other encoding.
func DecodeAnnouncement(p []byte) (*Announcement, error) {
	if len(p) > MaxPayload {
		return nil, fmt.Errorf("%w: announcement is %d bytes, at most %d", ErrMalformed, len(p), MaxPayload)
	}
	r := cborwire.NewReader(p, nil)
	a := &Announcement{}
	fail := func(err error) (*Announcement, error) {
		return nil, fmt.Errorf("%w: announcement: %v", ErrMalformed, err)
	}
	if _, err := r.Array("announcement", 7, 7); err != nil {
		return fail(err)
	}
	if _, err := r.Uint("version", announceVersion); err != nil {
		return fail(err)
	}
	if err := r.Fixed("epoch", a.Epoch[:]); err != nil {
		return fail(err)
	}
	if err := r.Fixed("creator", a.Creator[:]); err != nil {
		return fail(err)
	}
	n, err := r.Array("prev", 0, MaxPrev)
	if err != nil {
		return fail(err)
	}
	a.Prev = make([]ID, n)
	for i := range a.Prev {
		if err := r.Fixed("prev", a.Prev[i][:]); err != nil {
			return fail(err)
		}
		if i > 0 && bytes.Compare(a.Prev[i-1][:], a.Prev[i][:]) >= 0 {
			return fail(fmt.Errorf("prev: epochs not in strictly increasing order"))
		}
	}
	part, err := r.Uint("part", MaxParts-1)
	if err != nil {
		return fail(err)
	}
	parts, err := r.Uint("parts", MaxParts)
	if err != nil {
		return fail(err)
	}
	if parts == 0 || part >= parts {
		return fail(fmt.Errorf("part %d of %d", part, parts))
	}
	a.Part, a.Parts = int(part), int(parts)
	n, err = r.Array("wraps", 1, MaxPayload/WrapSizeX25519)
	if err != nil {
		return fail(err)
	}
	a.Wraps = make([][]byte, n)
	for i := range a.Wraps {
		w, err := r.Bytes("wrap", WrapSizeX25519, WrapSizeHybrid)
		if err != nil {
			return fail(err)
		}
		if len(w) != WrapSizeX25519 && len(w) != WrapSizeHybrid {
			return fail(fmt.Errorf("wrap %d is %d bytes, not %d or %d", i, len(w), WrapSizeX25519, WrapSizeHybrid))
		}
		a.Wraps[i] = w
	}
	if err := r.End(); err != nil {
		return fail(err)
	}
	return a, nil
}

// OpenEpoch finds and opens this device's wrap in one announcement part of
// space. Whether the part's author may announce is for the caller (the
// membership log) to check first. It tries each
// wrap of its KEM's size (wraps carry no recipient names) and checks that
// the key material hashes to the announced epoch id.
func OpenEpoch(space, device ID, dk *DecryptionKey, a *Announcement) (*Epoch, error) {
	_, _, wrapSize, err := kemByID(dk.KEM)
	if err != nil {
		return nil, err
	}
	info := wrapInfo(space, a.Epoch, device)
	for _, w := range a.Wraps {
		if len(w) != wrapSize {
			continue
		}
		secret, err := hpke.Open(dk.key, wrapKDF(), wrapAEAD(), info, w)
		if err != nil || len(secret) != 64 {
			continue
		}
		e := &Epoch{ID: a.Epoch, Prev: append([]ID(nil), a.Prev...), Creator: a.Creator}
		copy(e.Key[:], secret[:32])
		copy(e.LogKey[:], secret[32:])
		if EpochID(space, e.Creator, e.Prev, e.Key, e.LogKey) != a.Epoch {
			return nil, fmt.Errorf("%w: epoch %x", ErrEpochMismatch, a.Epoch[:8])
		}
		return e, nil
	}
	return nil, fmt.Errorf("%w (epoch %x, part %d of %d)", ErrNotForMe, a.Epoch[:8], a.Part+1, a.Parts)
}
