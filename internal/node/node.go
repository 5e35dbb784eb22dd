package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Options configure how a node opens its home.
type Options struct {
	// Passphrase unlocks (or, at Init, encrypts) the key files. Empty means
	// key files are stored unencrypted (still mode 0600).
	Passphrase []byte
	// PhrasePassphrase is the optional BIP39 passphrase (the "25th word")
	// that Init and Restore combine with the recovery phrase to derive the
	// account key. Another passphrase derives another account, so Restore
	// needs the one Init was given. It is never stored, and it has nothing
	// to do with Passphrase, which only protects the key files of one home.
	PhrasePassphrase string
	// BlobMaxSize bounds one blob; 0 means blob.DefaultMaxSize.
	BlobMaxSize int64
	// DeviceName names the new device at Init and Restore, e.g. "laptop";
	// "" gives it the machine's host name (see defaultDeviceName).
	DeviceName string
	// Now returns the time for new entries; nil means time.Now.
	Now func() time.Time
	// Store is the home's [store] table when the caller read the home's
	// configuration already ('kith serve' does, for its flags): nil means
	// Open reads it from config.toml. Reading a config that lists a
	// million logs costs a start about a second, so it is read once.
	Store *StoreConfig
}

// storeConfig returns o.Store, or the [store] table of the home's config
// file when it is nil.
func (o Options) storeConfig(home string) (StoreConfig, error) {
	if o.Store != nil {
		return *o.Store, nil
	}
	return storeConfigOf(home)
}

// Node is an open home: keys, store and blobs.
type Node struct {
	home  string
	opts  Options
	lock  *homeLock
	store store.Store
	// storeInfo says which store was opened (StoreInfo).
	storeInfo string
	blobs     *blob.Store
	device    identity.PrivateKey
	account   identity.PublicKey
	// holdsAccountKey says whether this home has the account key file. The
	// private key is read (and decrypted: Argon2id) only when an operation
	// needs it; see accountPrivate.
	holdsAccountKey bool
	decisionMemo    decisionMemo // conversationmemo.go

	keyMu      sync.Mutex          // guards accountKey
	accountKey identity.PrivateKey // zero until needed, or when not held

	mu sync.Mutex // serialises the appends this node makes
	// sealMu serialises the publishing of this device's encryption key
	// (sealkey.go).
	sealMu   sync.Mutex
	sealKeys sealKeyBook // the devices' encryption keys (sealkeybook.go)
	// requestMu serialises RequestVillage: its entry is signed before it
	// is sent and stored only once a local took it.
	requestMu sync.Mutex
	// reach records the deliveries of this node's foundings to the
	// co-founders' devices (villagewaiting.go).
	reach reachBook
	// declined lists the foundings this node declined (villagedecline.go).
	declined declinedBook

	net atomic.Pointer[network] // the running network; nil unless serving

	budget villageBudget  // what is kept of unlisted strangers (villagebudget.go)
	states statePublisher // automatic village states (villagestate_auto.go)

	events events // the subscribers of Subscribe

	rings spaceRings   // the keyrings of the spaces this device takes part in (spacering.go)
	msgs  messageState // the conversations this device takes part in (message.go)
	views viewCache    // what the space and conversation views keep in memory (viewcache.go)

	meter meter        // the services' counts, for the metrics (metrics_services.go)
	mutes muteCache    // the account's current mute list as last read (mute.go)
	fests festivalBook // the festivals opened here (festival.go)
}

// ErrNoAccountKey is returned by operations that need the account key, such
// as RevokeDevice, on a device that does not hold it.
var ErrNoAccountKey = errors.New("this device does not hold the account key: give the account's recovery phrase for this one operation (it is not stored), or do it on a device that holds the key")

