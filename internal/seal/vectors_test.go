package seal

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/kithnet/kith/internal/seal/vectortest"
)

const vectorsPath = "testdata/keyring-vectors.json"

type hexb = vectortest.Hex

type vDeviceKey struct {
	KEM      uint16 `json:"kem"`
	IKM      hexb   `json:"ikm"`
	Private  hexb   `json:"private_key"`
	Public   hexb   `json:"public_key"`
	Rotation uint64 `json:"rot"`
	Payload  hexb   `json:"payload"`
}

type vRecipient struct {
	Device hexb   `json:"device"`
	KEM    uint16 `json:"kem"`
	IKM    hexb   `json:"ikm"`
}

type vEpoch struct {
	Space      hexb         `json:"space"`
	Creator    hexb         `json:"creator"`
	Prev       []hexb       `json:"prev"`
	Recipients []vRecipient `json:"recipients"`
	Key        hexb         `json:"epoch_key"`
	LogKey     hexb         `json:"log_key"`
	ID         hexb         `json:"epoch_id"`
	Parts      []hexb       `json:"parts"`
}

type vSealed struct {
	Author  hexb   `json:"author"`
	LogID   hexb   `json:"log_id"`
	Seq     uint64 `json:"seq"`
	TimeMs  uint64 `json:"time_ms"`
	Body    string `json:"body"`
	Payload hexb   `json:"payload"`
}

type vInvalid struct {
	Name    string `json:"name"`
	Decoder string `json:"decoder"` // "seal.key", "announcement", "sealed"
	Input   hexb   `json:"input"`
	Outcome string `json:"outcome"`
}

type vectors struct {
	Comment    string       `json:"comment"`
	DeviceKeys []vDeviceKey `json:"device_keys"`
	Epoch      vEpoch       `json:"epoch"`
	Sealed     []vSealed    `json:"sealed"`
	Invalid    []vInvalid   `json:"invalid"`
}

func outcome(err error) string {
	for _, e := range []error{ErrMalformed, ErrNotForMe, ErrEpochMismatch, ErrUnknownEpoch, ErrNotDecrypted} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err == nil {
		return "ok"
	}
	return "other: " + err.Error()
}

func makeVectors(t *testing.T) *vectors {
	cryptotest.SetGlobalRandom(t, 13)
	v := &vectors{Comment: "doc/protocol/keyring.md; regenerate with go test ./internal/seal -run TestVectors -update"}
	for i, kem := range []uint16{KEMHybrid, KEMX25519} {
		ikm := bytes.Repeat([]byte{byte(0x10 + i)}, 32)
		dk, err := DeriveDecryptionKey(kem, ikm)
		if err != nil {
			t.Fatal(err)
		}
		p, err := EncodeDeviceKey(DeviceKey{Key: dk.Public(), Rotation: uint64(1 + i*299)})
		if err != nil {
			t.Fatal(err)
		}
		v.DeviceKeys = append(v.DeviceKeys, vDeviceKey{kem, ikm, dk.Bytes(), dk.Public().Key, uint64(1 + i*299), p})
	}
	space, creator := id(0x51), id(0xc1)
	e := &v.Epoch
	e.Space, e.Creator = space[:], creator[:]
	prev := []ID{id(0xe1), id(0xe0)}
	var rs []Recipient
	for i, kem := range []uint16{KEMHybrid, KEMHybrid, KEMX25519} {
		dev := id(byte(0xd0 + i))
		ikm := bytes.Repeat([]byte{byte(0x20 + i)}, 32)
		dk, err := DeriveDecryptionKey(kem, ikm)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, Recipient{Device: dev, Key: dk.Public()})
		e.Recipients = append(e.Recipients, vRecipient{dev[:], kem, ikm})
	}
	ep, parts, err := NewEpoch(space, creator, prev, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ep.Prev {
		e.Prev = append(e.Prev, bytes.Clone(p[:]))
	}
	e.Key, e.LogKey, e.ID = ep.Key[:], ep.LogKey[:], ep.ID[:]
	for _, p := range parts {
		e.Parts = append(e.Parts, p)
	}
	author := id(0xa1)
	logID := LogID(ep.LogKey, author)
	for i, body := range []string{"", "hello, space", string(bytes.Repeat([]byte("x"), 174))} {
		pos := Position{Author: author, LogID: logID, Seq: uint64(i + 1)}
		p, err := Seal(space, ep, pos, 1765036800000+uint64(i), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		v.Sealed = append(v.Sealed, vSealed{author[:], logID[:], pos.Seq, 1765036800000 + uint64(i), body, p})
	}
	for name, in := range deviceKeyBadCases(t) {
		_, err := DecodeDeviceKey(in)
		v.Invalid = append(v.Invalid, vInvalid{name, "seal.key", in, outcome(err)})
	}
	for name, in := range announcementBadCases(t, parts[0]) {
		_, err := DecodeAnnouncement(in)
		v.Invalid = append(v.Invalid, vInvalid{name, "announcement", in, outcome(err)})
	}
	good := v.Sealed[1].Payload
	for name, in := range map[string][]byte{
		"truncated":        good[:len(good)-1],
		"one byte long":    append(bytes.Clone(good), 0),
		"version 2":        append([]byte{2}, good[1:]...),
		"tag flipped":      append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1),
		"epoch id flipped": append(append([]byte{1}, good[1]^1), good[2:]...),
	} {
		k := NewKeyring()
		k.Add(ep)
		_, err := Open(space, k, Position{Author: author, LogID: logID, Seq: 2}, in)
		v.Invalid = append(v.Invalid, vInvalid{name, "sealed", in, outcome(err)})
	}
	sortInvalid(v.Invalid)
	return v
}

