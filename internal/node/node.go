package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// Options configure how a node opens its home.
type Options struct {
	// Passphrase unlocks (or, at Init, encrypts) the key files. Empty means
	// key files are stored unencrypted (still mode 0600).
	Passphrase []byte
	// BlobMaxSize bounds one blob; 0 means blob.DefaultMaxSize.
	BlobMaxSize int64
	// DeviceName names the new device at Init and Restore, e.g. "laptop".
	DeviceName string
	// Now returns the time for new entries; nil means time.Now.
	Now func() time.Time
}

// Node is an open home: keys, store and blobs.
type Node struct {
	home       string
	opts       Options
	lock       *homeLock
	store      store.Store
	blobs      *blob.Store
	device     identity.PrivateKey
	accountKey identity.PrivateKey // zero when this device does not hold it
	account    identity.PublicKey

	mu sync.Mutex // serialises appends to this device's logs
}

// Init creates a new account and its first device in home, which must not
// hold an account yet. It returns the open node and the recovery phrase,
// which the caller shows the person once.
func Init(home string, o Options) (*Node, identity.Phrase, error) {
	phrase, err := identity.NewPhrase(nil)
	if err != nil {
		return nil, identity.Phrase{}, err
	}
	n, err := create(home, phrase, o)
	if err != nil {
		return nil, identity.Phrase{}, err
	}
	return n, phrase, nil
}

// Restore recreates the account of phrase in an empty home with a new
// device key, certified by the account. The old devices keep their keys;
// nothing forks.
func Restore(home string, phrase identity.Phrase, o Options) (*Node, error) {
	return create(home, phrase, o)
}

func create(home string, phrase identity.Phrase, o Options) (*Node, error) {
	if Initialized(home) {
		return nil, fmt.Errorf("%w (%s); use another --home, or remove it if you really mean to start over", ErrAlreadyInitialized, home)
	}
	if err := os.MkdirAll(filepath.Join(home, keyDir), 0o700); err != nil {
		return nil, fmt.Errorf("create home: %w", err)
	}
	lock, err := lockHome(home)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			lock.release()
		}
	}()
	accountKey, err := identity.AccountKeyFromPhrase(phrase, "")
	if err != nil {
		return nil, err
	}
	device, err := identity.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if err := identity.WriteKeyFile(accountPath(home), accountKey, "account", o.Passphrase); err != nil {
		return nil, err
	}
	n, err := openWith(home, o, lock, device, accountKey)
	if err != nil {
		return nil, err
	}
	cert, err := content.NewDeviceCert(accountKey, device, o.DeviceName, n.now())
	if err != nil {
		n.Close()
		return nil, err
	}
	if err := n.appendOne(context.Background(), cert); err != nil {
		n.Close()
		return nil, fmt.Errorf("store device certificate: %w", err)
	}
	// The device key file is written last: its presence means "initialised".
	if err := identity.WriteKeyFile(devicePath(home), device, "device", o.Passphrase); err != nil {
		n.Close()
		return nil, err
	}
	ok = true
	return n, nil
}

// Open opens an initialised home.
func Open(home string, o Options) (*Node, error) {
	if !Initialized(home) {
		return nil, fmt.Errorf("%w in %s: run 'kith init' (or 'kith init --restore') first", ErrNotInitialized, home)
	}
	lock, err := lockHome(home)
	if err != nil {
		return nil, err
	}
	device, role, err := identity.ReadKeyFile(devicePath(home), o.Passphrase)
	if err != nil {
		lock.release()
		return nil, keyFileError(err)
	}
	if role != "device" {
		lock.release()
		return nil, fmt.Errorf("%s holds a %q key, not a device key", devicePath(home), role)
	}
	var accountKey identity.PrivateKey
	if _, serr := os.Stat(accountPath(home)); serr == nil {
		if accountKey, _, err = identity.ReadKeyFile(accountPath(home), o.Passphrase); err != nil {
			lock.release()
			return nil, keyFileError(err)
		}
	}
	n, err := openWith(home, o, lock, device, accountKey)
	if err != nil {
		lock.release()
		return nil, err
	}
	if accountKey.IsZero() {
		d, err := n.store.AccountOf(context.Background(), device.Public())
		if err != nil {
			n.Close()
			return nil, fmt.Errorf("this device's certificate is missing from the store: %w", err)
		}
		n.account = d.Account
	}
	return n, nil
}

