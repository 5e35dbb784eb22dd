package wire

// Device is one device of this node's account.
type Device struct {
	ID         string `json:"id"` // dev_…
	Name       string `json:"name"`
	Revoked    bool   `json:"revoked"`
	ThisDevice bool   `json:"this_device"`
	Cert       string `json:"cert"`                 // the device.add entry
	RevokedBy  string `json:"revoked_by,omitempty"` // the device.revoke entry
}

// DeviceList answers GET /api/v1/devices.
type DeviceList struct {
	Account string   `json:"account"`
	Devices []Device `json:"devices"`
}

// RevokeRequest is the body of POST /api/v1/devices/{device}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason,omitempty"` // public, optional
}

// Revoked answers POST /api/v1/devices/{device}/revoke.
type Revoked struct {
	ID      string `json:"id"` // the device.revoke entry
	Device  string `json:"device"`
	Revoked bool   `json:"revoked"`
}
