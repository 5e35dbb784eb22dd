package content

import (
	"errors"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// CheckDeviceCert parses a device certificate that remote sent about itself
// (the /kith/cert/1 exchange) and checks that it is a signed device.add of
// exactly that device, at seq 1 of its certificate log. The node and the
// browser peer both judge a peer's certificate with it.
func CheckDeviceCert(header, payload []byte, remote identity.PublicKey) (*entry.Entry, error) {
	cert, err := entry.Parse(header, payload)
	if err != nil {
		return nil, err
	}
	p, err := Decode(payload)
	if err != nil {
		return nil, err
	}
	add, ok := p.(*DeviceAdd)
	if !ok || add.Device.Key() != remote || cert.Header.LogID != DeviceCertLog(remote) || cert.Header.Seq != 1 {
		return nil, errors.New("the certificate is not a device.add of the device on this connection")
	}
	if !cert.Verify() {
		return nil, errors.New("the certificate's signature does not verify")
	}
	return cert, nil
}
