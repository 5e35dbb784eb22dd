package identity

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/kithnet/kith/internal/atomicfile"
	"golang.org/x/crypto/chacha20poly1305"
)

// Key file roles: what a key file's key is for.
const (
	RoleAccount = "account" // an account key, derived from a recovery phrase
	RoleDevice  = "device"  // a device key, random, one per installation
)

// Key file format constants. See doc/protocol/identity.md.
const (
	keyFileFormat  = "kith-key"
	keyFileVersion = 1
	keyFileKDF     = "argon2id"
	keyFileAEAD    = "xchacha20-poly1305"
	keyFileADLabel = "kith-keyfile-v1"
	maxKeyFileSize = 64 << 10
)

// ErrPassphraseRequired is returned (wrapped) by ReadKeyFile when the key file
// is encrypted and no passphrase was given.
var ErrPassphraseRequired = errors.New("this key file is encrypted: a passphrase is needed to read it")

// ErrWrongPassphrase is returned (wrapped) by ReadKeyFile when the encrypted
// seed does not decrypt: the passphrase is wrong, or the file was altered.
var ErrWrongPassphrase = errors.New("wrong passphrase or corrupted key file")

// argon2Params are the Argon2id cost parameters of an encrypted key file.
type argon2Params struct {
	Time      uint32 // passes
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// writeArgon2 are the parameters WriteKeyFile uses: time 3, 64 MiB, 4 lanes.
// Tests lower them to stay fast; one test checks the real values.
var writeArgon2 = argon2Params{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

// Bounds on the parameters ReadKeyFile accepts from a file, so that a hostile
// or damaged file cannot make it allocate or compute without limit. The upper
// bounds leave 16 times headroom over writeArgon2. Tests lower maxMemoryKiB.
var (
	maxArgon2Time      uint32 = 48
	maxArgon2MemoryKiB uint32 = 1 << 20 // 1 GiB
)

const maxArgon2Threads = 64

// keyFileJSON is the key file document.
type keyFileJSON struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	Role      string         `json:"role"`
	PublicKey string         `json:"public_key"`
	Seed      string         `json:"seed,omitempty"`
	Encrypted *encryptedSeed `json:"encrypted_seed,omitempty"`
}

type encryptedSeed struct {
	KDF        string `json:"kdf"`
	Time       uint32 `json:"time"`
	MemoryKiB  uint32 `json:"memory_kib"`
	Threads    uint8  `json:"threads"`
	Salt       string `json:"salt"`
	AEAD       string `json:"aead"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

// WriteKeyFile writes key to path as a key file for role (RoleAccount or
// RoleDevice), replacing any file already there. With an empty passphrase the
// seed is stored in the clear and only the file mode protects it; otherwise
// it is encrypted with XChaCha20-Poly1305 under an Argon2id key derived from
// the passphrase.
//
// The file is written atomically: to a temporary file in the same directory,
// synced, given mode 0600, then renamed over path, and the directory synced.
func WriteKeyFile(path string, key PrivateKey, role string, passphrase []byte) error {
	data, err := encodeKeyFile(key, role, passphrase, rand.Reader, writeArgon2)
	if err != nil {
		return fmt.Errorf("identity: writing key file %s: %w", path, err)
	}
	defer clear(data)
	if err := atomicfile.WritePrivate(path, data); err != nil {
		return fmt.Errorf("identity: writing key file %s: %w", path, err)
	}
	return nil
}

// encodeKeyFile returns the key file document for key.
func encodeKeyFile(key PrivateKey, role string, passphrase []byte, random io.Reader, params argon2Params) ([]byte, error) {
	if key.IsZero() {
		return nil, errors.New("the private key is unset")
	}
	if err := checkRole(role); err != nil {
		return nil, err
	}
	pub := key.Public()
	doc := keyFileJSON{
		Format:    keyFileFormat,
		Version:   keyFileVersion,
		Role:      role,
		PublicKey: hex.EncodeToString(pub[:]),
	}
	seed := key.Seed()
	defer clear(seed)
	if len(passphrase) == 0 {
		doc.Seed = hex.EncodeToString(seed)
	} else {
		salt := make([]byte, 16)
		nonce := make([]byte, chacha20poly1305.NonceSizeX)
		if _, err := io.ReadFull(random, salt); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		if _, err := io.ReadFull(random, nonce); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		k := argon2.IDKey(passphrase, salt, params.Time, params.MemoryKiB, params.Threads, chacha20poly1305.KeySize)
		defer clear(k)
		aead, err := chacha20poly1305.NewX(k)
		if err != nil {
			return nil, err
		}
		ct := aead.Seal(nil, nonce, seed, keyFileAD(role, pub))
		doc.Encrypted = &encryptedSeed{
			KDF:        keyFileKDF,
			Time:       params.Time,
			MemoryKiB:  params.MemoryKiB,
			Threads:    params.Threads,
			Salt:       hex.EncodeToString(salt),
			AEAD:       keyFileAEAD,
			Nonce:      hex.EncodeToString(nonce),
			Ciphertext: hex.EncodeToString(ct),
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// keyFileAD is the AEAD associated data: "kith-keyfile-v1" ‖ 0x00 ‖ role ‖
// 0x00 ‖ the 32-byte public key.
func keyFileAD(role string, pub PublicKey) []byte {
	ad := make([]byte, 0, len(keyFileADLabel)+1+len(role)+1+len(pub))
	ad = append(ad, keyFileADLabel...)
	ad = append(ad, 0)
	ad = append(ad, role...)
	ad = append(ad, 0)
	return append(ad, pub[:]...)
}

func checkRole(role string) error {
	if role != RoleAccount && role != RoleDevice {
		return fmt.Errorf("unknown key role %q: want %q or %q", role, RoleAccount, RoleDevice)
	}
	return nil
}

// ReadKeyFile reads a key file written by WriteKeyFile and returns its key
// and role. An encrypted file needs its passphrase: without one the error
// wraps ErrPassphraseRequired, with a wrong one ErrWrongPassphrase. A
// passphrase given for an unencrypted file is not needed and is ignored.
//
// On Unix-like systems it refuses a file that other users may access (any
// group or other permission bit), as ssh does, and says how to fix the mode.
// The stored public key must match the key, so a damaged file is reported,
// not used.
func ReadKeyFile(path string, passphrase []byte) (PrivateKey, string, error) {
	data, err := readKeyFileBytes(path)
	if err != nil {
		return PrivateKey{}, "", err
	}
	defer clear(data)
	key, role, err := decodeKeyFile(data, passphrase)
	if err != nil {
		return PrivateKey{}, "", fmt.Errorf("identity: key file %s: %w", path, err)
	}
	return key, role, nil
}

func readKeyFileBytes(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("identity: key file %s does not exist: %w", path, err)
		}
		return nil, fmt.Errorf("identity: opening key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("identity: key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("identity: key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("identity: key file %s is accessible by other users (mode %04o), so it will not be used; if it is yours, restrict it with: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("identity: reading key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		clear(data)
		return nil, fmt.Errorf("identity: %s is larger than %d bytes, so it is not a kith key file", path, maxKeyFileSize)
	}
	return data, nil
}

// ReadKeyFilePublic reads the key file at path without decrypting it and
// returns the public key it stores and its role. It needs no passphrase and
// runs no Argon2id, so it is cheap; it makes the same checks as ReadKeyFile
// on the file's mode and on every field it can check without the passphrase
// (for a plain file, that the seed belongs to the public key). Use it to
// learn whose key a file holds; use ReadKeyFile when the private key is
// needed.
func ReadKeyFilePublic(path string) (PublicKey, string, error) {
	data, err := readKeyFileBytes(path)
	if err != nil {
		return PublicKey{}, "", err
	}
	defer clear(data)
	doc, pub, err := parseKeyFile(data)
	if err == nil && doc.Seed != "" {
		var seed [32]byte
		defer clear(seed[:])
		if err = decodeHexInto(seed[:], doc.Seed, "seed"); err == nil {
			err = checkSeed(seed[:], pub)
		}
	}
	if err != nil {
		return PublicKey{}, "", fmt.Errorf("identity: key file %s: %w", path, err)
	}
	return pub, doc.Role, nil
}

// The member names of a key file document and of its encrypted_seed object,
// spelled exactly as the format says (see doc/protocol/identity.md).
var (
	keyFileFields       = []string{"format", "version", "role", "public_key", "seed", "encrypted_seed"}
	encryptedSeedFields = []string{"kdf", "time", "memory_kib", "threads", "salt", "aead", "nonce", "ciphertext"}
)

// strictObject parses data as one JSON object whose member names are each
// one of allowed, spelled exactly (encoding/json would match "SEED" to
// "seed"), and appear at most once (encoding/json would keep the last of
// two). It returns the raw value of each member. where names the object in
// messages: "" for the document, else the field holding it. For the
// document, nothing but white space may follow the object.
func strictObject(data []byte, allowed []string, where string) (map[string]json.RawMessage, error) {
	badJSON := func(err error) error {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("not a kith key file (bad JSON: %v)", err)
	}
	field := func(name string) string {
		if where == "" {
			return name
		}
		return where + "." + name
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, badJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if where == "" {
			return nil, errors.New("not a kith key file (bad JSON: the document is not a JSON object)")
		}
		return nil, fmt.Errorf("not a kith key file (bad JSON: %s is not a JSON object)", where)
	}
	m := make(map[string]json.RawMessage, len(allowed))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, badJSON(err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, badJSON(fmt.Errorf("unexpected %v in %s", tok, field("object")))
		}
		known := false
		for _, a := range allowed {
			if name == a {
				known = true
				break
			}
		}
		if !known {
			for _, a := range allowed {
				if strings.EqualFold(name, a) {
					return nil, fmt.Errorf("corrupted key file: unknown field %q (field names are case-sensitive: did you mean %q?)", field(name), field(a))
				}
			}
			return nil, fmt.Errorf("corrupted key file: unknown field %q", field(name))
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("corrupted key file: duplicate field %q (each field may appear only once)", field(name))
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, badJSON(err)
		}
		m[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, badJSON(err)
	}
	if where == "" {
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("not a kith key file (data after the JSON document)")
		}
	}
	return m, nil
}

// decodeMembers decodes the raw members of an object into the destinations,
// in the order given. A member that is absent or null leaves its
// destination unchanged.
func decodeMembers(m map[string]json.RawMessage, where string, dst []member) error {
	for _, d := range dst {
		raw, ok := m[d.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, d.ptr); err != nil {
			name := d.name
			if where != "" {
				name = where + "." + name
			}
			return fmt.Errorf("not a kith key file (bad JSON: field %s: %v)", name, err)
		}
	}
	return nil
}

type member struct {
	name string
	ptr  any
}

// parseKeyFile parses a key file document strictly and makes every check
// that needs no passphrase: format, version, role, public key, exactly one
// seed form, and the encrypted form's algorithms, parameters and sizes. It
// does not decode or decrypt the seed.
func parseKeyFile(data []byte) (*keyFileJSON, PublicKey, error) {
	top, err := strictObject(data, keyFileFields, "")
	if err != nil {
		return nil, PublicKey{}, err
	}
	defer func() {
		for _, raw := range top {
			clear(raw)
		}
	}()
	doc := &keyFileJSON{}
	if err := decodeMembers(top, "", []member{
		{"format", &doc.Format}, {"version", &doc.Version}, {"role", &doc.Role},
		{"public_key", &doc.PublicKey}, {"seed", &doc.Seed},
	}); err != nil {
		return nil, PublicKey{}, err
	}
	if raw, ok := top["encrypted_seed"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		inner, err := strictObject(raw, encryptedSeedFields, "encrypted_seed")
		if err != nil {
			return nil, PublicKey{}, err
		}
		e := &encryptedSeed{}
		if err := decodeMembers(inner, "encrypted_seed", []member{
			{"kdf", &e.KDF}, {"time", &e.Time}, {"memory_kib", &e.MemoryKiB}, {"threads", &e.Threads},
			{"salt", &e.Salt}, {"aead", &e.AEAD}, {"nonce", &e.Nonce}, {"ciphertext", &e.Ciphertext},
		}); err != nil {
			return nil, PublicKey{}, err
		}
		doc.Encrypted = e
	}
	if doc.Format != keyFileFormat {
		return nil, PublicKey{}, fmt.Errorf("not a kith key file (format is %q, want %q)", doc.Format, keyFileFormat)
	}
	if doc.Version != keyFileVersion {
		return nil, PublicKey{}, fmt.Errorf("key file version %d is not supported: this kith reads version %d; a newer kith may read it", doc.Version, keyFileVersion)
	}
	if err := checkRole(doc.Role); err != nil {
		return nil, PublicKey{}, fmt.Errorf("corrupted key file: %w", err)
	}
	var pub PublicKey
	if err := decodeHexInto(pub[:], doc.PublicKey, "public_key"); err != nil {
		return nil, PublicKey{}, err
	}
	switch {
	case doc.Seed != "" && doc.Encrypted != nil:
		return nil, PublicKey{}, errors.New("corrupted key file: it has both a plain and an encrypted seed")
	case doc.Seed == "" && doc.Encrypted == nil:
		return nil, PublicKey{}, errors.New("corrupted key file: it has no seed")
	case doc.Encrypted != nil:
		if _, _, _, err := checkEncrypted(doc.Encrypted); err != nil {
			return nil, PublicKey{}, err
		}
	}
	return doc, pub, nil
}

// decodeKeyFile parses and, if needed, decrypts a key file document. It
// checks everything cheap before running Argon2.
func decodeKeyFile(data, passphrase []byte) (PrivateKey, string, error) {
	doc, pub, err := parseKeyFile(data)
	if err != nil {
		return PrivateKey{}, "", err
	}
	var seed [32]byte
	defer clear(seed[:])
	if doc.Seed != "" {
		if err := decodeHexInto(seed[:], doc.Seed, "seed"); err != nil {
			return PrivateKey{}, "", err
		}
	} else if err := decryptSeed(seed[:], doc.Encrypted, doc.Role, pub, passphrase); err != nil {
		return PrivateKey{}, "", err
	}
	if err := checkSeed(seed[:], pub); err != nil {
		return PrivateKey{}, "", err
	}
	key, err := KeyFromSeed(seed[:])
	if err != nil {
		return PrivateKey{}, "", err
	}
	return key, doc.Role, nil
}

// checkSeed checks that seed is the private key of pub.
func checkSeed(seed []byte, pub PublicKey) error {
	key, err := KeyFromSeed(seed)
	if err != nil {
		return err
	}
	if got := key.Public(); subtle.ConstantTimeCompare(got[:], pub[:]) != 1 {
		return fmt.Errorf("corrupted key file: its seed belongs to public key %s, not to the stored public_key %s", got.Hex(), pub.Hex())
	}
	return nil
}

// checkEncrypted checks the algorithms, Argon2id parameters and field sizes
// of an encrypted seed and returns its salt, nonce and ciphertext.
func checkEncrypted(e *encryptedSeed) (salt, nonce, ct []byte, err error) {
	if e.KDF != keyFileKDF {
		return nil, nil, nil, fmt.Errorf("key file uses key derivation %q, this kith supports %q", e.KDF, keyFileKDF)
	}
	if e.AEAD != keyFileAEAD {
		return nil, nil, nil, fmt.Errorf("key file uses cipher %q, this kith supports %q", e.AEAD, keyFileAEAD)
	}
	if e.Time < 1 || e.Time > maxArgon2Time ||
		e.Threads < 1 || e.Threads > maxArgon2Threads ||
		e.MemoryKiB < 8*uint32(e.Threads) || e.MemoryKiB > maxArgon2MemoryKiB {
		return nil, nil, nil, fmt.Errorf("corrupted key file: Argon2id parameters time=%d memory_kib=%d threads=%d are out of range (time 1..%d, threads 1..%d, memory_kib 8×threads..%d)",
			e.Time, e.MemoryKiB, e.Threads, maxArgon2Time, maxArgon2Threads, maxArgon2MemoryKiB)
	}
	salt = make([]byte, 16)
	if err := decodeHexInto(salt, e.Salt, "salt"); err != nil {
		return nil, nil, nil, err
	}
	nonce = make([]byte, chacha20poly1305.NonceSizeX)
	if err := decodeHexInto(nonce, e.Nonce, "nonce"); err != nil {
		return nil, nil, nil, err
	}
	ct = make([]byte, 32+chacha20poly1305.Overhead)
	if err := decodeHexInto(ct, e.Ciphertext, "ciphertext"); err != nil {
		return nil, nil, nil, err
	}
	return salt, nonce, ct, nil
}

func decryptSeed(dst []byte, e *encryptedSeed, role string, pub PublicKey, passphrase []byte) error {
	salt, nonce, ct, err := checkEncrypted(e)
	if err != nil {
		return err
	}
	if len(passphrase) == 0 {
		return ErrPassphraseRequired
	}
	k := argon2.IDKey(passphrase, salt, e.Time, e.MemoryKiB, e.Threads, chacha20poly1305.KeySize)
	defer clear(k)
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return err
	}
	pt, err := aead.Open(nil, nonce, ct, keyFileAD(role, pub))
	if err != nil {
		return ErrWrongPassphrase
	}
	copy(dst, pt)
	clear(pt)
	return nil
}

// decodeHexInto decodes the lowercase hex string s, which must encode exactly
// len(dst) bytes, into dst.
func decodeHexInto(dst []byte, s, field string) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("corrupted key file: %s has %d hex digits, want %d", field, len(s), 2*len(dst))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("corrupted key file: %s is not lowercase hex", field)
		}
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return fmt.Errorf("corrupted key file: %s: %v", field, err)
	}
	return nil
}
