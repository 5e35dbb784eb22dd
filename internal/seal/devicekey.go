package seal

import (
	"bytes"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// EncryptionKey is a device's published HPKE public key.
type EncryptionKey struct {
	KEM uint16
	Key []byte
}

// DeviceKey is a seal.key payload (keyring.md §1): the device's current
// encryption key and its rotation counter. It is published as an entry in
// the device's public log, signed by the device key.
type DeviceKey struct {
	Key      EncryptionKey
	Rotation uint64
}

// MaxRotation bounds the rotation counter (as entry seq is bounded).
const MaxRotation = 1<<63 - 1

// The fixed bytes of a seal.key payload: the map head and its keys in
// bytewise order of their encodings.
var (
	dkMapHead = []byte{0xa4}
	dkKeyKEM  = []byte{0x63, 'k', 'e', 'm'}
	dkKeyPub  = []byte{0x63, 'p', 'u', 'b'}
	dkKeyRot  = []byte{0x63, 'r', 'o', 't'}
	dkKeyType = []byte{0x64, 't', 'y', 'p', 'e', 0x68, 's', 'e', 'a', 'l', '.', 'k', 'e', 'y'}
)

// deviceKeyMaxSize is the largest seal.key payload: hybrid key, counter in 9 bytes.
const deviceKeyMaxSize = 1 + 4 + 3 + 4 + 3 + hybridPublicKeySize + 4 + 9 + 14

// EncodeDeviceKey returns the seal.key payload for k.
func EncodeDeviceKey(k DeviceKey) ([]byte, error) {
	_, pubSize, _, err := kemByID(k.Key.KEM)
	if err != nil {
		return nil, err
	}
	if len(k.Key.Key) != pubSize {
		return nil, fmt.Errorf("%w: public key is %d bytes, KEM 0x%04x has %d", ErrMalformed, len(k.Key.Key), k.Key.KEM, pubSize)
	}
	if k.Rotation > MaxRotation {
		return nil, fmt.Errorf("%w: rotation %d above 2^63-1", ErrMalformed, k.Rotation)
	}
	b := append([]byte{}, dkMapHead...)
	b = append(b, dkKeyKEM...)
	b = cborwire.AppendUint(b, uint64(k.Key.KEM))
	b = append(b, dkKeyPub...)
	b = cborwire.AppendBytes(b, k.Key.Key)
	b = append(b, dkKeyRot...)
	b = cborwire.AppendUint(b, k.Rotation)
	b = append(b, dkKeyType...)
	return b, nil
}

// DecodeDeviceKey reads a seal.key payload, refusing any other encoding
// (keyring.md §1). It also checks that the key parses as a key of its KEM.
func DecodeDeviceKey(p []byte) (DeviceKey, error) {
	var k DeviceKey
	if len(p) > deviceKeyMaxSize {
		return k, fmt.Errorf("%w: seal.key is %d bytes, at most %d", ErrMalformed, len(p), deviceKeyMaxSize)
	}
	off := 0
	expect := func(want []byte, what string) error {
		if !bytes.HasPrefix(p[off:], want) {
			return fmt.Errorf("%w: seal.key byte %d: expected %s", ErrMalformed, off, what)
		}
		off += len(want)
		return nil
	}
	value := func(read func(r *cborwire.Reader) error) error {
		r := cborwire.NewReader(p[off:], nil)
		if err := read(r); err != nil {
			return fmt.Errorf("%w: seal.key at byte %d: %v", ErrMalformed, off, err)
		}
		off += r.Offset()
		return nil
	}
	if err := expect(dkMapHead, "a map of 4 pairs"); err != nil {
		return k, err
	}
	if err := expect(dkKeyKEM, `key "kem"`); err != nil {
		return k, err
	}
	var pubSize int
	if err := value(func(r *cborwire.Reader) error {
		v, err := r.Uint("kem", 0xffff)
		if err != nil {
			return err
		}
		k.Key.KEM = uint16(v)
		if _, pubSize, _, err = kemByID(k.Key.KEM); err != nil {
			return fmt.Errorf("kem: 0x%04x is not 0x647a (ML-KEM-768+X25519) or 0x0020 (X25519)", v)
		}
		return nil
	}); err != nil {
		return k, err
	}
	if err := expect(dkKeyPub, `key "pub"`); err != nil {
		return k, err
	}
	if err := value(func(r *cborwire.Reader) error {
		b, err := r.Bytes("pub", pubSize, pubSize)
		k.Key.Key = bytes.Clone(b)
		return err
	}); err != nil {
		return k, err
	}
	if err := expect(dkKeyRot, `key "rot"`); err != nil {
		return k, err
	}
	if err := value(func(r *cborwire.Reader) error {
		v, err := r.Uint("rot", MaxRotation)
		k.Rotation = v
		return err
	}); err != nil {
		return k, err
	}
	if err := expect(dkKeyType, `key "type" with value "seal.key"`); err != nil {
		return k, err
	}
	if off != len(p) {
		return k, fmt.Errorf("%w: seal.key: %d trailing bytes", ErrMalformed, len(p)-off)
	}
	if _, err := k.Key.hpkePublic(); err != nil {
		return k, err
	}
	return k, nil
}

func (e EncryptionKey) hpkePublic() (interface{ Bytes() []byte }, error) {
	kem, _, _, err := kemByID(e.KEM)
	if err != nil {
		return nil, err
	}
	pk, err := kem.NewPublicKey(e.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: public key of KEM 0x%04x: %v", ErrMalformed, e.KEM, err)
	}
	return pk, nil
}

// Published is one seal.key payload as found in a device's public log.
type Published struct {
	Seq uint64 // seq of the entry in the device's public log
	Key DeviceKey
}

// CurrentDeviceKey applies keyring.md §1's rule to the seal.key payloads
// of one device's log, in any order: the payload at the highest seq is
// current, provided each payload's rotation counter exceeds that of every
// payload at a lower seq; a payload that breaks this is refused (ignored)
// and reported. Timestamps play no part. ok is false when none is valid.
func CurrentDeviceKey(pubs []Published) (cur DeviceKey, ok bool, refused []uint64) {
	sorted := append([]Published(nil), pubs...)
	for i := 1; i < len(sorted); i++ { // insertion sort by seq; a log has few of these
		for j := i; j > 0 && sorted[j].Seq < sorted[j-1].Seq; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	var last uint64
	var have bool
	for _, p := range sorted {
		if have && p.Key.Rotation <= last {
			refused = append(refused, p.Seq)
			continue
		}
		cur, ok, have, last = p.Key, true, true, p.Key.Rotation
	}
	return cur, ok, refused
}
