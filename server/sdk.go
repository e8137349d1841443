package server

import (
	_ "embed"
	"net/http"
)

//go:embed assets/sdk.js
var sdkJS []byte

func (s *Server) sdk(w http.ResponseWriter, _ *http.Request, _ *call) error {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(sdkJS)
	return nil
}

// connectPreflight answers CORS preflight requests for the connect call,
// which customers' frontends make from their own origins. The call carries
// no cookies, so any origin may make it; the digest is what authorizes it.
func (s *Server) connectPreflight(w http.ResponseWriter, _ *http.Request, _ *call) error {
	corsHeaders(w)
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Shared, never modified header values: assigning them directly saves the
// canonicalization and allocation of Header.Set on the hot path.
var (
	hdrAny         = []string{"*"}
	hdrPostOptions = []string{"POST, OPTIONS"}
	hdrContentType = []string{"Content-Type"}
)

func corsHeaders(w http.ResponseWriter) {
	h := w.Header()
	h["Access-Control-Allow-Origin"] = hdrAny
	h["Access-Control-Allow-Methods"] = hdrPostOptions
	h["Access-Control-Allow-Headers"] = hdrContentType
}
