package wire

// SetupState answers GET /api/v1/setup.
type SetupState struct {
	Initialized bool `json:"initialized"`
}

// SetupPhrase answers POST /api/v1/setup/phrase: a fresh recovery phrase
// that the node keeps nowhere.
type SetupPhrase struct {
	Words []string `json:"words"`
}

// SetupRequest is the body of POST /api/v1/setup.
type SetupRequest struct {
	Phrase     string `json:"phrase"`      // the 24 words, separated by spaces
	Passphrase string `json:"passphrase"`  // the optional BIP39 passphrase ("25th word")
	DeviceName string `json:"device_name"` // optional, e.g. "laptop"
}

// Bounds of SetupRequest's phrase and passphrase, in bytes (the device
// name is bounded like a device certificate's).
const (
	MaxPhraseLen     = 1024
	MaxPassphraseLen = 1024
)
