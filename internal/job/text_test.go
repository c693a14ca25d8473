package job

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		at   int // 0: accepted
		kind string
	}{
		{"TEST-ORDER-10001", 0, ""},
		{"Müller & Söhne — 10 €", 0, ""},
		{"עברית العربية", 0, ""}, // right-to-left scripts need no controls
		{"a\u200fb", 0, ""},      // a right-to-left mark only marks
		{"👩‍👩‍👧", 0, ""},         // zero-width joiners are not controls
		{"ab\x00", 3, "a control character"},
		{"\x1b[31m", 1, "a control character"},
		{"a\x7f", 2, "a control character"},
		{"a\u0080", 2, "a control character"},
		{"a\u009b", 2, "a control character"},
		{"a\nb", 2, "a line break"},
		{"a\r\nb", 2, "a line break"},
		{"a\u0085b", 2, "a line break"},
		{"a\u2028b", 2, "a line break"},
		{"a\u2029b", 2, "a line break"},
		{"a\tb", 2, "a tab"},
		{"INV-\u202e1001", 5, "a bidirectional control character"},
		{"\u202a", 1, "a bidirectional control character"},
		{"ü\u2066x\u2069", 2, "a bidirectional control character"},
		{"é\xffx", 2, ""},
		{"\xed\xa0\x80", 1, ""}, // a surrogate written as UTF-8 is not UTF-8
	}
	for _, tt := range tests {
		err := CheckLine(tt.s)
		if tt.at == 0 {
			if err != nil {
				t.Errorf("CheckLine(%q) = %v, want nil", tt.s, err)
			}
			continue
		}
		var te *TextError
		if !errors.As(err, &te) || !errors.Is(err, ErrText) || te.At != tt.at || te.Kind != tt.kind {
			t.Errorf("CheckLine(%q) = %#v, want character %d refused as %q", tt.s, err, tt.at, tt.kind)
		}
	}
}

func TestCleanLines(t *testing.T) {
	t.Parallel()
	got, err := CleanLines("  Page 2:\r\n\tthe phone\rnumber is wrong.\n  ")
	if err != nil || got != "Page 2:\n\tthe phone\nnumber is wrong." {
		t.Errorf("CleanLines = %q, %v", got, err)
	}
	for _, s := range []string{"a\x00b", "a\x1bb", "a\u2028b", "a\u202eb", "a\x7fb", "a\xc0b"} {
		if _, err := CleanLines(s); !errors.Is(err, ErrText) {
			t.Errorf("CleanLines(%q) = %v, want refused", s, err)
		}
	}
}

func TestTextErrorWords(t *testing.T) {
	t.Parallel()
	msg := CheckLine("ORDER\u202e1").Error()
	if !strings.Contains(msg, "U+202E") || !strings.Contains(msg, "character 6") || !strings.Contains(msg, "remove it") {
		t.Errorf("message %q must name the character, where it is and what to do", msg)
	}
	if msg := CheckLine("a\xff").Error(); !strings.Contains(msg, "UTF-8") {
		t.Errorf("message %q must say the text is not UTF-8", msg)
	}
}
