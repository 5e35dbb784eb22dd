package content

import (
	"testing"

	"github.com/kithnet/kith/internal/blob"
)

// benchPayloads are typical payloads: a short post as a feed is full of,
// a reply in a thread with images, and a device certificate.
func benchPayloads(b *testing.B) []struct {
	name    string
	payload []byte
} {
	enc := func(p Payload) []byte {
		out, err := Encode(p)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	return []struct {
		name    string
		payload []byte
	}{
		{"post", enc(&Post{Text: "benchmark post number 123 of log 45"})},
		{"reply", enc(&Post{Text: "nice pictures, where was this?", Images: []blob.ID{bid("a"), bid("b")}, ReplyTo: eid("parent"), Root: eid("root")})},
		{"device.add", enc(&DeviceAdd{Account: acc("ada"), Device: [32]byte(acc("laptop")), Name: "laptop", DeviceSig: [64]byte{1, 2, 3}})},
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range benchPayloads(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(c.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeOracle decodes the same payloads by way of the CBOR
// library (oracle_test.go), as Decode did before it read the bytes
// directly: the baseline BenchmarkDecode is measured against.
func BenchmarkDecodeOracle(b *testing.B) {
	for _, c := range benchPayloads(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := oracleDecode(c.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
