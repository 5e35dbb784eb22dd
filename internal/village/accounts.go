package village

import (
	"fmt"
	"sync"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Locals are accounts (village.md §1, "Accounts and devices"): a device
// speaks for the account that certified it (a device.add entry in the set,
// or the certificate a request carries) unless it is certified by more
// than one account, and a revoked device only through the entries its
// account's revocation keeps (payloads.md §5, device.revoke "keep").

// Parse returns the certificate's entry and its device.add, checking the
// encoding only: the header, the payload against it, and the payload's
// type. The signatures are checked by the reducer.
func (c Cert) Parse() (*entry.Entry, *content.DeviceAdd, error) {
	e, err := entry.Parse(c.Header, c.Payload)
	if err != nil {
		return nil, nil, fmt.Errorf("the certificate: %v", err)
	}
	p, err := content.Decode(c.Payload)
	if err != nil {
		return nil, nil, fmt.Errorf("the certificate's payload: %v", err)
	}
	add, ok := p.(*content.DeviceAdd)
	if !ok {
		return nil, nil, fmt.Errorf("the certificate is a %q, not a %q", p.Type(), content.TypeDeviceAdd)
	}
	return e, add, nil
}

// CertOf returns the Cert carrying the device.add entry e (with its
// payload), for a request.
func CertOf(e *entry.Entry) Cert {
	return Cert{Header: e.Header.AppendSigned(nil), Payload: e.Payload}
}

// accounts maps the devices of a set of entries to their accounts.
type accounts struct {
	of      map[identity.PublicKey]identity.PublicKey // device -> account
	certs   map[identity.PublicKey]map[identity.PublicKey]bool
	revoked map[identity.PublicKey][]*content.DeviceRevoke // by device, the revocations its account wrote
	kept    map[entry.ID]int                               // entries of revoked devices: how many revocations keep them
	checked map[entry.ID]embedded                          // embedded certificates already checked
}

func newAccounts() *accounts {
	return &accounts{
		of:      map[identity.PublicKey]identity.PublicKey{},
		certs:   map[identity.PublicKey]map[identity.PublicKey]bool{},
		revoked: map[identity.PublicKey][]*content.DeviceRevoke{},
		kept:    map[entry.ID]int{},
		checked: map[entry.ID]embedded{},
	}
}

// isCert reports whether e is a device certificate or revocation (by its
// log and payload type); such entries are not village entries.
func isCert(e *entry.Entry) bool {
	if e.Payload == nil {
		return false
	}
	typ, err := content.PeekType(e.Payload)
	return err == nil && (typ == content.TypeDeviceAdd || typ == content.TypeDeviceRevoke)
}

// certMemo remembers, by entry id, which device and account a valid
// certificate names and whether it is valid, so that reducing a village
// again and again (every change, every view) does not check the same
// device signatures again: the outcome is a function of the entry's
// bytes, which its id commits to (the payload is checked against the
// header first). When full it is emptied.
var certMemo = struct {
	sync.Mutex
	m map[certKey]certOutcome
}{m: map[certKey]certOutcome{}}

// maxCertMemo bounds certMemo.
const maxCertMemo = 16384

// certKey names one check: of a certificate in the set (its entry
// signature checked by the caller) or carried in a request (checked here).
type certKey struct {
	id       entry.ID
	embedded bool
}

type certOutcome struct {
	device, account identity.PublicKey
	why             string // "" when valid
}

// checkCert checks the device.add entry e (and its entry signature when
// embedded), remembering the outcome.
func checkCert(e *entry.Entry, add *content.DeviceAdd, embedded bool) certOutcome {
	k := certKey{e.ID, embedded}
	certMemo.Lock()
	r, ok := certMemo.m[k]
	certMemo.Unlock()
	if ok {
		return r
	}
	switch {
	case embedded && !e.Verify():
		r.why = "the certificate's signature is invalid"
	default:
		if err := content.Validate(&e.Header, add); err != nil {
			r.why = "the certificate: " + err.Error()
		} else {
			r.device, r.account = identity.PublicKey(add.Device), identity.PublicKey(add.Account)
		}
	}
	certMemo.Lock()
	if len(certMemo.m) >= maxCertMemo {
		clear(certMemo.m)
	}
	certMemo.m[k] = r
	certMemo.Unlock()
	return r
}

// payloadOf decodes e's payload, nil when it is missing, does not match
// the header or does not decode.
func payloadOf(e *entry.Entry) content.Payload {
	if e.Payload == nil || entry.CheckPayload(&e.Header, e.Payload) != nil {
		return nil
	}
	p, err := content.Decode(e.Payload)
	if err != nil {
		return nil
	}
	return p
}

// addCert records a valid device.add entry (signature already checked).
func (a *accounts) addCert(e *entry.Entry) {
	add, ok := payloadOf(e).(*content.DeviceAdd)
	if !ok {
		return
	}
	if r := checkCert(e, add, false); r.why == "" {
		a.record(r.device, r.account)
	}
}

// record notes that acc certified dev.
func (a *accounts) record(dev, acc identity.PublicKey) {
	if a.certs[dev] == nil {
		a.certs[dev] = map[identity.PublicKey]bool{}
	}
	a.certs[dev][acc] = true
	if len(a.certs[dev]) == 1 {
		a.of[dev] = acc
	} else {
		delete(a.of, dev)
	}
}

// embedded is the outcome of checking one embedded certificate.
type embedded struct {
	device identity.PublicKey
	why    string // why it is not valid; "" when it is
}

// addEmbedded records the certificate a request carries, checking both
// its signatures (once per certificate), and returns the device it
// certifies or why it is not valid.
func (a *accounts) addEmbedded(c Cert) (identity.PublicKey, string) {
	e, add, err := c.Parse()
	if err != nil {
		return identity.PublicKey{}, err.Error()
	}
	r, ok := a.checked[e.ID]
	if !ok {
		c := checkCert(e, add, true)
		r = embedded{device: c.device, why: c.why}
		if c.why == "" {
			a.record(c.device, c.account)
		}
		a.checked[e.ID] = r
	}
	return r.device, r.why
}

// addRevoke records a device.revoke entry written by the account that
// certified the device (its certificate log's author).
func (a *accounts) addRevoke(e *entry.Entry) {
	rev, ok := payloadOf(e).(*content.DeviceRevoke)
	if !ok || content.Validate(&e.Header, rev) != nil {
		return
	}
	dev := identity.PublicKey(rev.Device)
	if !a.certs[dev][e.Header.Author] {
		return // not the account that certified it
	}
	a.revoked[dev] = append(a.revoked[dev], rev)
}

// keep marks the entries of revoked devices that their revocations keep:
// each kept head held in byID and every entry it reaches by backlinks.
func (a *accounts) keep(byID func(entry.ID) *entry.Entry) {
	for dev, revs := range a.revoked {
		for _, rev := range revs {
			marked := map[entry.ID]bool{}
			for _, h := range rev.Keep {
				for id := h; ; {
					e := byID(id)
					if e == nil || e.Header.Author != dev || marked[id] {
						break
					}
					marked[id] = true
					if e.Header.Seq == 1 {
						break
					}
					id = e.Header.Backlink
				}
			}
			for id := range marked {
				a.kept[id]++
			}
		}
	}
}

// speaks returns the account e's author speaks for in e, or why it speaks
// for none.
func (a *accounts) speaks(e *entry.Entry) (identity.PublicKey, string) {
	dev := e.Header.Author
	acc, ok := a.of[dev]
	switch {
	case len(a.certs[dev]) > 1:
		return identity.PublicKey{}, "the author's device is certified by more than one account"
	case !ok:
		return identity.PublicKey{}, "no certificate of the author's device is held (a device speaks for its account only with one)"
	case len(a.revoked[dev]) > 0 && a.kept[e.ID] < len(a.revoked[dev]):
		return identity.PublicKey{}, "the author's device is revoked, and its account's revocation does not keep this entry"
	}
	return acc, ""
}

// current reports whether dev is certified by exactly one account and not
// revoked.
func (a *accounts) current(dev identity.PublicKey) bool {
	_, ok := a.of[dev]
	return ok && len(a.certs[dev]) == 1 && len(a.revoked[dev]) == 0
}

// CertAccount returns the account that c certifies device for, checking
// the certificate as the reducer does (both signatures and the rules of
// payloads.md §7): for a node taking a request (village.md §6).
func CertAccount(c Cert, device identity.PublicKey) (identity.PublicKey, error) {
	a := newAccounts()
	dev, why := a.addEmbedded(c)
	switch {
	case why != "":
		return identity.PublicKey{}, fmt.Errorf("%s", why)
	case dev != device:
		return identity.PublicKey{}, fmt.Errorf("the request carries the certificate of another device")
	}
	return a.of[dev], nil
}