// sortInvalid orders the invalid inputs by decoder, then name.
func sortInvalid(in []vInvalid) {
	slices.SortStableFunc(in, func(a, b vInvalid) int { return strings.Compare(a.Decoder+a.Name, b.Decoder+b.Name) })
}

// TestVectors checks testdata/keyring-vectors.json from its bytes, as a
// second implementation would, and that this code still writes exactly it.
func TestVectors(t *testing.T) {
	vectortest.Golden(t, vectorsPath, makeVectors(t), "doc/protocol/keyring.md", checkVectors)
}

func checkVectors(t *testing.T, v *vectors) {
	for _, d := range v.DeviceKeys {
		dk, err := DeriveDecryptionKey(d.KEM, d.IKM)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dk.Bytes(), d.Private) || !bytes.Equal(dk.Public().Key, d.Public) {
			t.Errorf("kem %#x: derived key differs", d.KEM)
		}
		got, err := DecodeDeviceKey(d.Payload)
		if err != nil || got.Rotation != d.Rotation || got.Key.KEM != d.KEM || !bytes.Equal(got.Key.Key, d.Public) {
			t.Errorf("kem %#x: payload decodes to %+v, %v", d.KEM, got, err)
		}
	}
	e := v.Epoch
	space, creator := ID(e.Space), ID(e.Creator)
	var prev []ID
	for _, p := range e.Prev {
		prev = append(prev, ID(p))
	}
	if EpochID(space, creator, prev, [32]byte(e.Key), [32]byte(e.LogKey)) != ID(e.ID) {
		t.Error("epoch id does not derive from the vector's key material")
	}
	var ep *Epoch
	for i, r := range e.Recipients {
		dk, err := DeriveDecryptionKey(r.KEM, r.IKM)
		if err != nil {
			t.Fatal(err)
		}
		var got *Epoch
		for _, p := range e.Parts {
			a, err := DecodeAnnouncement(p)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = OpenEpoch(space, ID(r.Device), dk, a); err == nil {
				break
			}
		}
		if got == nil || !bytes.Equal(got.Key[:], e.Key) || !bytes.Equal(got.LogKey[:], e.LogKey) {
			t.Fatalf("recipient %d does not open the epoch key", i)
		}
		ep = got
	}
	k := NewKeyring()
	k.Add(ep)
	for _, s := range v.Sealed {
		if LogID(ep.LogKey, ID(s.Author)) != ID(s.LogID) {
			t.Errorf("seq %d: log id does not derive", s.Seq)
		}
		o, err := Open(space, k, Position{ID(s.Author), ID(s.LogID), s.Seq}, s.Payload)
		if err != nil || string(o.Body) != s.Body || o.TimeMs != s.TimeMs {
			t.Errorf("seq %d: opened %v", s.Seq, err)
		}
	}
	for _, c := range v.Invalid {
		var err error
		switch c.Decoder {
		case "seal.key":
			_, err = DecodeDeviceKey(c.Input)
		case "announcement":
			_, err = DecodeAnnouncement(c.Input)
		case "sealed":
			_, err = Open(space, k, Position{ID(v.Sealed[1].Author), ID(v.Sealed[1].LogID), 2}, c.Input)
		}
		if got := outcome(err); got != c.Outcome || got == "ok" {
			t.Errorf("%s %s: got %q, want %q", c.Decoder, c.Name, got, c.Outcome)
		}
	}
}
