package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"
)

// pageCSP is the Content-Security-Policy of every response the server makes
// itself: no script at all, the one inline style block by its hash (no style
// attributes), images and forms from this origin only, never framed.
var pageCSP = "default-src 'none'; style-src 'sha256-" + styleHash() + "'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// runFileCSP is the policy of every file served from a run folder. The
// sandbox (without allow-same-origin) gives an HTML or SVG file an opaque
// origin of its own: its scripts may run (the timeline needs them) but can
// read nothing of this server, and it may load nothing from anywhere.
const runFileCSP = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// setSecurityHeaders sets the headers every response carries. Handlers of
// run files replace the CSP with runFileCSP.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// Timeouts of the HTTP server: a client gets ReadHeader to send its request
// headers and Read for the whole request; a response must make progress
// every Write (large downloads extend their deadline as they go, see
// progressWriter); an idle keep-alive connection is closed after Idle.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 2 * time.Minute
)

// HTTPServer returns an http.Server for h with the timeouts above, so a slow
// or stalled client cannot hold a connection (and its goroutine) forever.
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// progressWriter extends the connection's write deadline while a long
// response (a big file, a zip) keeps making progress, so WriteTimeout bounds
// a stalled client, not a large download.
type progressWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	next time.Time // when to extend the deadline again
}

func newProgressWriter(w http.ResponseWriter) *progressWriter {
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
}

func (p *progressWriter) Write(b []byte) (int, error) {
	if now := time.Now(); now.After(p.next) {
		// Servers without deadlines (httptest's recorder) say so; that is fine.
		_ = p.rc.SetWriteDeadline(now.Add(WriteTimeout))
		p.next = now.Add(time.Second)
	}
	return p.ResponseWriter.Write(b)
}
