package entry

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func TestSignParseRoundTrip(t *testing.T) {
	k := testKey(t, 7)
	e1 := mustSign(t, k, Draft{Seq: 1, Timestamp: 5, Payload: []byte("a")})
	e2 := mustSign(t, k, Draft{Seq: 2, Backlink: e1.ID, Timestamp: 6, Payload: []byte("bb")})
	for _, e := range []*Entry{e1, e2} {
		p, err := Parse(e.Raw, e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != e.ID || p.Header != e.Header || !bytes.Equal(p.Payload, e.Payload) {
			t.Fatalf("round trip changed the entry")
		}
		if !p.Verify() {
			t.Fatal("valid signature rejected")
		}
		if got := p.Header.AppendSigned(nil); !bytes.Equal(got, e.Raw) {
			t.Fatal("re-encoding differs")
		}
	}
	if err := CheckNext(&e1.Header, e1.ID, &e2.Header); err != nil {
		t.Fatalf("CheckNext: %v", err)
	}
	if err := CheckNext(nil, ID{}, &e1.Header); err != nil {
		t.Fatalf("CheckNext seq 1: %v", err)
	}
}

func TestSignRejectsBadDrafts(t *testing.T) {
	k := testKey(t, 1)
	cases := []struct {
		name string
		d    Draft
		want string
	}{
		{"seq 0", Draft{Seq: 0}, "seq 0 out of range"},
		{"no backlink", Draft{Seq: 2}, "needs a backlink"},
		{"payload too big", Draft{Seq: 1, Payload: make([]byte, MaxPayloadSize+1)}, "16385 bytes exceeds the limit of 16384"},
		{"unknown flag", Draft{Seq: 1, Flags: 8}, "unknown flag bits 0x8"},
		{"timestamp", Draft{Seq: 1, Timestamp: 1 << 63}, "timestamp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Sign(k, c.d)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestPayloadChecks(t *testing.T) {
	k := testKey(t, 1)
	e := mustSign(t, k, Draft{Seq: 1, Payload: []byte("payload")})
	if _, err := Parse(e.Raw, []byte("payloaD")); err == nil || !strings.Contains(err.Error(), "SHA-256 does not match") {
		t.Fatalf("wrong payload accepted or unclear error: %v", err)
	}
	if _, err := Parse(e.Raw, []byte("payload!")); err == nil || !strings.Contains(err.Error(), "8 bytes, header says 7") {
		t.Fatalf("wrong size accepted or unclear error: %v", err)
	}
	p, err := Parse(e.Raw, nil)
	if err != nil || p.Payload != nil {
		t.Fatalf("header without payload: %v", err)
	}
}

func TestCheckNext(t *testing.T) {
	k, other := testKey(t, 1), testKey(t, 2)
	e1 := mustSign(t, k, Draft{Seq: 1})
	e2 := mustSign(t, k, Draft{Seq: 2, Backlink: e1.ID})
	end := mustSign(t, k, Draft{Seq: 1, Flags: FlagEndOfLog})
	afterEnd := mustSign(t, k, Draft{Seq: 2, Backlink: end.ID})
	gap := mustSign(t, k, Draft{Seq: 3, Backlink: e2.ID})
	wrongLink := mustSign(t, k, Draft{Seq: 2, Backlink: sha256.Sum256(nil)})
	otherLog := mustSign(t, k, Draft{LogID: LogID{1}, Seq: 2, Backlink: e1.ID})
	otherAuthor := mustSign(t, other, Draft{Seq: 2, Backlink: e1.ID})
	cases := []struct {
		name       string
		prev, next *Entry
		want       string
	}{
		{"gap", e1, gap, "want seq 2, got 3"},
		{"wrong backlink", e1, wrongLink, "backlink of seq 2 does not name entry 1"},
		{"other log", e1, otherLog, "different logs"},
		{"other author", e1, otherAuthor, "different logs"},
		{"after end of log", end, afterEnd, "log ended at seq 1"},
		{"empty log needs seq 1", nil, e2, "next entry has seq 1, got 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.prev == nil {
				err = CheckNext(nil, ID{}, &c.next.Header)
			} else {
				err = CheckNext(&c.prev.Header, c.prev.ID, &c.next.Header)
			}
			var ce *ChainError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a ChainError containing %q", err, c.want)
			}
		})
	}
}

