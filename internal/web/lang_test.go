package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
	"golang.org/x/text/language"
)

// getIn fetches u with c, sending Accept-Language when it is set.
func getIn(t *testing.T, c *http.Client, u, acceptLanguage string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

// uploadTitles are the upload page's heading in some languages.
var uploadTitles = map[string]string{
	"en": "Upload your artwork", "de": "Laden Sie Ihre Druckdaten hoch", "fi": "Lataa painoaineistosi",
	"fr": "Envoyez votre fichier", "sv": "Ladda upp ditt original", "nb": "Last opp trykkfilen din", "pl": "Prześlij swój projekt",
}

// TestPageLanguage: the page speaks the customer's choice, else the job's
// locale, else the browser's Accept-Language, else the tenant's default,
// else English; <html lang> says which.
func TestPageLanguage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	plain := e.newJob(t, workflow.NewJobParams{})
	german := e.newJob(t, workflow.NewJobParams{Locale: "de-AT"})
	check := func(t *testing.T, c *http.Client, u, acceptLanguage, want string) {
		t.Helper()
		body := getIn(t, c, u, acceptLanguage)
		if !strings.Contains(body, `<html lang="`+want+`"`) || !strings.Contains(body, uploadTitles[want]) {
			t.Errorf("Accept-Language %q: want the page in %s, got %s", acceptLanguage, want, head(body))
		}
	}
	for _, tc := range []struct {
		name           string
		j              job.Job
		acceptLanguage string
		want           string
	}{
		{"nothing says: English", plain, "", "en"},
		{"the browser's language", plain, "fi-FI,fi;q=0.9,en;q=0.8", "fi"},
		{"q-values count", plain, "en;q=0.3, sv;q=0.9", "sv"},
		{"Norwegian is Bokmål", plain, "no", "nb"},
		{"a language we lack: English", plain, "ja", "en"},
		{"the job's locale before the browser's", german, "fr", "de"},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, e.browser(t), e.url(tc.j, ""), tc.acceptLanguage, tc.want) })
	}

	t.Run("the tenant's default after the browser's", func(t *testing.T) {
		if err := e.st.UpdateTenantSettings(t.Context(), e.tenant, store.TenantSettings{Locale: "sv"}); err != nil {
			t.Fatal(err)
		}
		c := e.browser(t)
		check(t, c, e.url(plain, ""), "ja", "sv")
		check(t, c, e.url(plain, ""), "pl", "pl")
		check(t, c, e.url(german, ""), "ja", "de")
	})

	t.Run("the customer's choice before all, remembered", func(t *testing.T) {
		c := e.browser(t)
		check(t, c, e.url(german, "?lang=fi"), "fr", "fi")
		check(t, c, e.url(german, ""), "fr", "fi") // the cookie
		check(t, c, e.url(plain, ""), "", "fi")    // every link in this browser
		check(t, c, e.url(german, "?lang=xx-!!"), "", "fi")
		check(t, c, e.url(german, "?lang=en"), "", "en")
	})
}

func head(body string) string {
	if i := strings.Index(body, "</h1>"); i > 0 {
		return body[:i]
	}
	return body
}

// TestPageSwitcherWorksWithoutScript: the switcher is a plain GET form on
// the page's own address, labelled, listing every language in itself.
func TestPageSwitcherWorksWithoutScript(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{Locale: "fi"})
	body := getIn(t, e.browser(t), e.url(j, ""), "")
	for _, want := range []string{
		`<form class="lang" method="get" action="/u/` + j.UploadToken + `">`,
		`<label for="lang">Kieli</label>`, `<select id="lang" name="lang">`,
		`<option value="fi" lang="fi" selected>Suomi</option>`, `<option value="de" lang="de">Deutsch</option>`,
		`<option value="nb" lang="nb">Norsk bokmål</option>`, `<option value="pl" lang="pl">Polski</option>`,
		`>Vaihda</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// TestFindingsPageInGerman: a German job's findings page shows the
// preflight's messages in German with German numbers, its labels and
// date in German, and the scripts' words from the German asset.
func TestFindingsPageInGerman(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{Locale: "de"})
	v := e.upload(t, j)
	e.move(t, j, v, job.Preflighting, nil, nil)
	e.move(t, j, v, job.PreflightFailed, []job.Finding{
		{Code: "SMALL_TEXT", Check: "text_size", Severity: "error", Page: 1, Message: "This page has text as small as 4.5 pt.",
			Details: json.RawMessage(`{"measured":4.5,"threshold":6,"recommended":6,"unit":"pt"}`)},
		{Code: "INSUFFICIENT_BLEED", Check: "bleed", Severity: "warning", Page: 2, Message: "Page 2 has only 1.5 mm of bleed.",
			Details: json.RawMessage(`{"measured":1.5,"threshold":3,"unit":"mm"}`)},
	}, nil)
	c := e.browser(t)
	body := getIn(t, c, e.url(j, ""), "en-GB")
	for _, want := range []string{
		`<html lang="de"`, "Ihre Datei braucht eine Änderung", "Diese Seite hat Text mit nur 4,5 pt",
		"Seite 2 hat nur 1,5 mm Beschnitt.", "Muss behoben werden", "Seite 1", "Kleiner Text",
		"Dies ist Ihr persönlicher Link", "Korrigierte Datei hochladen",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("German page lacks %q", want)
		}
	}
	if strings.Contains(body, "This page has text") {
		t.Error("the German page shows the English message")
	}
	words := getIn(t, c, e.srv.URL+attr(t, body, "data-words"), "")
	var m map[string]string
	if err := json.Unmarshal([]byte(words), &m); err != nil || m["sending"] != "Wird gesendet …" || m["retrying"] != "Verbindung unterbrochen. Neuer Versuch in {s} s …" {
		t.Errorf("the German words asset: %v %v", m, err)
	}
}

// attr returns the value of the first attribute name="…" in body.
func attr(t *testing.T, body, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, name+`="`)
	v, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("no %s in the page", name)
	}
	return strings.ReplaceAll(v, "&amp;", "&")
}

