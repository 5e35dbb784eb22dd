package node

import (
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
)

// inviteBook keeps this node's pending invites in the home (invites.json,
// mode 0600), so they survive a restart, and in memory, so that checking
// a secret reads nothing from disk: the file is read again only when it is
// not the file the book last read or wrote (another file, size or
// modification time). Secrets are compared in constant time.
type inviteBook struct {
	path     string
	readFile func(string) ([]byte, error) // os.ReadFile; tests count the reads
	mu       sync.Mutex
	records  []inviteRecord
	secrets  []bookSecret // of records, index by index
	stamp    os.FileInfo  // the file as last read or written; nil: no file
	loaded   bool
}

type inviteRecord struct {
	Secret  string    `json:"secret"` // hex
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
	UsedBy  string    `json:"used_by,omitempty"` // account
}

// bookSecret is a record's secret decoded; ok is false when the record's
// hex is not a secret (a hand-edited file), which then matches nothing.
type bookSecret struct {
	b  [invite.SecretSize]byte
	ok bool
}

func newInviteBook(path string) *inviteBook { return &inviteBook{path: path, readFile: os.ReadFile} }

// load returns a copy of the records, read from the file if it changed.
func (b *inviteBook) load() ([]inviteRecord, error) {
	if err := b.refresh(); err != nil {
		return nil, err
	}
	return slices.Clone(b.records), nil
}

// refresh reads the file when it is not the one the book holds.
func (b *inviteBook) refresh() error {
	info, err := os.Stat(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		info, err = nil, nil
	}
	if err != nil {
		return err
	}
	if b.loaded && sameFile(b.stamp, info) {
		return nil
	}
	var rs []inviteRecord
	if info != nil {
		raw, err := b.readFile(b.path)
		if errors.Is(err, fs.ErrNotExist) {
			raw, info = nil, nil
		} else if err != nil {
			return err
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &rs); err != nil {
				return fmt.Errorf("%s: %w", b.path, err)
			}
		}
	}
	b.hold(rs, info)
	return nil
}

// hold makes rs the book's records, those of the file described by info.
func (b *inviteBook) hold(rs []inviteRecord, info os.FileInfo) {
	b.records, b.stamp, b.loaded = rs, info, true
	b.secrets = make([]bookSecret, len(rs))
	for i, r := range rs {
		raw, err := hex.DecodeString(r.Secret)
		if err == nil && len(raw) == invite.SecretSize {
			b.secrets[i].ok = true
			copy(b.secrets[i].b[:], raw)
		}
	}
}

// sameFile reports whether a and b describe the same unchanged file (or
// both no file).
func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// save writes rs to the file and holds them.
func (b *inviteBook) save(rs []inviteRecord) error {
	raw, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(b.path, raw); err != nil {
		return err
	}
	info, err := os.Stat(b.path)
	if err != nil {
		// Written but not described: read it again at the next check.
		b.loaded = false
		return nil
	}
	b.hold(rs, info)
	return nil
}

func (b *inviteBook) add(secret [invite.SecretSize]byte, expires, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	rs, err := b.load()
	if err != nil {
		return err
	}
	// Forget invites that expired more than a day ago.
	kept := rs[:0]
	for _, r := range rs {
		if now.Sub(r.Expires) < 24*time.Hour {
			kept = append(kept, r)
		}
	}
	kept = append(kept, inviteRecord{Secret: hex.EncodeToString(secret[:]), Expires: expires.UTC()})
	return b.save(kept)
}

// use checks a secret and marks it used by account, all at once.
func (b *inviteBook) use(secret [invite.SecretSize]byte, account identity.AccountID, now time.Time) invite.Status {
	st, _ := b.check(secret, now, func(r *inviteRecord) bool {
		r.Used, r.UsedBy = true, account.String()
		return true
	})
	return st
}

// peek reports the status a secret would get, without using it, and
// whether the secret is one of an invite this node made (used and expired
// ones included; see check).
func (b *inviteBook) peek(secret [invite.SecretSize]byte, now time.Time) (invite.Status, bool) {
	return b.check(secret, now, func(*inviteRecord) bool { return false })
}

// check finds the invite of secret and judges it; for a usable one, mark
// changes the record and reports whether to save the book. known is false
// only when the book was read and no invite has the secret: a guess. When
// the book cannot be read, every secret is refused as unknown but known
// is true, since the peer may not be at fault.
func (b *inviteBook) check(secret [invite.SecretSize]byte, now time.Time, mark func(*inviteRecord) bool) (st invite.Status, known bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refresh(); err != nil {
		return invite.UnknownSecret, true
	}
	i := b.find(secret)
	if i < 0 {
		return invite.UnknownSecret, false
	}
	r := b.records[i]
	switch {
	case r.Used:
		return invite.UnknownSecret, true
	case now.After(r.Expires):
		return invite.Expired, true
	}
	if mark(&r) {
		rs := slices.Clone(b.records)
		rs[i] = r
		if b.save(rs) != nil {
			return invite.UnknownSecret, true
		}
	}
	return invite.Accepted, true
}

// find returns the index of the record of secret, or -1. Every secret is
// compared, each in constant time.
func (b *inviteBook) find(secret [invite.SecretSize]byte) int {
	found := -1
	for i := range b.secrets {
		if subtle.ConstantTimeCompare(b.secrets[i].b[:], secret[:]) == 1 && b.secrets[i].ok {
			found = i
		}
	}
	return found
}
