package wire

import "net/http"

// The error codes of the API. A code is stable: clients may branch on it,
// while the message is for people and may change. HTTPStatus gives the HTTP
// status that goes with each.
const (
	// CodeBadRequest: the request is malformed (bad JSON, an unknown field
	// or query parameter, an id of the wrong kind, an invalid payload).
	CodeBadRequest = "bad_request"
	// CodeUnauthorized: the Authorization header is missing or does not
	// carry the node's token.
	CodeUnauthorized = "unauthorized"
	// CodeHostNotAllowed: the Host header is not a loopback name or
	// address (a defence against DNS rebinding).
	CodeHostNotAllowed = "host_not_allowed"
	// CodeCrossOrigin: the request came from another origin (its Origin or
	// Sec-Fetch-Site header says so).
	CodeCrossOrigin = "cross_origin"
	// CodeNotFound: no such endpoint, or the entry, blob, profile or log
	// asked for is not held by the node.
	CodeNotFound = "not_found"
	// CodeMethodNotAllowed: the endpoint exists but not with this method;
	// the Allow header lists those it takes.
	CodeMethodNotAllowed = "method_not_allowed"
	// CodeConflict: the request is well formed but the node's state refuses
	// it (deleting another device's entry, revoking a revoked device …).
	CodeConflict = "conflict"
	// CodeNoAccountKey: the operation needs the account key, which this
	// node's home does not hold.
	CodeNoAccountKey = "no_account_key"
	// CodeDeviceRevoked: a write on a device its account revoked; the
	// message says by which entry and what to do (a fresh home, paired or
	// restored).
	CodeDeviceRevoked = "device_revoked"
	// CodeNotServing: a network operation on a node whose network does not
	// run.
	CodeNotServing = "not_serving"
	// CodeNotInitialized: the node runs in setup mode: it has no account
	// yet. Create or restore one in the web UI (the link 'kith serve'
	// printed, or 'kith ui'), or stop the node and run 'kith init'.
	CodeNotInitialized = "not_initialized"
	// CodeAlreadyInitialized: setup was asked of a node that has an
	// account.
	CodeAlreadyInitialized = "already_initialized"
	// CodeTooLarge: the request body (or the blob in it) is over its limit.
	CodeTooLarge = "too_large"
	// CodeUnsupportedMediaType: a JSON endpoint got a body whose
	// Content-Type is not application/json.
	CodeUnsupportedMediaType = "unsupported_media_type"
	// CodeBadBundle: an imported bundle is corrupt or truncated. It appears
	// in the final line of an import, whose HTTP status is already 200.
	CodeBadBundle = "bad_bundle"
	// CodeUnreachable: the peer or inviter could not be reached.
	CodeUnreachable = "unreachable"
	// CodeInviteExpired: the invite's time is over; ask for a new one.
	CodeInviteExpired = "invite_expired"
	// CodeInviteRefused: the inviter refused the invite (already used,
	// unknown to it, or this account is blocked).
	CodeInviteRefused = "invite_refused"
	// CodePairExpired: the pairing code's time is over; make a new one.
	CodePairExpired = "pair_expired"
	// CodePairRefused: the pairing device refused the code (wrong, used,
	// void, unknown to it) or the request.
	CodePairRefused = "pair_refused"
	// CodeSpaceWaiting: this device may not seal in the space yet: it
	// holds no key of the current epoch, or the current key predates a
	// removal it knows of. The message says which; an admin's device
	// gives a new key when it is online. Nothing was written.
	CodeSpaceWaiting = "space_waiting"
	// CodeFailed: the node could not do what was asked; the message says
	// why.
	CodeFailed = "failed"
	// CodeHubRefused: a hub refused a service request; the message says
	// why (not served, over its limit, busy).
	CodeHubRefused = "hub_refused"
)

// statuses maps every code to its HTTP status.
var statuses = map[string]int{
	CodeBadRequest:           http.StatusBadRequest,
	CodeUnauthorized:         http.StatusUnauthorized,
	CodeHostNotAllowed:       http.StatusForbidden,
	CodeCrossOrigin:          http.StatusForbidden,
	CodeNotFound:             http.StatusNotFound,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	CodeConflict:             http.StatusConflict,
	CodeNoAccountKey:         http.StatusConflict,
	CodeDeviceRevoked:        http.StatusConflict,
	CodeNotServing:           http.StatusConflict,
	CodeNotInitialized:       http.StatusConflict,
	CodeAlreadyInitialized:   http.StatusConflict,
	CodeTooLarge:             http.StatusRequestEntityTooLarge,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeBadBundle:            http.StatusUnprocessableEntity,
	CodeUnreachable:          http.StatusBadGateway,
	CodeInviteExpired:        http.StatusGone,
	CodeInviteRefused:        http.StatusForbidden,
	CodePairExpired:          http.StatusGone,
	CodePairRefused:          http.StatusForbidden,
	CodeSpaceWaiting:         http.StatusConflict,
	CodeFailed:               http.StatusInternalServerError,
	CodeHubRefused:           http.StatusForbidden,
}

// HTTPStatus returns the HTTP status of an error code; 500 for a code this
// package does not define.
func HTTPStatus(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes returns every error code the API defines.
func Codes() []string {
	out := make([]string, 0, len(statuses))
	for c := range statuses {
		out = append(out, c)
	}
	return out
}

// Error is an API error: the inner object of an error response, and an
// error value the client returns (its Error is the message alone, so a
// command prints the same text whether it ran through the API or not).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the message, or the code when there is no message.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Message
}

// ErrorBody is the body of every error response: {"error":{...}}.
type ErrorBody struct {
	Error *Error `json:"error"`
}
