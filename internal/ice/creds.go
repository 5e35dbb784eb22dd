package ice

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// Credentials: valid for TTL from when they are made, the expiry rounded
// up to the next whole minute (so that asking again within a minute gives
// the same bytes); a check takes an expiry at most TTL + Round ahead.
const (
	TTL   = time.Hour
	Round = time.Minute
)

// Realm is the TURN realm of kith's nodes.
const Realm = "kith"

// SecretSize is the size of a node's secret.
const SecretSize = 32

// hmacContext separates these HMACs from any other use of the secret.
const hmacContext = "kith ice 1\n"

// Credentials returns the username and password of device under secret,
// made at now (the node's own clock), and how long they stay valid in
// whole seconds (rounded down).
func Credentials(secret []byte, device identity.PublicKey, now time.Time) (username, password string, ttl time.Duration) {
	exp := now.Add(TTL)
	if r := exp.Truncate(Round); !r.Equal(exp) {
		exp = r.Add(Round)
	}
	username = strconv.FormatInt(exp.Unix(), 10) + ":" + hex.EncodeToString(device[:])
	return username, password0(secret, username), exp.Sub(now).Truncate(time.Second)
}

func password0(secret []byte, username string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(hmacContext))
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Check checks a username the node's TURN server was given, at now (the
// node's own clock): it names a device and an expiry ahead of now, at most
// TTL + Round ahead. It returns the device and the password the node made
// for that username, which the TURN server's message integrity must then
// verify. It does not say whether the username came from this node: a
// password that does not verify does.
func Check(secret []byte, username string, now time.Time) (identity.PublicKey, string, error) {
	exp, dev, ok := strings.Cut(username, ":")
	if !ok {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the username %.80q has no ':'", username)
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || exp != strconv.FormatInt(sec, 10) {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the username's expiry %.20q is not a decimal number", exp)
	}
	at := time.Unix(sec, 0)
	if !at.After(now) {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the credentials expired %v ago: ask the node again (/kith/ice/1)", now.Sub(at).Round(time.Second))
	}
	if at.Sub(now) > TTL+Round {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the credentials' expiry is %v ahead, more than this node gives", at.Sub(now).Round(time.Second))
	}
	var key identity.PublicKey
	if len(dev) != 2*len(key) || strings.ToLower(dev) != dev {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the username's device key %.80q is not 64 lowercase hex digits", dev)
	}
	if _, err := hex.Decode(key[:], []byte(dev)); err != nil {
		return identity.PublicKey{}, "", fmt.Errorf("ice: the username's device key: %v", err)
	}
	return key, password0(secret, username), nil
}
