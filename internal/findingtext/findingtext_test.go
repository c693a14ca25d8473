package findingtext

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"golang.org/x/text/language"
)

// cases are every variant of every code, with details as the pipeline
// builds them.
var cases = []struct {
	code string
	d    map[string]any
	// en is a part of the English message that shows the details were
	// read.
	en string
}{
	{FetchFailed, map[string]any{"reason": "invalid_url"}, "not a valid URL"},
	{FetchFailed, map[string]any{"reason": "address_not_allowed", "host": "10.0.0.1"}, "private or internal address"},
	{FetchFailed, map[string]any{"reason": "timeout", "host": "files.example"}, "from files.example took too long"},
	{FetchFailed, map[string]any{"reason": "host_not_found", "host": "nowhere.example"}, "does not exist"},
	{FetchFailed, map[string]any{"reason": "connection_refused", "host": "files.example"}, "refused the connection"},
	{FetchFailed, map[string]any{"reason": "unreachable", "host": "files.example"}, "could not be reached"},
	{FetchFailed, map[string]any{"reason": "interrupted", "host": "files.example"}, "from files.example broke off"},
	{FetchFailed, map[string]any{"httpStatus": 404, "host": "files.example"}, "files.example answered HTTP 404"},
	{FetchFailed, map[string]any{"httpStatus": 1404, "host": "files.example"}, "answered HTTP 1404"},
	{TooLarge, map[string]any{"limitBytes": int64(1 << 30), "sizeBytes": int64(2 << 30), "host": "files.example"}, "at files.example is larger than the 1 GiB limit"},
	{NotPDF, map[string]any{"contentType": "text/html", "host": "files.example"}, "at files.example does not give a PDF"},
	{EngineFailed, nil, "check stopped on it several times"},
	{ProofFailed, map[string]any{"fault": "file", "reason": "timeout"}, "takes too long to render"},
	{ProofFailed, map[string]any{"fault": "file", "reason": "unreadable"}, "cannot open it"},
	{ProofFailed, map[string]any{"fault": "file", "reason": "page"}, "fails on one of its pages"},
	{ProofServiceFailed, map[string]any{"fault": "submit", "attempts": 5, "cause": "renderer"}, "proof renderer failed (5 attempts)"},
	{ProofServiceFailed, map[string]any{"fault": "submit", "attempts": 1, "cause": "storage"}, "refused to save the proof (1 attempt)"},
}

// TestMessagesInEveryLanguage: every variant is written in every
// language with its details filled in, in words of its own (not the
// English, not a catalogue key), and the same after its details have
// been through JSON, as a stored finding's are.
func TestMessagesInEveryLanguage(t *testing.T) {
	en := i18n.NewPrinter(i18n.English)
	for _, tc := range cases {
		want := Message(en, tc.code, tc.d)
		if !strings.Contains(want, tc.en) {
			t.Errorf("%s %v: %q lacks %q", tc.code, tc.d, want, tc.en)
		}
		b, _ := json.Marshal(tc.d)
		var stored map[string]any
		json.Unmarshal(b, &stored)
		for _, tag := range i18n.Supported() {
			p := i18n.NewPrinter(tag)
			got := Message(p, tc.code, tc.d)
			if got == "" || strings.Contains(got, "{") || strings.HasPrefix(got, "job.") {
				t.Errorf("%s %s %v: %q", tag, tc.code, tc.d, got)
			}
			if tag != i18n.English && got == want {
				t.Errorf("%s %s %v: still English: %q", tag, tc.code, tc.d, got)
			}
			if host, _ := tc.d["host"].(string); host != "" && strings.Contains(want, host) && !strings.Contains(got, host) {
				t.Errorf("%s %s: %q lacks the host %s", tag, tc.code, got, host)
			}
			if again := Message(p, tc.code, stored); again != got {
				t.Errorf("%s %s: from stored details %q, as built %q", tag, tc.code, again, got)
			}
		}
	}
	if got := Message(en, "TRIM_SIZE_MISMATCH", nil); got != "" {
		t.Errorf("a preflight code: %q, want nothing", got)
	}
}

// TestLocalize: a job's findings in German: the pipeline's by Message,
// preflight's by preflight, others unchanged; English findings and the
// input slice are left alone.
func TestLocalize(t *testing.T) {
	raw := func(d map[string]any) json.RawMessage { b, _ := json.Marshal(d); return b }
	fs := []job.Finding{
		{Code: ProofServiceFailed, Severity: "error", Message: "English", Details: raw(map[string]any{"fault": "submit", "attempts": 5, "cause": "storage"})},
		{Code: "PAGE_COUNT_MISMATCH", Check: "page_count", Severity: "error", Message: "English", Details: raw(map[string]any{"measured": 1, "threshold": 2})},
		{Code: "SOMEONE_ELSES", Severity: "error", Message: "Kept"},
	}
	de := i18n.NewPrinter(language.German)
	got := Localize(fs, language.MustParse("de-AT"))
	if want := Message(de, ProofServiceFailed, map[string]any{"attempts": 5.0, "cause": "storage"}); got[0].Message != want {
		t.Errorf("pipeline finding: %q, want %q", got[0].Message, want)
	}
	if got[1].Message == "English" || got[1].Message == "" {
		t.Errorf("preflight finding not said in German: %q", got[1].Message)
	}
	if got[2].Message != "Kept" || fs[0].Message != "English" {
		t.Errorf("others changed: %q; input changed: %q", got[2].Message, fs[0].Message)
	}
	if en := Localize(fs, language.English); &en[0] != &fs[0] {
		t.Error("English findings were copied")
	}
}
