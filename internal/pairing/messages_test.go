package pairing

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func encoded(t testing.TB, m interface{ Encode() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sampleMessages(t testing.TB) (hello, offer, refusal, request, result []byte) {
	var h Hello
	copy(h.ID[:], seq(1, IDSize))
	copy(h.SID[:], seq(2, SIDSize))
	copy(h.Share[:], seq(3, 32))
	var r Request
	copy(r.Tag[:], seq(4, 32))
	copy(r.DeviceSig[:], seq(5, 64))
	r.Name = "phone"
	res := Result{Status: OK, Message: "welcome", Certs: []Cert{{Header: seq(6, 100), Payload: seq(7, 50)}}}
	copy(res.Tag[:], seq(8, 32))
	o := Offer{Status: OK}
	copy(o.Share[:], seq(9, 32))
	return encoded(t, h), encoded(t, o), encoded(t, Offer{Status: ExpiredCode, Message: "expired"}), encoded(t, r), encoded(t, res)
}

// rawFrame frames body as it is, for malformed messages.
func rawFrame(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestMessagesRoundTrip(t *testing.T) {
	hello, offer, refusal, request, result := sampleMessages(t)
	h, err := ReadHello(bytes.NewReader(hello))
	if err != nil || h.ID[0] != 1 || h.SID[0] != 2 || h.Share[31] != 3+31 {
		t.Fatalf("hello %+v %v", h, err)
	}
	o, err := ReadOffer(bytes.NewReader(offer))
	if err != nil || o.Status != OK || o.Share[0] != 9 {
		t.Fatalf("offer %+v %v", o, err)
	}
	o, err = ReadOffer(bytes.NewReader(refusal))
	if err != nil || o.Status != ExpiredCode || o.Message != "expired" || o.Share != [32]byte{} {
		t.Fatalf("refusal %+v %v", o, err)
	}
	r, err := ReadRequest(bytes.NewReader(request))
	if err != nil || r.Name != "phone" || r.Tag[0] != 4 || r.DeviceSig[63] != 5+63 {
		t.Fatalf("request %+v %v", r, err)
	}
	res, err := ReadResult(bytes.NewReader(result))
	if err != nil || res.Status != OK || len(res.Certs) != 1 || len(res.Certs[0].Header) != 100 || res.Tag[0] != 8 {
		t.Fatalf("result %+v %v", res, err)
	}
}

func TestMessagesRefused(t *testing.T) {
	hello, _, _, request, result := sampleMessages(t)
	noncanon := append([]byte{}, hello[4:]...)
	noncanon[1] = 0x18 // version as a 2-byte unsigned: 18 01
	noncanon = append(noncanon[:2], append([]byte{1}, noncanon[2:]...)...)
	badName := Request{Name: "\u202eenohp"}
	badNameBytes, _ := frame(requestBody{Version: 1, Tag: seq(1, 32), DeviceSig: seq(1, 64), Name: badName.Name}, MaxMessage)
	refusalWithShare, _ := frame(offerBody{Version: 1, Status: uint64(WrongCode), Message: "x", Share: seq(1, 32)}, MaxMessage)
	okWithoutCerts, _ := frame(resultBody{Version: 1, Status: 0, Message: "", Tag: seq(1, 32), Certs: []certBody{}}, MaxResult)
	unknownStatus, _ := frame(offerBody{Version: 1, Status: uint64(maxStatus) + 1, Share: []byte{}}, MaxMessage)
	v2, _ := frame(helloBody{Version: 2, ID: seq(1, 8), SID: seq(1, 16), Share: seq(1, 32)}, MaxMessage)
	for _, c := range []struct {
		name string
		in   []byte
		read func(io.Reader) error
		want string
	}{
		{"zero length", []byte{0, 0, 0, 0}, readHelloErr, "length 0"},
		{"oversized hello", binary.BigEndian.AppendUint32(nil, MaxMessage+1), readHelloErr, "outside"},
		{"oversized result", binary.BigEndian.AppendUint32(nil, MaxResult+1), readResultErr, "outside"},
		{"non-canonical", rawFrame(noncanon), readHelloErr, "canonical"},
		{"trailing", rawFrame(append(append([]byte{}, hello[4:]...), 0)), readHelloErr, "malformed"},
		{"version 2", v2, readHelloErr, "version 2"},
		{"hello as request", hello, readRequestErr, "malformed"},
		{"bad name", badNameBytes, readRequestErr, "malformed"},
		{"refusal with share", refusalWithShare, readOfferErr, "refusal with a share"},
		{"ok without certs", okWithoutCerts, readResultErr, "0 certificates"},
		{"unknown status", unknownStatus, readOfferErr, "unknown status"},
		{"request as result", request, readResultErr, "malformed"},
		{"result as hello", result, readHelloErr, "malformed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.read(bytes.NewReader(c.in))
			if !errors.Is(err, ErrMessage) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want ErrMessage with %q", err, c.want)
			}
		})
	}
	// A stream that ends is no breach.
	for _, in := range [][]byte{nil, hello[:2], hello[:10]} {
		err := readHelloErr(bytes.NewReader(in))
		if errors.Is(err, ErrMessage) || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			t.Errorf("%d bytes: err %v, want EOF and no ErrMessage", len(in), err)
		}
	}
}

func readHelloErr(r io.Reader) error   { _, err := ReadHello(r); return err }
func readOfferErr(r io.Reader) error   { _, err := ReadOffer(r); return err }
func readRequestErr(r io.Reader) error { _, err := ReadRequest(r); return err }
func readResultErr(r io.Reader) error  { _, err := ReadResult(r); return err }

// fuzzRead checks that a reader never panics, fails only with ErrMessage
// or an end of stream, and that what it accepts encodes back to the same
// frame.
func fuzzRead[T interface{ Encode() ([]byte, error) }](f *testing.F, seeds [][]byte, read func(io.Reader) (T, error)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := read(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMessage) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("accepted message does not encode: %v", err)
		}
		if !bytes.HasPrefix(in, again) {
			t.Fatalf("accepted message re-encodes differently")
		}
	})
}

func FuzzReadHello(f *testing.F) {
	h, o, r, q, s := sampleMessages(f)
	fuzzRead(f, [][]byte{h, o, r, q, s}, ReadHello)
}

func FuzzReadOffer(f *testing.F) {
	h, o, r, q, s := sampleMessages(f)
	fuzzRead(f, [][]byte{o, r, h, q, s}, ReadOffer)
}

func FuzzReadRequest(f *testing.F) {
	h, o, r, q, s := sampleMessages(f)
	fuzzRead(f, [][]byte{q, h, o, r, s}, ReadRequest)
}

func FuzzReadResult(f *testing.F) {
	h, o, r, q, s := sampleMessages(f)
	fuzzRead(f, [][]byte{s, h, o, r, q}, ReadResult)
}

// FuzzRespond feeds arbitrary shares to the pairing device's side: it
// never panics and either refuses the share or derives keys.
func FuzzRespond(f *testing.F) {
	code := vectorCode()
	f.Add(seq(1, 32))
	f.Add(make([]byte, 32))
	f.Add(mustHex("2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"))
	f.Fuzz(func(t *testing.T, share []byte) {
		var h Hello
		copy(h.Share[:], share)
		p := Parties{Account: code.Account, Pairing: code.Device, New: newDeviceKey()}
		_, _, err := Respond(bytes.NewReader(seq(0x80, 64)), p, code.Secret, h)
		if err != nil && !errors.Is(err, ErrIdentity) && !errors.Is(err, ErrSameShare) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