// ErrStoreMissing is returned by Open when the home has its device key but
// its store (kith.db) is missing, or does not hold this device's
// certificate because it was replaced or reset.
var ErrStoreMissing = errors.New("this home's store is missing or was replaced")

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
	accountKey, err := identity.AccountKeyFromPhrase(phrase, o.PhrasePassphrase)
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
	n.holdsAccountKey = true
	// The certificate is stored before the device key file is written, so
	// a home with a device key always has it (Open checks).
	name := o.DeviceName
	if name == "" {
		name = defaultDeviceName()
	}
	cert, err := content.NewDeviceCert(accountKey, device, name, n.now())
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

// Open opens an initialised home. It decrypts the device key only: the
// account key, when this home holds it, is read from its file when an
// operation needs it (RevokeDevice), so opening costs one Argon2id run with
// a passphrase, not two. Open refuses a home whose store is missing or does
// not hold this device's certificate (ErrStoreMissing): extending this
// device's logs from an empty store would fork them.
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
	if role != identity.RoleDevice {
		lock.release()
		return nil, fmt.Errorf("%s holds a %q key, not a device key", devicePath(home), role)
	}
	var accountPub identity.PublicKey
	holds := false
	if _, serr := os.Stat(accountPath(home)); serr == nil {
		// The public key only: no passphrase, no Argon2id.
		pub, role, err := identity.ReadKeyFilePublic(accountPath(home))
		if err != nil {
			lock.release()
			return nil, err
		}
		if role != identity.RoleAccount {
			lock.release()
			return nil, fmt.Errorf("%s holds a %q key, not an account key", accountPath(home), role)
		}
		accountPub, holds = pub, true
	} else if !errors.Is(serr, fs.ErrNotExist) {
		lock.release()
		return nil, fmt.Errorf("account key file: %w", serr)
	}
	sc, err := o.storeConfig(home)
	if err != nil {
		lock.release()
		return nil, err
	}
	o.Store = &sc // openWith reads it again otherwise
	// sqlite.Open would create a missing database: check first.
	if _, err := os.Stat(filepath.Join(home, dbFile)); sc.Backend != BackendPostgres && errors.Is(err, fs.ErrNotExist) {
		lock.release()
		return nil, storeMissingError(home, "does not exist")
	}
	n, err := openWith(home, o, lock, device, identity.PrivateKey{})
	if err != nil {
		lock.release()
		return nil, err
	}
	d, err := n.store.AccountOf(context.Background(), device.Public())
	if errors.Is(err, store.ErrNotFound) && sc.Backend == BackendPostgres {
		info := n.storeInfo
		n.Close()
		return nil, fmt.Errorf("%w: the store this home's config names (%s) does not hold this device's certificate. "+
			"Copy the home's SQLite store into it first: with the node stopped, run 'kith store copy --to postgres' (doc/config.md, [store])",
			ErrStoreMissing, info)
	}
	if errors.Is(err, store.ErrNotFound) {
		n.Close()
		return nil, storeMissingError(home, "does not hold this device's certificate (it was replaced or reset)")
	}
	if err != nil {
		n.Close()
		return nil, err
	}
	if holds && d.Account != accountPub {
		n.Close()
		return nil, fmt.Errorf("%s holds the key of account %s, but this device belongs to account %s; the key files of two homes were mixed up", accountPath(home), accountPub.Account(), d.Account.Account())
	}
	n.account, n.holdsAccountKey = d.Account, holds
	if !d.Revoked {
		if err := n.settleCustody(context.Background()); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// storeMissingError explains a home whose store lost this device's data and
// how to recover without forking this device's logs.
func storeMissingError(home, what string) error {
	db := filepath.Join(home, dbFile)
	return fmt.Errorf("%w: %s %s. This device's key is still there, but its entries and certificate are not, and writing with it from an empty store would fork its logs. "+
		"If you have a backup of %s, put it back. Otherwise move %s aside, run 'kith init --restore' with your recovery phrase (a new device of the same account) and 'kith import' a bundle of your data exported earlier or from another of your devices",
		ErrStoreMissing, db, what, dbFile, home)
}

// accountPrivate returns the account's private key, reading and decrypting
// its key file on first use. It returns ErrNoAccountKey when this home does
// not hold the account key.
func (n *Node) accountPrivate() (identity.PrivateKey, error) {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	if !n.accountKey.IsZero() {
		return n.accountKey, nil
	}
	if !n.holdsAccountKey {
		return identity.PrivateKey{}, ErrNoAccountKey
	}
	k, role, err := identity.ReadKeyFile(accountPath(n.home), n.opts.Passphrase)
	if errors.Is(err, fs.ErrNotExist) {
		return identity.PrivateKey{}, ErrNoAccountKey
	}
	if err != nil {
		return identity.PrivateKey{}, fmt.Errorf("account key: %w", keyFileError(err))
	}
	if role != identity.RoleAccount {
		return identity.PrivateKey{}, fmt.Errorf("%s holds a %q key, not an account key", accountPath(n.home), role)
	}
	if k.Public() != n.account {
		return identity.PrivateKey{}, fmt.Errorf("%s holds the key of account %s, not of this device's account %s", accountPath(n.home), k.Public().Account(), n.account.Account())
	}
	n.accountKey = k
	return k, nil
}

func keyFileError(err error) error {
	if errors.Is(err, identity.ErrPassphraseRequired) {
		return fmt.Errorf("%w: pass --passphrase-file FILE or set KITH_PASSPHRASE", err)
	}
	return err
}

func openWith(home string, o Options, lock *homeLock, device, accountKey identity.PrivateKey) (*Node, error) {
	sc, err := o.storeConfig(home)
	if err != nil {
		return nil, err
	}
	st, info, err := OpenStore(home, sc, o.storeClock())
	if err != nil {
		return nil, err
	}
	max := o.BlobMaxSize
	if max == 0 {
		max = blob.DefaultMaxSize
	}
	bs, err := blob.Open(sc.blobsDir(home), max)
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{home: home, opts: o, lock: lock, store: st, storeInfo: info, blobs: bs, device: device, accountKey: accountKey}
	if !accountKey.IsZero() {
		n.account = accountKey.Public()
	}
	// The spaces' keyring, read before any goroutine can ask for it
	// (spacering.go); a file that does not decrypt is rebuilt from the
	// store, as spaces.md §6 says, and reported when the network starts.
	n.rings.mu.Lock()
	n.rings.loadErr = n.loadRings()
	n.rings.mu.Unlock()
	return n, nil
}

// Close releases the store and the home lock.
func (n *Node) Close() error {
	netErr := n.StopNetwork()
	n.events.close()
	err := n.store.Close()
	if err == nil {
		err = netErr
	}
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
	n.noteAdded([]*entry.Entry{e}, []store.Result{r})
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

// AppendRaw appends payload bytes to one of this device's logs, stamped
// with this node's clock (no later than the log's previous entry's
// timestamp + 1; never after anyone else's entries: timestamps order
// nothing, DESIGN.md "Order never depends on a clock").
func (n *Node) AppendRaw(ctx context.Context, log entry.LogID, payload []byte) (*entry.Entry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, err := n.signNext(ctx, log, payload)
	if err != nil {
		return nil, err
	}
	if err := n.appendOne(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// signNext signs the entry that would extend one of this device's logs
// with payload, without storing it. n.mu is held.
func (n *Node) signNext(ctx context.Context, log entry.LogID, payload []byte) (*entry.Entry, error) {
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	key := store.LogKey{Author: n.device.Public(), LogID: log}
	d := entry.Draft{LogID: log, Seq: 1, Timestamp: min(n.now(), entry.MaxTimestamp), Payload: payload}
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
			d.Timestamp = min(prev.Header.Timestamp, entry.MaxTimestamp-1) + 1
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, err
	}
	return entry.Sign(n.device, d)
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
