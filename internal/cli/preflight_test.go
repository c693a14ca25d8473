package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// minimalPDF is a valid one-page PDF with a 3 mm bleed around an A6 trim
// and nothing on the page: it passes every check of the default profile.
func minimalPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 314.6 436.5] /TrimBox [8.5 8.5 306.1 428] /BleedBox [0 0 314.6 436.5] /Resources << >> /Contents 4 0 R >>",
		"<< /Length 0 >>\nstream\n\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		b.WriteString(strings.Join([]string{itoa(i + 1), " 0 obj\n", o, "\nendobj\n"}, ""))
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, off := range offsets {
		s := itoa(off)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPreflightCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pdf")
	notPDF := filepath.Join(dir, "note.pdf")
	if err := os.WriteFile(good, minimalPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notPDF, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pdf")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantLine int // JSON lines expected on stdout; -1 = not JSON
	}{
		{"one good file", []string{"--json", good}, 0, 1},
		{"good and not a pdf", []string{"--json", good, notPDF}, 2, 2},
		{"missing file still gets its line", []string{"--json", missing}, 2, 1},
		{"strict profile fails on missing output intent", []string{"--profile", "cmyk-strict", "--json", good}, 1, 1},
		{"summary without --json", []string{good}, 0, -1},
		{"unknown profile", []string{"--profile", "nope", good}, 2, 0},
		{"no files", []string{"--json"}, 2, 0},
		{"a report language we lack", []string{"--lang", "ja", "--json", good}, 2, 0},
		{"a report language we have", []string{"--lang", "de-AT", "--json", good}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runPreflight(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %s; stdout %s", code, tt.wantCode, stderr.String(), stdout.String())
			}
			if tt.wantLine < 0 {
				if !strings.Contains(stdout.String(), "passed") {
					t.Errorf("summary = %q, want a verdict", stdout.String())
				}
				return
			}
			lines := 0
			sc := bufio.NewScanner(&stdout)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				lines++
				var rep map[string]any
				if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
					t.Fatalf("line %d is not JSON: %v", lines, err)
				}
				for _, key := range []string{"file", "status", "pages", "errors", "inventory"} {
					if _, ok := rep[key]; !ok {
						t.Errorf("line %d lacks %q", lines, key)
					}
				}
			}
			if lines != tt.wantLine {
				t.Errorf("%d JSON lines, want %d", lines, tt.wantLine)
			}
		})
	}
}
