package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

type nonceKey struct{}

// secure sets the headers every customer page carries and gives the
// request a fresh CSP nonce for the one <style> element that sets the
// brand colour. No script is inline, so scripts need no nonce. Images
// come from Submit only (the logo too, from /logos/): the customer's
// browser never asks another origin for anything.
func (w *Web) secure(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		nonce := randomString(16)
		h := rw.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'"+
			"; style-src 'self' 'nonce-"+nonce+"'; script-src 'self'; connect-src 'self'"+
			"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		// The link token is in the URL: never send it anywhere.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next(rw, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	}
}

func nonceOf(ctx context.Context) string {
	s, _ := ctx.Value(nonceKey{}).(string)
	return s
}

// randomString returns n random bytes, base64url encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookieConfig names the CSRF cookie. The CSRF defence is a double-submit
// token: a random cookie that the page repeats in a form field or the
// X-CSRF-Token header. It needs no server-side key, so several processes
// behind one load balancer accept each other's pages. Go's
// CrossOriginProtection (Sec-Fetch-Site and Origin) is checked as well.
type cookieConfig struct {
	name   string
	secure bool
}

func newCookieConfig(publicURL string) cookieConfig {
	if u, err := url.Parse(publicURL); err == nil && u.Scheme == "https" {
		// __Host- binds the cookie to this exact host: a sibling
		// subdomain cannot plant a value of its choosing.
		return cookieConfig{name: "__Host-submit_csrf", secure: true}
	}
	return cookieConfig{name: "submit_csrf"}
}

const csrfHeader = "X-CSRF-Token"

// csrfToken returns the request's CSRF token, setting the cookie when the
// browser has none yet.
func (w *Web) csrfToken(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(w.cookie.name); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	v := randomString(32)
	http.SetCookie(rw, &http.Cookie{
		Name: w.cookie.name, Value: v, Path: "/", HttpOnly: true, Secure: w.cookie.secure,
		// Lax, not Strict: a customer who follows the link from an email
		// must keep the cookie that other open tabs of the page repeat.
		SameSite: http.SameSiteLaxMode,
	})
	return v
}

func newOriginCheck(publicURL string) *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		// Behind a proxy the Host header may differ from the public URL.
		_ = c.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return c
}

// checkCSRF refuses a state-changing request that did not come from the
// page itself. Safe methods pass: they change nothing.
func (w *Web) checkCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodOptions {
			next(rw, r)
			return
		}
		if err := w.origin.Check(r); err != nil {
			w.refuse(rw, r, http.StatusForbidden, "refuse.crossSite")
			return
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			// However the token comes, a small form stays small.
			r.Body = http.MaxBytesReader(rw, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
					w.refuse(rw, r, http.StatusRequestEntityTooLarge, "refuse.formTooLong", "n", maxReason)
					return
				}
				w.refuse(rw, r, http.StatusBadRequest, "refuse.formUnreadable")
				return
			}
		}
		c, err := r.Cookie(w.cookie.name)
		sent := csrfSent(r)
		if err != nil || sent == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
			w.refuse(rw, r, http.StatusForbidden, "refuse.session")
			return
		}
		next(rw, r)
	}
}

// maxFormBytes bounds the small forms (approve, reject with its reason).
const maxFormBytes = 64 << 10

// csrfSent is the token the request repeats: the header from scripts, a
// form field from plain forms, or, for the multipart upload form whose
// body is streamed and must not be read twice, the action URL's query.
func csrfSent(r *http.Request) string {
	if s := r.Header.Get(csrfHeader); s != "" {
		return s
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return r.PostFormValue("csrf")
	case strings.HasPrefix(ct, "multipart/form-data"):
		return r.URL.Query().Get("csrf")
	}
	return ""
}
