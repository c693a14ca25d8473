package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
)

func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	body := `{"event_id":"evt_1","event_type":"uploaded","sequence":1}`
	now := time.Now()
	ts := webhook.FormatTimestamp(now)
	sig := webhook.Signature(secret, ts, []byte(body))
	old := webhook.FormatTimestamp(now.Add(-time.Hour))
	oldSig := webhook.Signature(secret, old, []byte(body))
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	respelled := now.UTC().Format("2006-01-02T15:04:05+00:00")
	pretty := "{\n  \"event_id\": \"evt_1\",\n  \"event_type\": \"uploaded\",\n  \"sequence\": 1\n}"
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string // in stdout for 0, stderr otherwise
	}{
		{"valid from stdin", []string{"--secret", secret, "--timestamp", ts, "--signature", sig}, body, 0, []string{"signature valid"}},
		{"valid from -", []string{"--secret", secret, "--timestamp", ts, "--signature", sig, "-"}, body, 0, []string{"signature valid"}},
		{"valid from a file", []string{"--secret", secret, "--timestamp", ts, "--signature", sig, file}, "", 0, []string{"signature valid"}},
		{"without sha256=", []string{"--secret", secret, "--timestamp", ts, "--signature", strings.TrimPrefix(sig, "sha256=")}, body, 0, []string{"signature valid", "without its sha256= prefix"}},
		{"during a rotation", []string{"--secret", secret, "--timestamp", ts, "--signature", webhook.Signature(webhook.NewSecret(), ts, []byte(body)) + "," + sig}, body, 0, []string{"signature valid"}},
		{"trailing newline", []string{"--secret", secret, "--timestamp", ts, "--signature", sig}, body + "\n", 1, []string{"no signature matches", "newline", "the signature matches"}},
		{"secret without whsec_", []string{"--secret", strings.TrimPrefix(secret, "whsec_"), "--timestamp", ts, "--signature", sig}, body, 1, []string{"whsec_ prefix"}},
		{"secret in quotes", []string{"--secret", `"` + secret + `"`, "--timestamp", ts, "--signature", sig}, body, 1, []string{"quotes"}},
		{"two mistakes at once", []string{"--secret", strings.TrimPrefix(secret, "whsec_"), "--timestamp", ts, "--signature", sig}, body + "\n", 1, []string{"whsec_ prefix", "newline"}},
		{"pretty-printed body", []string{"--secret", secret, "--timestamp", ts, "--signature", sig}, pretty, 1, []string{"re-formatted"}},
		{"CRLF line endings", []string{"--secret", secret, "--timestamp", ts, "--signature", webhook.Signature(secret, ts, []byte("{\n}"))}, "{\r\n}", 1, []string{"line endings"}},
		{"timestamp spelled differently", []string{"--secret", secret, "--timestamp", respelled, "--signature", sig}, body, 1, []string{"another spelling", ts}},
		{"unix timestamp", []string{"--secret", secret, "--timestamp", strconv.FormatInt(now.Unix(), 10), "--signature", sig}, body, 1, []string{"malformed X-Atomyx-Timestamp", "webhook-timestamp", "with --timestamp " + ts + " the signature matches"}},
		{"standard webhooks signature", []string{"--secret", secret, "--timestamp", ts, "--signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}, body, 1, []string{"webhook-signature header"}},
		{"malformed signature", []string{"--secret", secret, "--timestamp", ts, "--signature", "sha256=abc"}, body, 1, []string{"malformed X-Atomyx-Signature"}},
		{"too old", []string{"--secret", secret, "--timestamp", old, "--signature", oldSig}, body, 1, []string{"timestamp too old", "signature itself matches", "--tolerance 0"}},
		{"too old, age not checked", []string{"--tolerance", "0", "--secret", secret, "--timestamp", old, "--signature", oldSig}, body, 0, []string{"signature valid"}},
		{"within a longer tolerance", []string{"--tolerance", "2h", "--secret", secret, "--timestamp", old, "--signature", oldSig}, body, 0, []string{"signature valid"}},
		{"wrong secret", []string{"--secret", webhook.NewSecret(), "--timestamp", ts, "--signature", sig}, body, 1, []string{"none of the usual mistakes", "submit secret show", "expected header is sha256="}},
		{"missing flags", []string{"--secret", secret}, body, 2, []string{"missing --timestamp, --signature"}},
		{"two files", []string{"--secret", secret, "--timestamp", ts, "--signature", sig, file, file}, "", 2, []string{"at most one FILE"}},
		{"no such file", []string{"--secret", secret, "--timestamp", ts, "--signature", sig, file + ".missing"}, "", 2, []string{"read the body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runVerify(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			out := stderr.String()
			if tt.code == 0 {
				out = stdout.String()
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.code == 0 && !strings.HasPrefix(stdout.String(), "signature valid\n") {
				t.Errorf("stdout must start with \"signature valid\": %q", stdout.String())
			}
		})
	}
}
