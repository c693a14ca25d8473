package filelink

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
)

func setup(t *testing.T) (*Links, *blob.Local, *httptest.Server) {
	t.Helper()
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	srv := httptest.NewUnstartedServer(nil)
	l, err := New(key, "http://"+srv.Listener.Addr().String(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Route, l.Handler(blobs, nil))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return l, blobs, srv
}

func TestRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	l, _, _ := setup(t)
	key := "jobs/ses_1/av_1/proof.pdf"
	tok := l.Token(key)
	if strings.Contains(tok, "ses_1") || strings.Contains(tok, "proof") {
		t.Errorf("token %q shows the key", tok)
	}
	got, _, err := l.Open(tok)
	if err != nil || got != key {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if l.Token(key) == tok {
		t.Error("two tokens for one key are equal: the nonce is not random")
	}
	// Flip each byte position in turn: every change is refused.
	raw := []byte(tok)
	for i := range raw {
		bad := append([]byte(nil), raw...)
		bad[i] = map[bool]byte{true: 'A', false: 'B'}[bad[i] != 'A']
		if _, _, err := l.Open(string(bad)); err != ErrInvalid {
			t.Fatalf("token changed at %d: %v, want ErrInvalid", i, err)
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32), "http://x", 0)
	if _, _, err := other.Open(tok); err != ErrInvalid {
		t.Errorf("token of another installation: %v, want ErrInvalid", err)
	}
	for _, s := range []string{"", "abc", "!!!!"} {
		if _, _, err := l.Open(s); err != ErrInvalid {
			t.Errorf("Open(%q) = %v", s, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	l, _, _ := setup(t)
	now := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { return now }
	tok := l.Token("a/b.pdf")
	l.Now = func() time.Time { return now.Add(59 * time.Minute) }
	if _, _, err := l.Open(tok); err != nil {
		t.Errorf("before expiry: %v", err)
	}
	l.Now = func() time.Time { return now.Add(time.Hour) }
	if _, _, err := l.Open(tok); err != ErrExpired {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	l, blobs, srv := setup(t)
	key := "jobs/ses_1/av_1/proof.pdf"
	if _, err := blobs.Put(context.Background(), key, strings.NewReader("%PDF-1.7 hello")); err != nil {
		t.Fatal(err)
	}
	get := func(url string, hdr ...string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", url, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get(l.URL(key))
	if resp.StatusCode != 200 || body != "%PDF-1.7 hello" {
		t.Fatalf("GET = %d %q", resp.StatusCode, body)
	}
	checkHeaders(t, "PDF", resp, map[string]string{
		"Content-Type":            "application/pdf",
		"Content-Disposition":     `attachment; filename=av_1-proof.pdf`,
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	})
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("Cache-Control = %q, want private", cc)
	}
	if resp, body = get(l.URL(key), "Range", "bytes=0-3"); resp.StatusCode != 206 || body != "%PDF" {
		t.Errorf("range = %d %q", resp.StatusCode, body)
	}
	if resp, body = get(srv.URL + "/files/" + strings.Repeat("A", 60)); resp.StatusCode != 404 || !strings.Contains(body, "not valid") {
		t.Errorf("invalid token = %d %q", resp.StatusCode, body)
	}
	expired := srv.URL + "/files/" + l.TokenUntil(key, time.Now().Add(-time.Second))
	if resp, body = get(expired); resp.StatusCode != 410 || !strings.Contains(body, "expired") {
		t.Errorf("expired token = %d %q", resp.StatusCode, body)
	}
	if resp, _ = get(l.URL("jobs/gone.pdf")); resp.StatusCode != 404 {
		t.Errorf("missing file = %d", resp.StatusCode)
	}
}

// TestHandlerDisposition: a file link never shows a document on Submit's
// origin. PDFs and JSON reports are downloads; proof page images are shown
// as images, which run nothing. Every answer, errors too, is sandboxed and
// not sniffed.
func TestHandlerDisposition(t *testing.T) {
	t.Parallel()
	l, blobs, srv := setup(t)
	for _, c := range []struct{ key, body, typ, disposition string }{
		{"jobs/ses_1/av_1/original.pdf", "%PDF-1.7", "application/pdf", "attachment; filename=av_1-original.pdf"},
		{"jobs/ses_1/av_1/report.json", "{}", "application/json", "attachment; filename=av_1-report.json"},
		{"jobs/ses_1/av_1/proof/page-0001.jpg", "\xff\xd8\xff", "image/jpeg", "inline; filename=page-0001.jpg"},
		{"jobs/ses_1/av_1/upload.bin", "<html><script>alert(1)</script>", "application/octet-stream", "attachment; filename=av_1-upload.bin"},
	} {
		if _, err := blobs.Put(context.Background(), c.key, strings.NewReader(c.body)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(l.URL(c.key))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		checkHeaders(t, c.key, resp, map[string]string{
			"Content-Type":            c.typ,
			"Content-Disposition":     c.disposition,
			"Content-Security-Policy": "default-src 'none'; sandbox",
			"X-Content-Type-Options":  "nosniff",
		})
	}
	resp, err := http.Get(srv.URL + "/files/" + strings.Repeat("A", 60))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkHeaders(t, "invalid link", resp, map[string]string{
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"X-Content-Type-Options":  "nosniff",
	})
}

// TestDownloadNameEncoding: a name that is not plain ASCII is sent as
// RFC 5987 filename* (RFC 6266), never raw in the header.
func TestDownloadNameEncoding(t *testing.T) {
	t.Parallel()
	got := disposition("jobs/ses_1/av_1/épreuve \"1\".pdf")
	if want := `attachment; filename*=utf-8''av_1-%C3%A9preuve%20%221%22.pdf`; got != want {
		t.Errorf("disposition = %q, want %q", got, want)
	}
}

func checkHeaders(t *testing.T, what string, resp *http.Response, want map[string]string) {
	t.Helper()
	for h, w := range want {
		if got := resp.Header.Get(h); got != w {
			t.Errorf("%s: %s = %q, want %q", what, h, got, w)
		}
	}
}
