package hmacgate

import (
	"encoding/json"
	"net/http"
)

// errorBody is the JSON of a refusal: {"error":"<code>","message":"…"}.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// WriteError writes err as a JSON refusal, {"error":"<code>","message":"…"},
// with the refusal's HTTP status, Content-Type application/json and
// Cache-Control: no-store.
//
// An err that is not an [*Error] (or nil) is written as 500 with the code
// [Internal] and a generic message: its text may hold details that are not
// fit to show, so it is never written. Refusal messages never hold a key, a
// secret or an expected MAC, so they are safe to send.
func WriteError(w http.ResponseWriter, err error) {
	status, code, msg := HTTPStatus(err), ErrorCode(err), ErrorMessage(err)
	if err == nil {
		status, code, msg = http.StatusInternalServerError, Internal, "internal error"
	}
	b, jerr := json.Marshal(errorBody{Error: code, Message: msg})
	if jerr != nil { // cannot happen for two strings; never write a half body
		b = []byte(`{"error":"internal","message":"internal error"}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
