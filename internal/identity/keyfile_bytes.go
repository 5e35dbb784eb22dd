package identity

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// EncodeKeyFile returns key as a key file document (doc/protocol/identity.md)
// encrypted under passphrase, as WriteKeyFile writes it, for a holder that
// keeps it elsewhere than in a file: a browser peer keeps it in IndexedDB
// when the browser has no WebCrypto Ed25519 (doc/browser.md). The
// passphrase must not be empty.
func EncodeKeyFile(key PrivateKey, role string, passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("a passphrase is needed to encrypt the key")
	}
	return encodeKeyFile(key, role, passphrase, rand.Reader, writeArgon2)
}

// DecodeKeyFile reads a key file document (EncodeKeyFile, WriteKeyFile) with
// passphrase, checking it as ReadKeyFile does; a wrong passphrase is
// ErrWrongPassphrase.
func DecodeKeyFile(data, passphrase []byte) (PrivateKey, string, error) {
	if len(data) > maxKeyFileSize {
		return PrivateKey{}, "", fmt.Errorf("a key file is at most %d bytes, this is %d", maxKeyFileSize, len(data))
	}
	return decodeKeyFile(data, passphrase)
}
