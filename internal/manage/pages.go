package manage

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/atomyx/submit/internal/i18n"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page, each the layout plus the page's
// "content", so that pages may define blocks of the same name.
type pages struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "–"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		case *time.Time:
			if v == nil {
				return "–"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		return fmt.Sprint(t)
	},
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"langName": i18n.Name,
	"ms": func(d time.Duration) string {
		if d < time.Second {
			return fmt.Sprintf("%d ms", d.Milliseconds())
		}
		return fmt.Sprintf("%.1f s", d.Seconds())
	},
	"clip": func(n int, s string) string {
		if len(s) <= n {
			return s
		}
		return strings.ToValidUTF8(s[:n], "") + "…"
	},
	"label": statusLabel,
	"tone":  statusTone,
	"final": func(s job.Status) bool { return s.Final() },
	"join":  strings.Join,
	"eventNames": func(ts []job.EventType) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = string(t)
		}
		return out
	},
	"httpOK": func(code int) bool { return code >= 200 && code < 300 },
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict needs key and value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m, nil
	},
}

func loadPages() *pages {
	p := &pages{sets: map[string]*template.Template{}}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		p.sets[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return p
}

// flashes are the messages a redirect may ask the next page to show, by
// code: the page never echoes text from the address.
var flashes = map[string]string{
	"cancelled":   "The job was cancelled.",
	"redelivered": "The callback was queued for delivery again.",
	"resolved":    "The exception was resolved.",
	"retried":     "The deliveries to that address were queued again.",
	"refetch":     "The artwork will be fetched again.",
	"reproof":     "The proof will be made again. The customer's page shows its progress.",
	"revoked":     "The key was revoked. Requests made with it are refused from now on.",
	"rotated":     "A new signing secret is active. The previous one keeps signing for " + overlap() + ".",
	"saved":       "Settings saved.",
	"user":        "The operator was added. They can sign in now.",
	"disabled":    "The operator was disabled and signed out everywhere.",
	"enabled":     "The operator was enabled. They can sign in again.",
	"password":    "Your password was changed. Your other sessions were signed out.",
}

// render writes a page. Data's keys are available in the template, with
// the signed-in operator's under .Me.
func (m *Manage) render(w http.ResponseWriter, r *http.Request, c *call, status int, name string, data map[string]any) error {
	set, ok := m.pages.sets[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Path"] = r.URL.Path
	data["Flash"] = flashes[r.URL.Query().Get("done")]
	if c != nil {
		data["Me"] = map[string]any{
			"ID": c.user.ID, "Email": c.user.Email, "Role": c.user.Role, "Admin": c.admin(), "Live": c.live, "CSRF": c.session.CSRFToken,
		}
	}
	var buf bytes.Buffer // rendered whole first, so a template error is a clean 500
	if err := set.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// errorPage shows a problem as a page of its own.
func (m *Manage) errorPage(w http.ResponseWriter, r *http.Request, c *call, status int, title, detail string) {
	err := m.render(w, r, c, status, "error", map[string]any{"Title": title, "Detail": detail, "Status": status})
	if err != nil {
		http.Error(w, title, status)
	}
}

// statusLabel is a status in words.
func statusLabel(s any) string {
	return strings.ReplaceAll(fmt.Sprint(s), "_", " ")
}

// statusTone picks a badge colour: good, bad, wait or done.
func statusTone(v any) string {
	switch s := fmt.Sprint(v); s {
	case string(job.Approved), string(job.PreflightPassed), string(job.ProofGenerated), "delivered":
		return "good"
	case string(job.PreflightFailed), string(job.Rejected), "failed", string(job.Expired), string(job.EventProofFailed):
		return "bad"
	case string(job.Cancelled), "resolved":
		return "done"
	}
	return "wait"
}