// TestRefusalsSpeakThePageLanguage: a refused request is answered in the
// page's language (its forms name it with hl=, its scripts send it as
// Accept-Language), else the browser's, else English, as a page and as
// the JSON the scripts show; a refused reason is said in the job's
// language. Each answer is compared with the catalogue's text, and the
// German and Finnish texts must differ from the English ones, so an
// English answer fails.
func TestRefusalsSpeakThePageLanguage(t *testing.T) {
	t.Parallel()
	de, fi, en := i18n.NewPrinter(language.German), i18n.NewPrinter(language.Finnish), i18n.NewPrinter(i18n.English)
	for _, key := range []string{"refuse.session", "refuse.h.403", "refuse.notPDF", "refuse.rateLimit", "refuse.reasonMissing"} {
		if de.T(key) == en.T(key) || fi.T(key) == en.T(key) {
			t.Fatalf("%s is not translated: %q", key, de.T(key))
		}
	}
	e := setup(t, setupOpts{maxUpload: 1 << 20})
	j := e.newJob(t, workflow.NewJobParams{Locale: "de"})
	e.proofReady(t, j, e.upload(t, j), 1, nil)
	c := e.browser(t)
	token := csrfOf(t, e, c, j)

	post := func(path string, form url.Values, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url(j, path), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp := send(t, c, req)
		return resp.StatusCode, html.UnescapeString(bodyOf(resp))
	}
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		p          *i18n.Printer
	}{
		{"the form's hl", "/approve?hl=de", map[string]string{"Accept-Language": "fi"}, de},
		{"Accept-Language", "/approve", map[string]string{"Accept-Language": "fi-FI,fi;q=0.9"}, fi},
		{"nothing", "/approve", nil, en},
		{"an unknown hl", "/approve?hl=xx", nil, en},
	} {
		status, body := post(tc.path, url.Values{"csrf": {"wrong"}}, tc.hdr)
		lang := tc.p.Tag().String()
		if status != http.StatusForbidden || !strings.Contains(body, `<html lang="`+lang+`"`) ||
			!strings.Contains(body, tc.p.T("refuse.h.403")) || !strings.Contains(body, tc.p.T("refuse.session")) {
			t.Errorf("%s: %d, want a %s page saying %q\n%s", tc.name, status, lang, tc.p.T("refuse.session"), body)
		}
	}
	// The scripts ask for JSON and send the page's language.
	status, body := post("/approve", url.Values{"csrf": {"wrong"}}, map[string]string{"Accept": "application/json", "Accept-Language": "de"})
	var answer struct{ Error string }
	if json.Unmarshal([]byte(body), &answer); status != http.StatusForbidden || answer.Error != de.T("refuse.session") {
		t.Errorf("JSON refusal: %d %s, want %q", status, body, de.T("refuse.session"))
	}
	// A reason refused on a German job's page is said in German.
	status, body = post("/reject?hl=de", url.Values{"csrf": {token}, "reason": {"  "}}, map[string]string{"Accept-Language": "en"})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, de.T("refuse.reasonMissing")) {
		t.Errorf("reason refused: %d, want %q", status, de.T("refuse.reasonMissing"))
	}
	// tus: a file that is not a PDF, refused by tusd's hook with the words
	// in the language the script sent.
	waiting := e.newJob(t, workflow.NewJobParams{Locale: "de"})
	csrf := csrfOf(t, e, c, waiting)
	resp := tusRequest(t, c, "POST", e.url(waiting, "/tus/"), csrf, nil, map[string]string{
		"Upload-Length": "10", "Accept-Language": "fi",
		"Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("photo.jpg")),
	})
	if got := bodyOf(resp); resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(got, fi.T("refuse.notPDF")) {
		t.Errorf("tus refusal: %d %q, want %q", resp.StatusCode, got, fi.T("refuse.notPDF"))
	}
	// A plain upload over the limit: the size in the language's form.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "big.pdf")
	fw.Write(append([]byte("%PDF-1.7\n"), make([]byte, 2<<20)...))
	mw.Close()
	req, _ := http.NewRequest("POST", e.url(waiting, "/upload?hl=de&csrf="+url.QueryEscape(csrf)), &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp = send(t, c, req)
	want := de.T("refuse.tooLarge", "size", de.Bytes(1<<20))
	if got := html.UnescapeString(bodyOf(resp)); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(got, want) {
		t.Errorf("upload too large: %d, want %q\n%s", resp.StatusCode, want, got)
	}
}

// TestRefusalHeadings: every status a refusal answers has a heading in
// every language, so no refusal page has an empty or raw-key heading.
func TestRefusalHeadings(t *testing.T) {
	for _, status := range []int{400, 403, 404, 409, 413, 415, 422, 429, 503, 507} {
		for _, tag := range i18n.Supported() {
			key := "refuse.h." + strconv.Itoa(status)
			if h := i18n.NewPrinter(tag).T(key); h == "" || h == key {
				t.Errorf("%s: no heading for %d", tag, status)
			}
		}
	}
}
