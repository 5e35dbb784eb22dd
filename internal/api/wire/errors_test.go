package wire

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestHTTPStatus(t *testing.T) {
	want := map[string]int{
		"bad_request": 400, "unauthorized": 401, "host_not_allowed": 403, "cross_origin": 403,
		"not_found": 404, "method_not_allowed": 405, "conflict": 409, "no_account_key": 409, "device_revoked": 409,
		"not_serving": 409, "not_initialized": 409, "already_initialized": 409, "too_large": 413, "unsupported_media_type": 415, "bad_bundle": 422,
		"unreachable": 502, "invite_expired": 410, "invite_refused": 403, "pair_expired": 410, "pair_refused": 403, "space_waiting": 409, "failed": 500, "hub_refused": 403,
	}
	codes := Codes()
	slices.Sort(codes)
	var names []string
	for c := range want {
		names = append(names, c)
	}
	slices.Sort(names)
	if !slices.Equal(codes, names) {
		t.Fatalf("Codes() = %v, want %v", codes, names)
	}
	for code, status := range want {
		if got := HTTPStatus(code); got != status {
			t.Errorf("HTTPStatus(%q) = %d, want %d", code, got, status)
		}
	}
	if got := HTTPStatus("no_such_code"); got != 500 {
		t.Errorf("HTTPStatus of an unknown code = %d, want 500", got)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Code: CodeNotFound, Message: "entry ent_x is not held here"}
	if e.Error() != "entry ent_x is not held here" {
		t.Errorf("Error() = %q, want the message alone", e.Error())
	}
	if (&Error{Code: CodeFailed}).Error() != "failed" {
		t.Errorf("Error() without a message = %q, want the code", (&Error{Code: CodeFailed}).Error())
	}
	b, err := json.Marshal(ErrorBody{Error: e})
	if err != nil || string(b) != `{"error":{"code":"not_found","message":"entry ent_x is not held here"}}` {
		t.Errorf("ErrorBody encodes as %s (%v)", b, err)
	}
}