func keyFileError(err error) error {
	if errors.Is(err, identity.ErrPassphraseRequired) {
		return fmt.Errorf("%w: pass --passphrase-file FILE or set KITH_PASSPHRASE", err)
	}
	return err
}

func openWith(home string, o Options, lock *homeLock, device, accountKey identity.PrivateKey) (*Node, error) {
	st, err := sqlite.Open(filepath.Join(home, dbFile))
	if err != nil {
		return nil, err
	}
	max := o.BlobMaxSize
	if max == 0 {
		max = blob.DefaultMaxSize
	}
	bs, err := blob.Open(filepath.Join(home, blobDir), max)
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{home: home, opts: o, lock: lock, store: st, blobs: bs, device: device, accountKey: accountKey}
	if !accountKey.IsZero() {
		n.account = accountKey.Public()
	}
	return n, nil
}

// Close releases the store and the home lock.
func (n *Node) Close() error {
	err := n.store.Close()
	n.lock.release()
	return err
}

// Home returns the home directory.
func (n *Node) Home() string { return n.home }

// Account returns this node's account.
func (n *Node) Account() identity.AccountID { return n.account.Account() }

// Device returns this node's device.
func (n *Node) Device() identity.DeviceID { return n.device.Public().Device() }

// Store returns the node's store, for read queries.
func (n *Node) Store() store.Store { return n.store }

// Blobs returns the node's blob store.
func (n *Node) Blobs() *blob.Store { return n.blobs }

func (n *Node) now() uint64 {
	if n.opts.Now != nil {
		return uint64(n.opts.Now().UnixMilli())
	}
	return uint64(time.Now().UnixMilli())
}

// appendOne stores an entry this node made, turning a rejection into an error.
func (n *Node) appendOne(ctx context.Context, e *entry.Entry) error {
	r, err := n.store.Append(ctx, e)
	if err != nil {
		return err
	}
	if r.Outcome != store.Added {
		if r.Err != nil {
			return r.Err
		}
		return fmt.Errorf("entry %s was %s, not added", e.ID, r.Outcome)
	}
	return nil
}

// Publish appends a payload to this device's public log.
func (n *Node) Publish(ctx context.Context, p content.Payload) (*entry.Entry, error) {
	payload, err := content.Encode(p)
	if err != nil {
		return nil, err
	}
	return n.AppendRaw(ctx, entry.PublicLog, payload)
}

// AppendRaw appends payload bytes to one of this device's logs.
func (n *Node) AppendRaw(ctx context.Context, log entry.LogID, payload []byte) (*entry.Entry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := store.LogKey{Author: n.device.Public(), LogID: log}
	d := entry.Draft{LogID: log, Seq: 1, Timestamp: n.now(), Payload: payload}
	h, err := n.store.Head(ctx, key)
	switch {
	case err == nil:
		if h.Forked {
			return nil, fmt.Errorf("this device's log %s is forked (two entries at one seq exist); it can no longer be extended", log)
		}
		if h.Ended {
			return nil, fmt.Errorf("this device's log %s has ended", log)
		}
		d.Seq, d.Backlink = h.Seq+1, h.ID
		// Timestamps grow along the log, so "newest by timestamp" (the
		// latest profile) follows the log's order even when the clock
		// stands still or steps back between two appends.
		prev, err := n.store.Get(ctx, h.ID)
		if err != nil {
			return nil, err
		}
		if d.Timestamp <= prev.Header.Timestamp {
			d.Timestamp = prev.Header.Timestamp + 1
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, err
	}
	e, err := entry.Sign(n.device, d)
	if err != nil {
		return nil, err
	}
	if err := n.appendOne(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// AddBlob stores a file's bytes as a blob. When publish is true, JPEG and PNG
// images have their location metadata removed first; the stripped flag says
// whether anything was removed.
func (n *Node) AddBlob(r io.Reader, publish bool) (id blob.ID, size int64, stripped bool, err error) {
	if !publish {
		id, size, err = n.blobs.Put(r)
		return id, size, false, err
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, s, err := blob.StripLocation(r, pw)
		stripped = s
		pw.CloseWithError(err)
	}()
	id, size, err = n.blobs.Put(pr)
	pr.CloseWithError(err)
	<-done
	return id, size, stripped, err
}
