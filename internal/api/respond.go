package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

// MaxJSONBody bounds the body of a JSON request, in bytes.
const MaxJSONBody = 1 << 20

// writeJSON sends v as the 200 answer.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, apiError(wire.CodeFailed, "encode the answer: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// writeError sends e as an error answer with its code's status, its
// message in words for people (wire.PlainMessage).
func writeError(w http.ResponseWriter, e *wire.Error) {
	plain := *e
	plain.Message = wire.PlainMessage(e.Message)
	b, err := json.Marshal(wire.ErrorBody{Error: &plain})
	if err != nil {
		b = []byte(`{"error":{"code":"failed","message":"cannot encode the error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(wire.HTTPStatus(e.Code))
	_, _ = w.Write(append(b, '\n'))
}

// decodeBody decodes a JSON request body into v: one object, at most
// MaxJSONBody bytes, no unknown fields, nothing after it. A Content-Type,
// when given, must be application/json.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	return readBody(w, r, v, false)
}

// decodeOptionalBody is decodeBody for endpoints whose fields are all
// optional: an empty body leaves v as it is.
func decodeOptionalBody(w http.ResponseWriter, r *http.Request, v any) error {
	return readBody(w, r, v, true)
}

func readBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apiError(wire.CodeUnsupportedMediaType, "the body must be JSON (Content-Type: application/json), not %q", shortText(ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		return ErrorOf(err)
	}
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes body, a whole JSON request, into v (a pointer to a
// struct): exactly one object, no unknown fields, nothing after it.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apiError(wire.CodeBadRequest, "the body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError(wire.CodeBadRequest, "the body is not the JSON object this endpoint takes: %v", jsonErrorText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apiError(wire.CodeBadRequest, "the body has more after its JSON object")
	}
	return nil
}

// jsonErrorText describes a decoding error without Go type names.
func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q cannot hold a JSON %s", te.Field, te.Value)
		}
		return fmt.Sprintf("expected an object, got a JSON %s", te.Value)
	}
	return err.Error()
}

// queryOf parses the request's query, refusing parameters other than those
// allowed and parameters given twice unless repeatable.
func queryOf(r *http.Request, allowed []string, repeatable ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, apiError(wire.CodeBadRequest, "the query string is malformed: %v", err)
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return nil, apiError(wire.CodeBadRequest, "unknown query parameter %q: this endpoint takes none", shortText(k))
			}
			return nil, apiError(wire.CodeBadRequest, "unknown query parameter %q: this endpoint takes %s", shortText(k), strings.Join(allowed, ", "))
		}
		if len(q[k]) > 1 && !slices.Contains(repeatable, k) {
			return nil, apiError(wire.CodeBadRequest, "query parameter %q is given %d times", k, len(q[k]))
		}
	}
	return q, nil
}
