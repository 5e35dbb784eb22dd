package pairing

import (
	"crypto/sha512"
	"errors"
	"io"

	"github.com/gtank/ristretto255"
)

// CPace with the group ristretto255 and the hash SHA-512, as
// draft-irtf-cfrg-cpace defines it (section "CPace group objects
// G_Ristretto255 ..." and its test vectors), initiator-responder setting.
const (
	cpaceDSI     = "CPaceRistretto255"
	cpaceDSIISK  = "CPaceRistretto255_ISK"
	sha512Block  = 128 // H.s_in_bytes
	elementSize  = 32
	scalarSize   = 32
	iskSize      = 64
	uniformBytes = 64 // 2 * field size
)

// ErrIdentity is returned when a peer's share is not a valid encoding of
// a ristretto255 element or yields the neutral element: the draft's
// scalar_mult_vfy outcome G.I, on which both sides abort.
var ErrIdentity = errors.New("pairing: the peer's share is not a valid group element")

// prependLen returns the LEB128 length of b followed by b.
func prependLen(b []byte) []byte {
	n := len(b)
	out := make([]byte, 0, n+3)
	for {
		if n < 128 {
			out = append(out, byte(n))
			break
		}
		out = append(out, byte(n&0x7f)|0x80)
		n >>= 7
	}
	return append(out, b...)
}

// lvCat is the draft's prefix_free_cat: every argument with its LEB128
// length before it.
func lvCat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, prependLen(p)...)
	}
	return out
}

// generatorString is the draft's generator_string(DSI, PRS, CI, sid,
// s_in_bytes) for SHA-512: lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid).
func generatorString(prs, ci, sid []byte) []byte {
	zpad := sha512Block - 1 - len(prependLen(prs)) - len(prependLen([]byte(cpaceDSI)))
	if zpad < 0 {
		zpad = 0
	}
	return lvCat([]byte(cpaceDSI), prs, make([]byte, zpad), ci, sid)
}

// generator is calculate_generator: SHA-512 of the generator string,
// mapped to an element by ristretto255's element derivation.
func generator(prs, ci, sid []byte) *ristretto255.Element {
	h := sha512.Sum512(generatorString(prs, ci, sid))
	return ristretto255.NewElement().FromUniformBytes(h[:])
}

// sampleScalar returns a scalar uniform modulo the group order, from 64
// bytes of rand.
func sampleScalar(rand io.Reader) (*ristretto255.Scalar, error) {
	var b [uniformBytes]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, err
	}
	return ristretto255.NewScalar().FromUniformBytes(b[:]), nil
}

// scalarMult returns the encoding of y·g.
func scalarMult(y *ristretto255.Scalar, g *ristretto255.Element) []byte {
	return ristretto255.NewElement().ScalarMult(y, g).Encode(nil)
}

// scalarMultVfy is the draft's scalar_mult_vfy: the encoding of y·X, or
// ErrIdentity when X does not decode or the result is the neutral element.
func scalarMultVfy(y *ristretto255.Scalar, x []byte) ([]byte, error) {
	if len(x) != elementSize {
		return nil, ErrIdentity
	}
	p := ristretto255.NewElement()
	if err := p.Decode(x); err != nil {
		return nil, ErrIdentity
	}
	k := ristretto255.NewElement().ScalarMult(y, p)
	if k.Equal(ristretto255.NewElement().Zero()) == 1 {
		return nil, ErrIdentity
	}
	return k.Encode(nil), nil
}

// transcriptIR is the initiator-responder transcript:
// lv_cat(Ya, ADa) ‖ lv_cat(Yb, ADb).
func transcriptIR(ya, ada, yb, adb []byte) []byte {
	return append(lvCat(ya, ada), lvCat(yb, adb)...)
}

// isk is H.hash(lv_cat(DSI ‖ "_ISK", sid, K) ‖ transcript_ir(...)).
func isk(sid, k, ya, ada, yb, adb []byte) [iskSize]byte {
	b := lvCat([]byte(cpaceDSIISK), sid, k)
	b = append(b, transcriptIR(ya, ada, yb, adb)...)
	return sha512.Sum512(b)
}
