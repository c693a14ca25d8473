package i18n

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// TestCatalogueComplete fails when a language misses a key English has,
// has one English lacks, or a text whose placeholders differ from
// English's: a translation that drops {ppi} would print without it.
func TestCatalogueComplete(t *testing.T) {
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.entries[English]
	if len(en) == 0 {
		t.Fatal("the English catalogue is empty")
	}
	for _, tag := range supported {
		es := c.entries[tag]
		for k, want := range en {
			e, ok := es[k]
			if !ok {
				t.Errorf("%s: missing key %q", tag, k)
				continue
			}
			if e.Plural != want.Plural {
				t.Errorf("%s, %s: plural selector %q, English has %q", tag, k, e.Plural, want.Plural)
			}
			names := c.args[k]
			for _, text := range e.texts() {
				if got := textPlaceholders(text, e.Plural); !slices.Equal(got, names) {
					t.Errorf("%s, %s: placeholders %v in %q, want %v", tag, k, got, text, names)
				}
			}
		}
		for k := range es {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: key %q is not in English", tag, k)
			}
		}
	}
}

// textPlaceholders is the sorted placeholders of one text, the plural
// selector counted even when a form does not print it ("one" often
// says "a page", not "1 page").
func textPlaceholders(text, sel string) []string {
	e := entry{Text: text, Plural: sel}
	return e.placeholders()
}

func TestPrinterFormatsNumbersForTheLanguage(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want string
	}{
		{"en", "1,234.5 KB"}, {"de", "1.234,5 KB"}, {"fr", "1 234,5 Ko"}, {"fi", "1 234,5 kt"},
		{"pl", "1 234,5 KB"}, {"nb", "1 234,5 kB"}, {"sv", "1 234,5 kB"},
	} {
		got := NewPrinter(language.MustParse(tc.tag)).T("size.kb", "n", Num(1234.5, 1))
		if normalSpaces(got) != tc.want {
			t.Errorf("%s: %q, want %q", tc.tag, got, tc.want)
		}
	}
}

// normalSpaces replaces the no-break and narrow no-break spaces CLDR uses
// for grouping with plain spaces, so the table above stays readable.
func normalSpaces(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

func TestPluralFormsFollowTheLanguage(t *testing.T) {
	pl := NewPrinter(language.Polish)
	for n, want := range map[int]string{1: "1 strona", 3: "3 strony", 5: "5 stron", 22: "22 strony", 25: "25 stron"} {
		if got := pl.T("pages.count", "n", n); got != want {
			t.Errorf("pl %d pages: %q, want %q", n, got, want)
		}
	}
	if got := NewPrinter(English).T("pages.count", "n", 1); got != "1 page" {
		t.Errorf("en 1 page: %q", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"de": "de", "de-AT": "de-AT", "FR-ca": "fr-CA", "nb": "nb", "no": "no", "pl-PL": "pl-PL", "en": "en", "de_DE": "de-DE"} {
		got, err := Parse(in)
		if err != nil || got.String() != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xx-!!", "ja", "zh-Hans", "english"} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), "de, fr") {
			t.Errorf("Parse(%q) = %v; want an error that lists the languages", in, err)
		}
	}
}

func TestPreferenceOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Preference
		want string
	}{
		{"nothing is English", Preference{}, "en"},
		{"the tenant's default", Preference{Tenant: "sv"}, "sv"},
		{"the browser before the tenant", Preference{AcceptLanguage: "fi-FI,fi;q=0.9,en;q=0.5", Tenant: "sv"}, "fi"},
		{"q-values decide", Preference{AcceptLanguage: "ja, da;q=0.8, de;q=0.9"}, "de"},
		{"a browser with no language of ours", Preference{AcceptLanguage: "ja, zh;q=0.8", Tenant: "it"}, "it"},
		{"Norwegian is Bokmål", Preference{AcceptLanguage: "no"}, "nb"},
		{"Nynorsk reads Bokmål", Preference{AcceptLanguage: "nn-NO"}, "nb"},
		{"the job before the browser", Preference{Job: "de-AT", AcceptLanguage: "fr"}, "de"},
		{"the customer's choice before all", Preference{Chosen: "pl", Job: "de", AcceptLanguage: "fr", Tenant: "sv"}, "pl"},
		{"a stale cookie is passed over", Preference{Chosen: "ja", Job: "es"}, "es"},
		{"a malformed header is passed over", Preference{AcceptLanguage: ";;;q=x", Tenant: "nl"}, "nl"},
	} {
		if got := tc.p.Tag().String(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestMemo checks that remembered texts are the texts x/text renders: the
// same key with other values, or a number with other digits, is rendered
// anew, and a full memo starts again without losing a text.
func TestMemo(t *testing.T) {
	p := NewPrinter(language.German)
	fresh := func(key string, args ...any) string {
		for i := range args {
			args[i] = formatter(args[i])
		}
		return p.p.Sprintf(key, args...)
	}
	for range 2 { // the second round reads the memo
		if got, want := p.T("size.kb", "n", Num(1234.5, 1)), fresh("size.kb", Num(1234.5, 1)); got != want || got == "" {
			t.Errorf("T(size.kb, 1234.5 to 1 digit) = %q, want %q", got, want)
		}
		if got, want := p.T("size.kb", "n", Num(1234.5, 0)), fresh("size.kb", Num(1234.5, 0)); got != want {
			t.Errorf("T(size.kb, 1234.5 to 0 digits) = %q, want %q", got, want)
		}
	}
	if p.T("size.kb", "n", Num(1234.5, 1)) == p.T("size.kb", "n", Num(1234.5, 0)) {
		t.Error("a number with other digits was given the remembered text")
	}
	for i := range memoLimit + 10 {
		if got, want := p.T("size.bytes", "n", i), fresh("size.bytes", i); got != want {
			t.Fatalf("T(size.bytes, %d) = %q, want %q", i, got, want)
		}
	}
	// Keys of different values never meet: a string holding the separator
	// is length-prefixed.
	a, _ := memoKey("k", []any{"a\x00i5"})
	b, _ := memoKey("k", []any{"a", 5})
	c, _ := memoKey("k", []any{5})
	d, _ := memoKey("k", []any{int64(5)})
	if a == b || c != d {
		t.Errorf("memo keys: %q %q %q %q", a, b, c, d)
	}
	if _, ok := memoKey("k", []any{struct{}{}}); ok {
		t.Error("a value of an unknown type was given a memo key")
	}
}
