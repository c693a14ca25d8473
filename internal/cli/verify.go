package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
)

const verifyUsage = `Usage: submit verify --secret S --timestamp T --signature H [--tolerance 5m] [FILE|-]

Checks a callback received from Submit and says exactly why it does not
verify. FILE holds the raw request body (- or no FILE: standard input).

  --secret     the tenant's signing secret, whsec_… (submit secret show)
  --timestamp  the X-Atomyx-Timestamp header, e.g. 2026-05-11T10:23:45Z
  --signature  the X-Atomyx-Signature header, with or without sha256=
  --tolerance  how old (or how far ahead) the timestamp may be, as a
               receiver should check it (default 5m); 0 skips the check,
               for a callback captured earlier

Exit status: 0 valid, 1 not valid, 2 bad usage.
`

// runVerify implements `submit verify`. args excludes the word "verify".
func runVerify(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("submit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage) }
	secret := fs.String("secret", "", "")
	timestamp := fs.String("timestamp", "", "")
	signature := fs.String("signature", "", "")
	tolerance := fs.Duration("tolerance", webhook.DefaultTolerance, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"--secret", *secret}, {"--timestamp", *timestamp}, {"--signature", *signature}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	var problem string
	switch {
	case len(missing) > 0:
		problem = "missing " + strings.Join(missing, ", ") + ": copy them from the received request"
	case fs.NArg() > 1:
		problem = fmt.Sprintf("give at most one FILE (or - for standard input), not %d", fs.NArg())
	case *tolerance < 0:
		problem = "--tolerance must be 0 (no age check) or more"
	}
	if problem != "" {
		fmt.Fprintf(stderr, "submit verify: %s\n\n%s", problem, verifyUsage)
		return 2
	}
	body, err := readVerifyBody(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "submit verify: %v\n", err)
		return 2
	}
	in := verifyInput{secret: *secret, timestamp: *timestamp, signature: *signature, body: body, tolerance: *tolerance}
	return in.run(stdout, stderr)
}

func readVerifyBody(name string, stdin io.Reader) ([]byte, error) {
	if name == "" || name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read the body from standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read the body: %w", err)
	}
	return b, nil
}

// verifyInput is what the user gave.
type verifyInput struct {
	secret, timestamp, signature string
	body                         []byte
	tolerance                    time.Duration
}

// run verifies and explains; it returns the exit code.
func (in verifyInput) run(stdout, stderr io.Writer) int {
	sig, notes := normalizeSignature(in.signature)
	if sig == "" {
		fmt.Fprintf(stderr, "signature invalid: %s\n", strings.Join(notes, "\n"))
		return 1
	}
	v := webhook.Verifier{Secrets: []string{in.secret}, Tolerance: in.tolerance}
	if in.tolerance == 0 {
		v.Tolerance = -1 // --tolerance 0: no age check
	}
	err := v.Verify(sig, in.timestamp, in.body)
	if err == nil {
		fmt.Fprintln(stdout, "signature valid")
		for _, n := range notes {
			fmt.Fprintln(stdout, "note: "+n)
		}
		return 0
	}
	fmt.Fprintf(stderr, "signature invalid: %s\n", strings.TrimPrefix(err.Error(), "webhook: "))
	for _, n := range notes {
		fmt.Fprintln(stderr, "note: "+n)
	}
	for _, h := range in.hints(err, sig) {
		fmt.Fprintln(stderr, "hint: "+h)
	}
	return 1
}

var bareHex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// normalizeSignature accepts the header with or without sha256= and
// recognises the Standard Webhooks header given by mistake. It returns ""
// when there is nothing to check.
func normalizeSignature(s string) (string, []string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "v1,") || strings.HasPrefix(s, "v1a,") {
		return "", []string{"this is the webhook-signature header (Standard Webhooks, base64 over id.timestamp.body); --signature takes the X-Atomyx-Signature header, sha256=<hex>"}
	}
	var entries []string
	added := false
	for e := range strings.SplitSeq(s, ",") {
		e = strings.TrimSpace(e)
		if bareHex.MatchString(e) {
			e, added = "sha256="+e, true
		}
		entries = append(entries, e)
	}
	var notes []string
	if added {
		notes = append(notes, "read the signature without its sha256= prefix as sha256=<hex>; the header itself carries the prefix")
	}
	return strings.Join(entries, ","), notes
}

