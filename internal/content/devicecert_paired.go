package content

import (
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// NewPairedDeviceCert builds the device.add entry by which account admits
// a device whose private key is elsewhere: the device gave its signature
// over DeviceCertInput(account, device) (pairing, doc/protocol/pairing.md).
// It refuses a signature that is not valid. name is optional ("" for
// none); timestamp is in ms since the epoch.
func NewPairedDeviceCert(account identity.PrivateKey, device identity.PublicKey, deviceSig [64]byte, name string, timestamp uint64) (*entry.Entry, error) {
	if account.IsZero() {
		return nil, errors.New("device.add: unset account key")
	}
	acc := account.Public()
	add := &DeviceAdd{Account: acc.Account(), Device: device.Device(), Name: name, DeviceSig: deviceSig, Paired: true}
	if !add.VerifyDeviceSig() {
		return nil, errors.New("device.add: the device's signature over the certificate input is not valid")
	}
	payload, err := Encode(add)
	if err != nil {
		return nil, err
	}
	e, err := entry.Sign(account, entry.Draft{LogID: DeviceCertLog(device), Seq: 1, Timestamp: timestamp, Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("device.add: %w", err)
	}
	if err := Validate(&e.Header, add); err != nil {
		return nil, err
	}
	return e, nil
}
