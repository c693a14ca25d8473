package job

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrText is wrapped by every refused free text, so that each surface (API,
// customer page, Manage) can tell it from other errors and show its words.
var ErrText = errors.New("text not accepted")

// TextError says which character of a text is refused and why. Its message
// reads as the end of a sentence about the field ("The reason …"), so the
// caller can prefix the field's name.
type TextError struct {
	At   int    // position of the character, counted in characters from 1
	Rune rune   // utf8.RuneError for a byte that is not UTF-8
	Kind string // "a line break", "a control character", …; "" for invalid UTF-8
}

func (e *TextError) Error() string {
	if e.Kind == "" {
		return fmt.Sprintf("contains a byte that is not UTF-8 at character %d: send the text encoded as UTF-8", e.At)
	}
	return fmt.Sprintf("contains %s (U+%04X) at character %d: remove it and send the text again", e.Kind, e.Rune, e.At)
}

// Unwrap makes errors.Is(err, ErrText) true.
func (e *TextError) Unwrap() error { return ErrText }

// ControlKind names the kind of a character that free text refuses, or
// returns "" for one it accepts. Refused are the C0 and C1 control
// characters and DEL, which PostgreSQL refuses (NUL) or which break pages,
// logs and the ERP's fields (CR, LF, ESC); the line and paragraph
// separators; and the bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which make text display in another order
// than it is stored ("Trojan Source"), so that an order reference could
// read as another one.
func ControlKind(r rune) string {
	switch {
	case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
		return "a line break"
	case r == '\t':
		return "a tab"
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return "a control character"
	case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return "a bidirectional control character"
	}
	return ""
}

// CheckLine checks one-line text: an order reference, a metadata value, a
// note, a name. Every character ControlKind names is refused, and so are
// bytes that are not UTF-8.
func CheckLine(s string) error {
	return check(s, false)
}

// CleanLines prepares multi-line text, such as a rejection reason typed in
// a text area: it trims the white space around it and turns every line
// break into LF (browsers send CR LF), then checks it as CheckLine does,
// except that LF and tab are accepted.
func CleanLines(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return s, check(s, true)
}

func check(s string, multiline bool) error {
	at := 0
	for i, r := range s {
		at++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return &TextError{At: at, Rune: r}
			}
		}
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if kind := ControlKind(r); kind != "" {
			return &TextError{At: at, Rune: r, Kind: kind}
		}
	}
	return nil
}