// hints explains a failure: for a mismatch it tries the usual mistakes, one
// by one and together, and names those that make the signature match.
func (in verifyInput) hints(err error, sig string) []string {
	switch {
	case errors.Is(err, webhook.ErrTooOld), errors.Is(err, webhook.ErrInFuture):
		return []string{"the signature itself matches: the secret and the body are right. A receiver must refuse it as a possible replay; to check a callback captured earlier, pass --tolerance 0"}
	case errors.Is(err, webhook.ErrMalformedTimestamp):
		return in.timestampHints(sig)
	case errors.Is(err, webhook.ErrMalformedSignature):
		return []string{"copy the X-Atomyx-Signature header's value whole: sha256= followed by 64 hex digits, several separated by commas during a secret rotation"}
	case !errors.Is(err, webhook.ErrNoMatch):
		return nil
	}
	if fixes := in.findFix(sig); fixes != nil {
		return append(fixes, "with that, the signature matches")
	}
	ts := in.timestamp
	return []string{
		"none of the usual mistakes explains it (secret without whsec_, a trailing newline, re-formatted JSON, changed line endings, a re-spelled timestamp)",
		"check that the secret is the tenant's current one (submit secret show --tenant NAME; after a rotation the old one keeps signing for 24 h, next to the new one)",
		"check that the body is the raw request body, byte for byte, and that signature, timestamp and body come from the same request",
		fmt.Sprintf("for this body (%d bytes, SHA-256 %s…) and timestamp, the expected header is %s", len(in.body), shortSum(in.body), webhook.Signature(in.secret, ts, in.body)),
	}
}

func shortSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}

// variant is one way of correcting an input, with what to tell the user.
type variant[T any] struct {
	value T
	fix   string // empty for the input as given
}

// findFix tries every combination of corrections and returns the fixes of
// the first that matches, nil when none does.
func (in verifyInput) findFix(sig string) []string {
	sigs, err := webhook.ParseSignatures(sig)
	if err != nil {
		return nil
	}
	for _, s := range in.secretVariants() {
		for _, ts := range in.timestampVariants() {
			for _, b := range in.bodyVariants() {
				if s.fix == "" && ts.fix == "" && b.fix == "" {
					continue
				}
				if matchesAny(sigs, webhook.Signature(s.value, ts.value, b.value)) {
					return nonEmpty(s.fix, ts.fix, b.fix)
				}
			}
		}
	}
	return nil
}

func matchesAny(sigs [][]byte, want string) bool {
	w, _ := hex.DecodeString(strings.TrimPrefix(want, webhook.SignaturePrefix))
	for _, s := range sigs {
		if bytes.Equal(s, w) {
			return true
		}
	}
	return false
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (in verifyInput) secretVariants() []variant[string] {
	out := []variant[string]{{value: in.secret}}
	trimmed := strings.Trim(strings.TrimSpace(in.secret), `"'`)
	if trimmed != in.secret {
		out = append(out, variant[string]{trimmed, "the secret has surrounding spaces or quotes; use the whsec_… string alone"})
	}
	if !strings.HasPrefix(trimmed, webhook.SecretPrefix) {
		out = append(out, variant[string]{webhook.SecretPrefix + trimmed, "the secret is missing its whsec_ prefix: the HMAC key is the whole secret as shown, prefix included"})
	}
	return out
}

func (in verifyInput) timestampVariants() []variant[string] {
	out := []variant[string]{{value: in.timestamp}}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(in.timestamp)); err == nil {
		if c := webhook.FormatTimestamp(t); c != in.timestamp {
			out = append(out, variant[string]{c, fmt.Sprintf("the timestamp must be the exact X-Atomyx-Timestamp string, %s; you passed another spelling of the same time", c)})
		}
	}
	return out
}

func (in verifyInput) bodyVariants() []variant[[]byte] {
	out := []variant[[]byte]{{value: in.body}}
	add := func(b []byte, fix string) {
		if !bytes.Equal(b, in.body) {
			out = append(out, variant[[]byte]{b, fix})
		}
	}
	add(bytes.TrimRight(in.body, "\r\n"), "the body ends with a newline that was not signed (echo, editors and some tools add one): use the raw bytes, e.g. printf '%s' or a file saved as received")
	add(bytes.ReplaceAll(in.body, []byte("\r\n"), []byte("\n")), "the body's line endings were changed to CRLF: use the raw bytes as received")
	var compact bytes.Buffer
	if json.Compact(&compact, in.body) == nil {
		add(compact.Bytes(), "the body was re-formatted (spaces or indentation changed): verify the raw request body, before any JSON parsing or pretty-printing")
	}
	return out
}

// timestampHints explains a timestamp that is not RFC 3339.
func (in verifyInput) timestampHints(sig string) []string {
	ts := strings.TrimSpace(in.timestamp)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return []string{"pass the X-Atomyx-Timestamp header exactly as received, such as 2026-05-11T10:23:45Z"}
	}
	hints := []string{"this looks like the webhook-timestamp header (Unix seconds); --timestamp takes the X-Atomyx-Timestamp header, an RFC 3339 time such as 2026-05-11T10:23:45Z"}
	c := webhook.FormatTimestamp(time.Unix(unix, 0))
	if sigs, err := webhook.ParseSignatures(sig); err == nil && matchesAny(sigs, webhook.Signature(in.secret, c, in.body)) {
		hints = append(hints, fmt.Sprintf("with --timestamp %s the signature matches", c))
	}
	return hints
}
