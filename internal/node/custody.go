package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Custody is what a device of the account says about the account key:
// whether it holds it (payloads.md, device.custody).
type Custody int

// The custody states of a device.
const (
	CustodyHeld    Custody = iota + 1 // it holds the account key (or has said nothing: init and restore put the key there)
	CustodyNotHeld                    // it does not
)

func (c Custody) String() string {
	switch c {
	case CustodyHeld:
		return "held"
	case CustodyNotHeld:
		return "not_held"
	}
	return fmt.Sprintf("Custody(%d)", int(c))
}

// PhraseAuth is a recovery phrase given for one operation that needs the
// account key on a device that does not hold it. The key derived from it
// is used for that operation and forgotten.
type PhraseAuth struct {
	Phrase           identity.Phrase
	PhrasePassphrase string // the BIP39 passphrase, "" for none
}

// ErrWrongPhrase is returned when a recovery phrase given for an operation
// is not the phrase of this node's account.
var ErrWrongPhrase = errors.New("this recovery phrase (with this phrase passphrase) is not the phrase of this account")

// DeviceCustody returns, for each of the account's devices, what it last
// said about the account key; a device that said nothing holds it unless
// its certificate says it was paired (every way of making a device
// without the key makes it say so). This device's answer comes from its
// home, not from its statements.
func (n *Node) DeviceCustody(ctx context.Context, devices []store.Device) (map[identity.PublicKey]Custody, error) {
	out := make(map[identity.PublicKey]Custody, len(devices))
	authors := make([]identity.PublicKey, 0, len(devices))
	for _, d := range devices {
		out[d.Device] = CustodyHeld
		authors = append(authors, d.Device)
	}
	out[n.device.Public()] = CustodyNotHeld
	if n.HoldsAccountKey() {
		out[n.device.Public()] = CustodyHeld
	}
	if len(authors) == 0 {
		return out, nil
	}
	public := entry.PublicLog
	found, err := n.store.Find(ctx, store.Query{Type: content.TypeCustody, LogID: &public, Authors: authors, Desc: true, Limit: store.DefaultLimit})
	if err != nil {
		return nil, err
	}
	seqs := map[identity.PublicKey]uint64{}
	// A device certified by pairing never received the key: its
	// certificate says so ("paired"), until its own statements say more.
	for _, d := range devices {
		if d.Device == n.device.Public() {
			continue
		}
		if c, err := n.store.Get(ctx, d.Cert); err == nil && c.Payload != nil {
			if p, err := content.Decode(c.Payload); err == nil {
				if add, ok := p.(*content.DeviceAdd); ok && add.Paired {
					out[d.Device] = CustodyNotHeld
				}
			}
		}
	}
	for _, s := range found {
		a := s.Entry.Header.Author
		if a == n.device.Public() || s.Entry.Header.Seq <= seqs[a] {
			continue
		}
		c, ok := decodeCustody(s)
		if !ok {
			continue
		}
		seqs[a] = s.Entry.Header.Seq
		if c.AccountKey {
			out[a] = CustodyHeld
		} else {
			out[a] = CustodyNotHeld
		}
	}
	return out, nil
}

// decodeCustody returns the device.custody payload of s, if it holds one.
func decodeCustody(s *store.Stored) (*content.Custody, bool) {
	if s.Payload == nil {
		return nil, false
	}
	p, err := content.Decode(s.Payload)
	if err != nil {
		return nil, false
	}
	c, ok := p.(*content.Custody)
	return c, ok
}

// settleCustody makes this device's latest device.custody statement agree
// with its home: it appends one when the last one says otherwise, or when
// there is none and the home does not hold the key (saying nothing means
// holding it). That covers an account key removed while the statement
// could not be written.
func (n *Node) settleCustody(ctx context.Context) error {
	held := n.HoldsAccountKey()
	public := entry.PublicLog
	found, err := n.store.Find(ctx, store.Query{Type: content.TypeCustody, LogID: &public, Authors: []identity.PublicKey{n.device.Public()}, Desc: true, Limit: store.DefaultLimit})
	if err != nil {
		return err
	}
	var last *content.Custody
	var lastSeq uint64
	for _, s := range found {
		if c, ok := decodeCustody(s); ok && s.Entry.Header.Seq > lastSeq {
			last, lastSeq = c, s.Entry.Header.Seq
		}
	}
	if (last == nil && held) || (last != nil && last.AccountKey == held) {
		return nil
	}
	if _, err := n.Publish(ctx, &content.Custody{AccountKey: held}); err != nil {
		return fmt.Errorf("say whether this device holds the account key: %w", err)
	}
	return nil
}

// accountKeyFor returns the account key for one operation: the key this
// home holds, or else the key derived from auth's phrase, which must be
// this account's. Without either it returns ErrNoAccountKey.
func (n *Node) accountKeyFor(auth *PhraseAuth) (identity.PrivateKey, error) {
	if n.HoldsAccountKey() {
		return n.accountPrivate()
	}
	if auth == nil || auth.Phrase.IsZero() {
		return identity.PrivateKey{}, ErrNoAccountKey
	}
	return n.keyFromPhrase(auth)
}

// keyFromPhrase derives the account key of auth and checks that it is
// this node's account.
func (n *Node) keyFromPhrase(auth *PhraseAuth) (identity.PrivateKey, error) {
	k, err := identity.AccountKeyFromPhrase(auth.Phrase, auth.PhrasePassphrase)
	if err != nil {
		return identity.PrivateKey{}, err
	}
	if k.Public() != n.account {
		hint := ""
		if auth.PhrasePassphrase == "" {
			hint = " If this account was made with a phrase passphrase (the \"25th word\"), give it too."
		}
		return identity.PrivateKey{}, fmt.Errorf("%w: it gives account %s, and this device belongs to %s.%s", ErrWrongPhrase, k.Public().Account(), n.account.Account(), hint)
	}
	return k, nil
}

// RemoveAccountKey deletes the account key from this home, once the person
// has shown, by typing it, that they still have the recovery phrase: the
// phrase is the only way back to the key, to certify new devices and to
// revoke lost ones. This device then says so to the account's other
// devices (a device.custody entry). Other devices keep their keys; nothing
// about this device's certificate changes.
func (n *Node) RemoveAccountKey(ctx context.Context, auth PhraseAuth) error {
	if !n.HoldsAccountKey() {
		return errors.New("this device does not hold the account key; nothing to remove")
	}
	if _, err := n.keyFromPhrase(&auth); err != nil {
		return fmt.Errorf("the account key was not removed: %w", err)
	}
	n.keyMu.Lock()
	path := accountPath(n.home)
	err := os.Remove(path)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		n.holdsAccountKey = false
		n.accountKey = identity.PrivateKey{}
		err = syncDir(filepath.Dir(path))
	}
	n.keyMu.Unlock()
	if err != nil {
		return fmt.Errorf("remove the account key file %s: %w", path, err)
	}
	if err := n.settleCustody(ctx); err != nil {
		return fmt.Errorf("the account key was removed, but %w (it is said again the next time this node starts)", err)
	}
	return nil
}

// syncDir flushes a directory's entries to stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
