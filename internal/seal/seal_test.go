package seal

import (
	"bytes"
	"crypto/hpke"
	"errors"
	"testing"
)

func id(b byte) ID {
	var x ID
	for i := range x {
		x[i] = b
	}
	return x
}

func mustKey(t testing.TB, kem uint16, seed byte) *DecryptionKey {
	t.Helper()
	ikm := bytes.Repeat([]byte{seed}, 32)
	k, err := DeriveDecryptionKey(kem, ikm)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDeviceKeyRoundTrip(t *testing.T) {
	for _, kem := range []uint16{KEMHybrid, KEMX25519} {
		dk := DeviceKey{Key: mustKey(t, kem, 1).Public(), Rotation: 300}
		p, err := EncodeDeviceKey(dk)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeDeviceKey(p)
		if err != nil {
			t.Fatalf("kem %#x: %v", kem, err)
		}
		if got.Key.KEM != kem || got.Rotation != 300 || !bytes.Equal(got.Key.Key, dk.Key.Key) {
			t.Fatalf("kem %#x: decoded %+v", kem, got)
		}
	}
}

func deviceKeyBadCases(t testing.TB) map[string][]byte {
	good, err := EncodeDeviceKey(DeviceKey{Key: mustKey(t, KEMX25519, 1).Public(), Rotation: 1})
	if err != nil {
		t.Fatal(err)
	}
	hybrid, err := EncodeDeviceKey(DeviceKey{Key: mustKey(t, KEMHybrid, 1).Public(), Rotation: 1})
	if err != nil {
		t.Fatal(err)
	}
	mod := func(b []byte, i int, v byte) []byte { c := bytes.Clone(b); c[i] = v; return c }
	badHybridKey := bytes.Clone(hybrid)
	for i := 15; i < 15+384*3; i++ { // ML-KEM coefficients of 0xfff are ≥ q
		badHybridKey[i] = 0xff
	}
	return map[string][]byte{
		"empty":             {},
		"truncated":         good[:len(good)-1],
		"trailing byte":     append(bytes.Clone(good), 0),
		"oversized":         make([]byte, deviceKeyMaxSize+1),
		"map of 5":          mod(good, 0, 0xa5),
		"unknown KEM":       mod(good, 6, 0x21),
		"other type":        mod(good, len(good)-1, 'x'),
		"short key":         append(append(bytes.Clone(good[:11]), 0x58, 0x1f), good[14:]...),
		"hybrid key not ML": badHybridKey,
		"rot not shortest":  append(append(bytes.Clone(good[:len(good)-15]), 0x18, 0x01), good[len(good)-14:]...),
	}
}

func TestDeviceKeyBadInput(t *testing.T) {
	for name, p := range deviceKeyBadCases(t) {
		if _, err := DecodeDeviceKey(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

// The current key is the one at the highest seq whose rotation counter
// rose; arrival order and timestamps play no part.
func TestCurrentDeviceKey(t *testing.T) {
	k := func(rot uint64) DeviceKey { return DeviceKey{Key: EncryptionKey{KEM: KEMX25519}, Rotation: rot} }
	cur, ok, refused := CurrentDeviceKey([]Published{{Seq: 9, Key: k(3)}, {Seq: 2, Key: k(1)}, {Seq: 5, Key: k(7)}, {Seq: 4, Key: k(2)}})
	if !ok || cur.Rotation != 7 || len(refused) != 1 || refused[0] != 9 {
		t.Fatalf("got rot %d ok %v refused %v, want rot 7 (seq 5), seq 9 refused", cur.Rotation, ok, refused)
	}
	if _, ok, _ := CurrentDeviceKey(nil); ok {
		t.Fatal("no payloads, yet a current key")
	}
}

type member struct {
	device ID
	key    *DecryptionKey
}

func members(t testing.TB, n int, kem uint16) ([]member, []Recipient) {
	ms := make([]member, n)
	rs := make([]Recipient, n)
	for i := range ms {
		ms[i] = member{device: id(byte(100 + i%100)), key: mustKey(t, kem, byte(i))}
		ms[i].device[0] = byte(i >> 8)
		rs[i] = Recipient{Device: ms[i].device, Key: ms[i].key.Public()}
	}
	return ms, rs
}

func openAny(space ID, m member, parts [][]byte) (*Epoch, error) {
	var last error
	for _, p := range parts {
		a, err := DecodeAnnouncement(p)
		if err != nil {
			return nil, err
		}
		e, err := OpenEpoch(space, m.device, m.key, a)
		if err == nil {
			return e, nil
		}
		last = err
	}
	return nil, last
}

func TestEpochRoundTrip(t *testing.T) {
	space, creator := id(1), id(2)
	hy, rs := members(t, 3, KEMHybrid)
	x, rsx := members(t, 2, KEMX25519)
	x[0].device, x[1].device = id(50), id(51)
	rsx[0].Device, rsx[1].Device = id(50), id(51)
	e, parts, err := NewEpoch(space, creator, []ID{id(9), id(8)}, [32]byte{}, append(rs, rsx...))
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Fatalf("%d parts for 5 recipients", len(parts))
	}
	a, err := DecodeAnnouncement(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.Creator != creator {
		t.Fatal("announcement does not name the creator")
	}
	sizes := map[int]int{}
	for _, w := range a.Wraps {
		sizes[len(w)]++
	}
	if sizes[WrapSizeHybrid] != 8 || sizes[WrapSizeX25519] != 8 || len(sizes) != 2 {
		t.Fatalf("wraps by size %v, want 3 hybrid and 2 X25519 each rounded up to 8", sizes)
	}
	if e.Prev[0] != id(8) || e.ID != EpochID(space, creator, e.Prev, e.Key, e.LogKey) {
		t.Fatal("prev not sorted or id not derived")
	}
	for i, m := range append(hy, x...) {
		got, err := openAny(space, m, parts)
		if err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		if got.Key != e.Key || got.LogKey != e.LogKey || got.ID != e.ID {
			t.Fatalf("member %d opened other key material", i)
		}
	}
	// A device that is not a recipient, a recipient looking in another
	// space, or one claiming another device's id: not for me.
	outsider := member{device: id(77), key: mustKey(t, KEMHybrid, 200)}
	for name, c := range map[string]struct {
		space ID
		m     member
	}{
		"outsider":              {space, outsider},
		"other space":           {id(3), hy[0]},
		"wrap for someone else": {space, member{device: hy[1].device, key: hy[0].key}},
	} {
		if _, err := openAny(c.space, c.m, parts); !errors.Is(err, ErrNotForMe) {
			t.Errorf("%s: got %v, want ErrNotForMe", name, err)
		}
	}
	// Claimed for another creator: the id does not derive.
	a.Creator = id(4)
	if _, err := OpenEpoch(space, hy[0].device, hy[0].key, a); !errors.Is(err, ErrEpochMismatch) {
		t.Errorf("other creator: got %v, want ErrEpochMismatch", err)
	}
	// Another admin gives the epoch to a device added later: it opens the
	// same key material, and the announcement still names the creator.
	added := member{device: id(60), key: mustKey(t, KEMHybrid, 60)}
	more, err := Wrap(space, e, []Recipient{{Device: added.device, Key: added.key.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := openAny(space, added, more)
	if err != nil || got.Key != e.Key || got.LogKey != e.LogKey || got.Creator != creator {
		t.Fatalf("added device: %v", err)
	}
	if _, err := openAny(space, added, parts); !errors.Is(err, ErrNotForMe) {
		t.Errorf("added device in the first announcement: got %v, want ErrNotForMe", err)
	}
}

// A creator that wraps a key which does not hash to the epoch id it
// announces (to give members different keys under one id) is caught.
func TestEpochIDLie(t *testing.T) {
	space, creator := id(1), id(2)
	ms, _ := members(t, 1, KEMX25519)
	claimed := id(0x42)
	secret := make([]byte, 64)
	pk, err := hpke.DHKEM(x25519Curve()).NewPublicKey(ms[0].key.Public().Key)
	if err != nil {
		t.Fatal(err)
	}
	w, err := hpke.Seal(pk, wrapKDF(), wrapAEAD(), wrapInfo(space, claimed, ms[0].device), secret)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := packParts(&Epoch{ID: claimed, Creator: creator}, [][]byte{w})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openAny(space, ms[0], parts); !errors.Is(err, ErrEpochMismatch) {
		t.Fatalf("got %v, want ErrEpochMismatch", err)
	}
}

// 1,000 hybrid recipients split into parts of at most 16384 bytes; each
// recipient finds its wrap in exactly one.
func TestEpochParts1000(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 ML-KEM key pairs")
	}
	space, creator := id(1), id(2)
	ms, rs := members(t, 1000, KEMHybrid)
	_, parts, err := NewEpoch(space, creator, nil, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 77 {
		t.Errorf("%d parts, want 77 (13 hybrid wraps per part)", len(parts))
	}
	total := 0
	for i, p := range parts {
		if len(p) > MaxPayload {
			t.Fatalf("part %d is %d bytes", i, len(p))
		}
		a, err := DecodeAnnouncement(p)
		if err != nil || a.Part != i || a.Parts != len(parts) {
			t.Fatalf("part %d: %v", i, err)
		}
		total += len(a.Wraps)
	}
	if total != 1000 {
		t.Fatalf("%d wraps", total)
	}
	for _, m := range []member{ms[0], ms[499], ms[999]} {
		if _, err := openAny(space, m, parts); err != nil {
			t.Fatal(err)
		}
	}
}

func testEpoch(t testing.TB, space ID, prev ...ID) *Epoch {
	_, rs := members(t, 1, KEMX25519)
	e, _, err := NewEpoch(space, id(2), prev, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSealOpen(t *testing.T) {
	space := id(1)
	e := testEpoch(t, space)
	k := NewKeyring()
	k.Add(e)
	pos := Position{Author: id(5), LogID: LogID(e.LogKey, id(5)), Seq: 7}
	for _, n := range []int{0, 1, 173, 174, 429, 430, MaxBody} {
		body := bytes.Repeat([]byte{'a'}, n)
		p, err := Seal(space, e, pos, 1765000000123, body)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if len(p) != BucketFor(n) {
			t.Fatalf("%d bytes sealed to %d, want bucket %d", n, len(p), BucketFor(n))
		}
		o, err := Open(space, k, pos, p)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if o.TimeMs != 1765000000123 || !bytes.Equal(o.Body, body) || o.Epoch != e.ID {
			t.Fatalf("%d bytes: opened %d bytes at %d", n, len(o.Body), o.TimeMs)
		}
	}
	if BucketFor(173) != 256 || BucketFor(174) != 512 || BucketFor(MaxBody) != 16384 || BucketFor(MaxBody+1) != 0 {
		t.Fatal("bucket bounds moved")
	}
}

func TestSealBadInput(t *testing.T) {
	space := id(1)
	e := testEpoch(t, space)
	k := NewKeyring()
	k.Add(e)
	pos := Position{Author: id(5), LogID: LogID(e.LogKey, id(5)), Seq: 7}
	p, err := Seal(space, e, pos, 1, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte { c := bytes.Clone(p); c[i] ^= 1; return c }
	other := testEpoch(t, space)
	cases := []struct {
		name  string
		space ID
		k     *Keyring
		pos   Position
		p     []byte
		want  error
	}{
		{"other seq (replay)", space, k, Position{pos.Author, pos.LogID, 8}, p, ErrNotDecrypted},
		{"other author", space, k, Position{id(6), pos.LogID, 7}, p, ErrNotDecrypted},
		{"other log", space, k, Position{pos.Author, id(9), 7}, p, ErrNotDecrypted},
		{"other space", id(3), k, pos, p, ErrNotDecrypted},
		{"ciphertext flipped", space, k, pos, flip(100), ErrNotDecrypted},
		{"nonce flipped", space, k, pos, flip(40), ErrNotDecrypted},
		{"tag flipped", space, k, pos, flip(len(p) - 1), ErrNotDecrypted},
		{"unknown epoch", space, NewKeyring(), pos, p, ErrUnknownEpoch},
		{"epoch id changed", space, k, pos, flip(1), ErrUnknownEpoch},
		{"truncated", space, k, pos, p[:255], ErrMalformed},
		{"oversized", space, k, pos, make([]byte, 16385), ErrMalformed},
		{"not a bucket", space, k, pos, append(bytes.Clone(p), 0), ErrMalformed},
		{"empty", space, k, pos, nil, ErrMalformed},
		{"version 2", space, k, pos, func() []byte { c := bytes.Clone(p); c[0] = 2; return c }(), ErrMalformed},
	}
	k2 := NewKeyring()
	k2.Add(e)
	k2.Add(other)
	for _, c := range cases {
		if _, err := Open(c.space, c.k, c.pos, c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Seal(space, e, pos, 1, make([]byte, MaxBody+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: got %v", err)
	}
}

// A payload whose padding is not zero, or whose body belongs in a smaller
// bucket, is refused even though it decrypts: one encoding per plaintext.
func TestSealPaddingRules(t *testing.T) {
	space := id(1)
	e := testEpoch(t, space)
	k := NewKeyring()
	k.Add(e)
	pos := Position{Author: id(5), Seq: 1}
	for name, inner := range map[string][]byte{
		"nonzero padding": append(append(make([]byte, 8), 0, 1, 'x'), append(make([]byte, 256-73-10-2), 1)...),
		"wrong bucket":    append(append(make([]byte, 8), 0, 1, 'x'), make([]byte, 512-73-10-1)...),
		"length too long": append(append(make([]byte, 8), 0xff, 0xff), make([]byte, 256-73-10)...),
	} {
		p := sealRaw(t, space, e, pos, inner)
		if _, err := Open(space, k, pos, p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestKeyringOrder(t *testing.T) {
	space := id(1)
	e1 := testEpoch(t, space)
	a := testEpoch(t, space, e1.ID) // two concurrent rotations after e1
	b := testEpoch(t, space, e1.ID)
	k := NewKeyring()
	for _, e := range []*Epoch{b, e1, a} {
		k.Add(e)
	}
	cur, heads := k.Current()
	want := a
	if bytes.Compare(b.ID[:], a.ID[:]) < 0 {
		want = b
	}
	if cur != want || len(heads) != 2 {
		t.Fatalf("current %x of %d heads, want the smaller of two heads", cur.ID[:4], len(heads))
	}
	merged := testEpoch(t, space, a.ID, b.ID)
	k.Add(merged)
	if cur, heads := k.Current(); cur != merged || len(heads) != 1 {
		t.Fatal("the merging epoch is not current")
	}
	if err := k.CheckOrder(merged.ID, e1.ID); !errors.Is(err, ErrOutdatedEpoch) {
		t.Fatalf("back to e1 after merged: %v", err)
	}
	if err := k.CheckOrder(a.ID, b.ID); err != nil {
		t.Fatalf("concurrent epochs: %v", err)
	}
	if err := k.CheckOrder(e1.ID, merged.ID); err != nil {
		t.Fatalf("forward: %v", err)
	}
}

func TestLogID(t *testing.T) {
	var lk, lk2 [32]byte
	lk2[0] = 1
	if LogID(lk, id(1)) == LogID(lk, id(2)) || LogID(lk, id(1)) == LogID(lk2, id(1)) {
		t.Fatal("log ids collide")
	}
}

func announcementBadCases(t testing.TB, good []byte) map[string][]byte {
	a, err := DecodeAnnouncement(good)
	if err != nil {
		t.Fatal(err)
	}
	withWraps := func(prev []ID, part, parts int, wraps ...[]byte) []byte {
		b := announceHead(a.Epoch, a.Creator, prev, part, parts, len(wraps))
		for _, w := range wraps {
			b = appendWrap(b, w)
		}
		return b
	}
	w := a.Wraps[0]
	return map[string][]byte{
		"empty":              {},
		"truncated":          good[:len(good)-1],
		"trailing byte":      append(bytes.Clone(good), 0),
		"oversized":          append(bytes.Clone(good), make([]byte, MaxPayload)...),
		"version 2":          append([]byte{0x87, 0x02}, good[2:]...),
		"6 elements":         append([]byte{0x86}, good[1:]...),
		"no wraps":           withWraps(a.Prev, 0, 1),
		"part beyond parts":  withWraps(a.Prev, 1, 1, w),
		"zero parts":         withWraps(a.Prev, 0, 0, w),
		"prev unsorted":      withWraps([]ID{id(2), id(1)}, 0, 1, w),
		"prev twice":         withWraps([]ID{id(1), id(1)}, 0, 1, w),
		"nine prev":          withWraps([]ID{id(1), id(2), id(3), id(4), id(5), id(6), id(7), id(8), id(9)}, 0, 1, w),
		"wrap of 113 bytes":  withWraps(a.Prev, 0, 1, make([]byte, 113)),
		"wrap of 1201 bytes": withWraps(a.Prev, 0, 1, make([]byte, 1201)),
	}
}

func TestAnnouncementBadInput(t *testing.T) {
	_, rs := members(t, 2, KEMX25519)
	_, parts, err := NewEpoch(id(1), id(2), []ID{id(3)}, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range announcementBadCases(t, parts[0]) {
		if _, err := DecodeAnnouncement(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestDeviceKeyMaxSize(t *testing.T) {
	p, err := EncodeDeviceKey(DeviceKey{Key: mustKey(t, KEMHybrid, 1).Public(), Rotation: MaxRotation})
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != deviceKeyMaxSize || deviceKeyMaxSize != 1258 {
		t.Fatalf("largest seal.key is %d bytes, limit %d, keyring.md says 1258", len(p), deviceKeyMaxSize)
	}
}

// A device that has seen a newer epoch announced but cannot open it (its
// wrap has not come, or it was removed) has no current epoch to seal under,
// and an entry that goes back to the older epoch is outdated for it too.
func TestKeyringKnowsWhatItCannotOpen(t *testing.T) {
	space := id(1)
	old := testEpoch(t, space)
	_, rs := members(t, 1, KEMX25519)
	_, parts, err := NewEpoch(space, id(2), []ID{old.ID}, old.LogKey, rs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := DecodeAnnouncement(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyring()
	k.Add(old)
	if cur, _ := k.Current(); cur != old {
		t.Fatal("the only epoch is not current")
	}
	k.Learn(a)
	cur, heads := k.Current()
	if cur != nil || len(heads) != 1 || heads[0] != a.Epoch {
		t.Fatalf("after learning a newer epoch it cannot open: current %v, heads %d", cur, len(heads))
	}
	if err := k.CheckOrder(a.Epoch, old.ID); !errors.Is(err, ErrOutdatedEpoch) {
		t.Fatalf("back to the old epoch: %v", err)
	}
}

// A wrap copied into an announcement of another epoch (replayed to make a
// member accept an old key under a new id) does not open: the info binds
// the epoch id.
func TestWrapReplayedIntoAnotherEpoch(t *testing.T) {
	space := id(1)
	ms, rs := members(t, 1, KEMHybrid)
	e, parts, err := NewEpoch(space, id(2), nil, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := DecodeAnnouncement(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	forged := &Epoch{ID: id(0x99), Creator: e.Creator, Prev: []ID{e.ID}}
	replayed, err := packParts(forged, a.Wraps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openAny(space, ms[0], replayed); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("got %v, want ErrNotForMe", err)
	}
	if _, err := openAny(space, ms[0], parts); err != nil {
		t.Fatalf("the original: %v", err)
	}
}
