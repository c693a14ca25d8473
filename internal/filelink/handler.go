package filelink

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/blob"
)

// Route is the pattern the handler is registered under. Logs and metrics
// name requests by it, never by their path, which holds the token.
const Route = "GET /files/{token}"

// Handler serves GET /files/{token}: the file, with a Content-Type and
// file name from its key, Range support, and headers that keep the link
// out of shared caches and Referer headers. An invalid token is a 404, an
// expired one a 410, each with a sentence saying what to do.
//
// Files are served on Submit's own origin, and a PDF is a document that
// can carry script and forms: so every answer is sandboxed (a CSP with no
// sources and the sandbox directive), never sniffed, and everything but a
// proof page image is a download (see disposition).
func (l *Links) Handler(blobs blob.Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		key, expires, err := l.Open(r.PathValue("token"))
		switch {
		case errors.Is(err, ErrExpired):
			plain(w, http.StatusGone, "This file link has expired. Links last "+days(l.ttl)+
				"; read the job again from the API (GET /api/jobs/{id}) for fresh links.")
			return
		case err != nil:
			plain(w, http.StatusNotFound, "This file link is not valid. Copy the whole link, or read the job again from the API for a fresh one.")
			return
		}
		f, err := blobs.Open(r.Context(), key)
		if errors.Is(err, blob.ErrNotFound) {
			plain(w, http.StatusNotFound, "The file this link points to no longer exists.")
			return
		}
		if err != nil {
			// The key is an internal path, not the token: safe to log.
			log.ErrorContext(r.Context(), "open linked file", slog.String("route", Route), slog.String("key", key), slog.Any("error", err))
			plain(w, http.StatusInternalServerError, "The file cannot be read right now; try again in a minute.")
			return
		}
		defer f.Close()
		h.Set("Content-Type", contentType(key))
		h.Set("Content-Disposition", disposition(key))
		// private: the link is a capability, shared caches must not keep
		// the file; max-age never outlives the link.
		maxAge := min(time.Until(expires), time.Hour)
		h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(max(maxAge, 0).Seconds())))
		http.ServeContent(w, r, "", time.Time{}, f)
	})
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

func days(d time.Duration) string {
	if n := int(d / (24 * time.Hour)); n >= 1 && d%(24*time.Hour) == 0 {
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

// contentType names the media type of the files Submit stores.
func contentType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".pdf":
		return "application/pdf"
	case ".json":
		return "application/json"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	}
	return "application/octet-stream"
}

// disposition is the Content-Disposition of a file. Proof page images
// are shown inline: an image runs nothing, and operators look at pages in
// the browser. PDFs, reports and anything else are attachments, so the
// browser saves them instead of opening them on Submit's origin. The name
// is encoded as RFC 6266 says: filename="…", or the RFC 5987 filename*
// (UTF-8, percent-encoded) when it is not plain ASCII.
func disposition(key string) string {
	kind := "attachment"
	if contentType(key) == "image/jpeg" {
		kind = "inline"
	}
	return mime.FormatMediaType(kind, map[string]string{"filename": downloadName(key)})
}

// downloadName is the file name a browser saves: the version and the
// file, e.g. "av_01jd…-proof.pdf".
func downloadName(key string) string {
	dir, file := path.Split(key)
	if v := path.Base(strings.TrimSuffix(dir, "/")); v != "." && v != "" && v != "proof" {
		return v + "-" + file
	}
	return file
}
