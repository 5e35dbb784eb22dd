package node

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/kithnet/kith/internal/atomicfile"
)

// A sealed key file holds key material this device learned (the spaces'
// keyring, the conversations) as JSON encrypted with XChaCha20-Poly1305
// under a key derived from the device seed and the file's label, its name
// as associated data, a random nonce first (spaces.md §6, messages.md
// §10). It is as protected as the device key file, and a cache: without
// it the node finds the keys again in its store.

// errNoKeyFile: the file does not exist.
var errNoKeyFile = errors.New("no such key file")

func (n *Node) keyFilePath(name string) string { return filepath.Join(n.home, keyDir, name) }

func (n *Node) keyFileAEAD(label string) (interface {
	NonceSize() int
	Overhead() int
	Seal(dst, nonce, plaintext, ad []byte) []byte
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
}, error) {
	key, err := hkdf.Key(sha256.New, n.device.Seed(), []byte(label), "", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(key)
}

// readKeyFile decrypts keys/name into v. A missing file is errNoKeyFile;
// one that does not decrypt or parse is an error saying so and what
// follows (again, the store).
func (n *Node) readKeyFile(name, label, what string, v any) error {
	path := n.keyFilePath(name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errNoKeyFile
	}
	if err != nil {
		return err
	}
	aead, err := n.keyFileAEAD(label)
	if err != nil {
		return err
	}
	if len(b) < aead.NonceSize() {
		return fmt.Errorf("%s: %d bytes is too short; %s", path, len(b), what)
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(name))
	if err != nil {
		return fmt.Errorf("%s does not decrypt with this device's key; %s", path, what)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%s: %v; %s", path, err, what)
	}
	return nil
}

// writeKeyFile encrypts v into keys/name, atomically, mode 0600.
func (n *Node) writeKeyFile(name, label string, v any) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	aead, err := n.keyFileAEAD(label)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce)
	return atomicfile.WritePrivate(n.keyFilePath(name), aead.Seal(nonce, nonce, plain, []byte(name)))
}