func TestVerifyRejectsForgeries(t *testing.T) {
	k, other := testKey(t, 1), testKey(t, 2)
	e := mustSign(t, k, Draft{Seq: 1, Payload: []byte("x")})
	flipped := *e
	flipped.Header.Signature[5] ^= 1
	wrongAuthor := *e
	wrongAuthor.Header.Author = other.Public()
	changedTime := *e
	changedTime.Header.Timestamp++
	for name, f := range map[string]*Entry{"flipped signature bit": &flipped, "other author": &wrongAuthor, "changed timestamp": &changedTime} {
		if f.Verify() {
			t.Errorf("%s: forged entry verified", name)
		}
	}
	// S ≥ ℓ must be rejected (ZIP-215 requires canonical S): add ℓ to S.
	nonCanonical := *e
	s := nonCanonical.Header.Signature[32:]
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	var carry uint16
	for i := range 32 {
		v := uint16(s[i]) + uint16(l[i]) + carry
		s[i], carry = byte(v), v>>8
	}
	if carry == 0 && nonCanonical.Verify() {
		t.Error("signature with S+ℓ verified")
	}
}

func TestVerifyBatchMatchesSingle(t *testing.T) {
	k := testKey(t, 3)
	var es []*Entry
	var prev ID
	for i := uint64(1); i <= 300; i++ {
		e := mustSign(t, k, Draft{Seq: i, Backlink: prev, Timestamp: i, Payload: []byte{byte(i)}})
		prev = e.ID
		es = append(es, e)
	}
	forged := map[int]bool{0: true, 17: true, 18: true, 150: true, 299: true}
	for i := range forged {
		c := *es[i]
		c.Header.Signature[40] ^= 0x80
		es[i] = &c
	}
	got := VerifyBatch(es)
	for i, ok := range got {
		if ok == forged[i] {
			t.Errorf("entry %d: batch says valid=%v, forged=%v", i, ok, forged[i])
		}
		if ok != es[i].Verify() {
			t.Errorf("entry %d: batch and single verification disagree", i)
		}
	}
	if len(VerifyBatch(nil)) != 0 {
		t.Error("empty batch")
	}
}

// decodedByLibrary decodes raw with a general CBOR library, as an independent
// oracle for the hand-written decoder.
func decodedByLibrary(raw []byte) ([]any, bool) {
	dm, err := cbor.DecOptions{DupMapKey: cbor.DupMapKeyEnforcedAPF, IndefLength: cbor.IndefLengthForbidden}.DecMode()
	if err != nil {
		panic(err)
	}
	var v []any
	if err := dm.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	return v, true
}

func FuzzDecodeHeader(f *testing.F) {
	vf := buildVectors(&testing.T{})
	for _, v := range vf.Valid {
		f.Add(mustHex(v.HeaderHex))
	}
	for _, v := range vf.Invalid {
		f.Add(mustHex(v.HeaderHex))
	}
	f.Add([]byte{})
	f.Add([]byte{0x8a})
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := DecodeHeader(raw)
		if err != nil {
			return
		}
		// Accepted input must re-encode to itself ...
		if got := h.AppendSigned(nil); !bytes.Equal(got, raw) {
			t.Fatalf("accepted %x but re-encodes to %x", raw, got)
		}
		// ... and be canonical CBOR by an independent implementation.
		v, ok := decodedByLibrary(raw)
		if !ok || len(v) != 10 {
			t.Fatalf("accepted %x, which the CBOR library rejects", raw)
		}
		again, err := em.Marshal(v)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("accepted %x, not core deterministic CBOR (library re-encodes to %x)", raw, again)
		}
	})
}

