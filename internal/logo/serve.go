package logo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/store"
)

// Route is where checked logos are served: /logos/<sha256>.<ext>. The
// name is the file's hash, so the same logo for many jobs and tenants is
// kept and cached once, and a file once served never changes.
const Route = "GET /logos/{file}"

// contentTypes maps the extensions of stored logos to their types.
var contentTypes = map[string]string{
	"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "svg": "image/svg+xml",
}

// fileName is a stored logo's name in Route.
var fileName = regexp.MustCompile(`^[0-9a-f]{64}\.(png|jpg|webp|svg)$`)

// put stores a checked logo under its hash.
func (s *Service) put(ctx context.Context, img Image) (string, error) {
	sum := sha256.Sum256(img.Data)
	key := "logos/" + hex.EncodeToString(sum[:]) + "." + img.Ext
	if _, err := s.cfg.Blobs.Put(ctx, key, bytes.NewReader(img.Data)); err != nil {
		return "", err
	}
	return key, nil
}

// Path is the address, on Submit's own origin, of a logo that was
// checked, and "" for one that is pending or failed: the page then shows
// the shop's name instead.
func Path(l store.Logo) string {
	if l.State != store.LogoOK || !strings.HasPrefix(l.BlobKey, "logos/") {
		return ""
	}
	return "/" + l.BlobKey
}

// ServeHTTP serves Route. An SVG is an active document when opened on its
// own, so every logo carries a policy that lets it run nothing and load
// nothing (only its inline styles apply), and nosniff so that a browser
// takes the type as given.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if !fileName.MatchString(name) {
		http.Error(w, "no such logo", http.StatusNotFound)
		return
	}
	f, err := s.cfg.Blobs.Open(r.Context(), "logos/"+name)
	if errors.Is(err, blob.ErrNotFound) {
		http.Error(w, "no such logo", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "serve logo", "error", err)
		http.Error(w, "the logo is unavailable for a moment", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	h.Set("Content-Type", contentTypes[name[strings.LastIndexByte(name, '.')+1:]])
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+name[:64]+`"`)
	http.ServeContent(w, r, "", time.Time{}, f)
}

// hostOf is the host of a URL, for logs.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