func FuzzParse(f *testing.F) {
	vf := buildVectors(&testing.T{})
	for _, v := range vf.Valid {
		f.Add(mustHex(v.HeaderHex), mustHex(v.PayloadHex))
	}
	f.Fuzz(func(t *testing.T, raw, payload []byte) {
		e, err := Parse(raw, payload)
		if err != nil {
			return
		}
		if e.ID != sha256.Sum256(raw) {
			t.Fatal("id is not the hash of the header")
		}
		if !bytes.Equal(e.Header.AppendSigned(nil), raw) {
			t.Fatal("accepted header does not re-encode to itself")
		}
		if uint64(len(payload)) != e.Header.PayloadSize || HashPayload(payload) != e.Header.PayloadHash {
			t.Fatal("accepted a payload that does not match the header")
		}
		if e.SignatureVerified() {
			t.Fatal("a parsed entry is marked verified before any check")
		}
		// Single and batch verification decide the same way (a batch of
		// batchMin copies takes the batch path, not the single one).
		single := e.Verify()
		batch := make([]*Entry, batchMin)
		for i := range batch {
			batch[i], _ = Parse(raw, payload)
		}
		for i, ok := range VerifyBatch(batch) {
			if ok != single {
				t.Fatalf("Verify = %v, VerifyBatch[%d] = %v", single, i, ok)
			}
		}
		if e.SignatureVerified() != single {
			t.Fatal("verified mark does not match the verification")
		}
	})
}

func mustHex(s string) []byte {
	b, err := hexDecode(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSignatureVerifiedCache(t *testing.T) {
	k := testKey(t, 4)
	signed := mustSign(t, k, Draft{Seq: 1, Payload: []byte("p")})
	if !signed.SignatureVerified() {
		t.Fatal("an entry this node signed is not marked verified")
	}
	parsed, err := Parse(signed.Raw, signed.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.SignatureVerified() {
		t.Fatal("a parsed entry is marked verified before any check")
	}
	forged, _ := Parse(signed.Raw, nil)
	forged.Header.Signature[0] ^= 1
	forged.Raw = forged.Header.AppendSigned(nil)
	forged.ID = sha256.Sum256(forged.Raw)
	got := VerifyBatch([]*Entry{parsed, forged})
	if !got[0] || got[1] {
		t.Fatalf("VerifyBatch = %v, want [true false]", got)
	}
	if !parsed.SignatureVerified() || forged.SignatureVerified() {
		t.Fatal("marks wrong after VerifyBatch")
	}
	// A copy whose header was changed afterwards loses the mark.
	c := *parsed
	c.Header.Timestamp++
	if c.SignatureVerified() {
		t.Fatal("changed header still marked verified")
	}
}

func TestSignWith(t *testing.T) {
	k := testKey(t, 1)
	d := Draft{Seq: 1, Timestamp: 1_700_000_000_000, Payload: []byte("x")}
	want := mustSign(t, k, d)
	got, err := SignWith(k.Public(), func(m []byte) ([]byte, error) { s := k.Sign(m); return s[:], nil }, d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Raw, want.Raw) || got.ID != want.ID {
		t.Fatalf("SignWith gave %x, Sign %x", got.Raw, want.Raw)
	}
	other := testKey(t, 2)
	if _, err := SignWith(k.Public(), func(m []byte) ([]byte, error) { s := other.Sign(m); return s[:], nil }, d); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("a signer with another key: err %v", err)
	}
	if _, err := SignWith(k.Public(), func(m []byte) ([]byte, error) { return []byte{1, 2}, nil }, d); err == nil || !strings.Contains(err.Error(), "returned 2 bytes") {
		t.Fatalf("a short signature: err %v", err)
	}
}
