package pdfobj

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/atomyx/submit/internal/need"
)

// qpdfEncrypted encrypts a corpus file (with XMP metadata) with qpdf's
// arguments and applies edit to its Encrypt dictionary. qpdf writes that
// dictionary last, so an edit moves only the xref table, whose startxref
// is then corrected. It needs qpdf and the corpus (internal/need).
func qpdfEncrypted(t *testing.T, edit func(enc []byte) []byte, args ...string) []byte {
	t.Helper()
	qpdf := need.Tool(t, "qpdf")
	src := need.Corpus(t, "verapdf", "6.2.10", "6-2-10-t01-pass-a.pdf")
	out := filepath.Join(t.TempDir(), "out.pdf")
	cmd := append([]string{"--allow-weak-crypto", "--object-streams=disable", "--encrypt"}, args...)
	if b, err := exec.Command(qpdf, append(cmd, "--", src, out)...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/Encrypt (\d+) 0 R`).FindSubmatch(data)
	if m == nil {
		t.Fatal("qpdf wrote no /Encrypt")
	}
	start := bytes.LastIndex(data, append(append([]byte("\n"), m[1]...), " 0 obj"...)) + 1
	xref := bytes.LastIndex(data, []byte("\nxref\n")) + 1
	if start <= 0 || xref <= start {
		t.Fatal("the Encrypt dictionary is not the last object")
	}
	enc := edit(bytes.Clone(data[start:xref]))
	tail := data[xref:]
	sx := bytes.LastIndex(tail, []byte("startxref\n"))
	var b bytes.Buffer
	b.Write(data[:start])
	b.Write(enc)
	b.Write(tail[:sx])
	b.WriteString("startxref\n" + strconv.Itoa(start+len(enc)) + "\n%%EOF\n")
	return b.Bytes()
}

func unchanged(enc []byte) []byte { return enc }

// metadataOf opens data and decodes the catalog's /Metadata stream.
func metadataOf(t *testing.T, data []byte) []byte {
	t.Helper()
	d := open(t, data)
	root, err := d.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := d.DereferenceStreamDict(root["Metadata"])
	if err != nil || sd == nil {
		t.Fatalf("metadata stream: %v", err)
	}
	b, err := d.Decode(sd, 1<<20)
	if err != nil {
		t.Fatalf("decode the metadata: %v", err)
	}
	return b
}

// TestEncryptMetadataOnlyForCryptFilters: /EncryptMetadata false means
// something only with crypt filters (V 4 and 5); an RC4 file of V 2 that
// carries it still has its metadata encrypted, as qpdf reads it.
func TestEncryptMetadataOnlyForCryptFilters(t *testing.T) {
	t.Parallel()
	data := qpdfEncrypted(t, func(enc []byte) []byte {
		return bytes.Replace(enc, []byte("/Filter /Standard"), []byte("/Filter /Standard /EncryptMetadata false"), 1)
	}, "", "", "128", "--use-aes=n")
	if !bytes.Contains(data, []byte("/EncryptMetadata false")) || !bytes.Contains(data, []byte("/V 2")) {
		t.Fatal("the file is not the V 2 file with /EncryptMetadata false the test needs")
	}
	if got := metadataOf(t, data); !bytes.HasPrefix(got, []byte("<?xpacket")) {
		t.Errorf("metadata = %q, want the decrypted XMP", clip(got))
	}
	// With crypt filters the key holds: qpdf's cleartext metadata reads.
	clear := qpdfEncrypted(t, unchanged, "", "", "128", "--use-aes=y", "--cleartext-metadata")
	if got := metadataOf(t, clear); !bytes.HasPrefix(got, []byte("<?xpacket")) {
		t.Errorf("cleartext metadata = %q, want the XMP", clip(got))
	}
}

// TestMissingKeyLength: an RC4 file of R 3 without /Length is 40-bit by
// the spec, but writers that drop it use 128 bits; it opens instead of
// asking for a password it does not have.
func TestMissingKeyLength(t *testing.T) {
	t.Parallel()
	data := qpdfEncrypted(t, func(enc []byte) []byte {
		return bytes.Replace(enc, []byte("/Length 128"), []byte("/Wength 128"), 1)
	}, "", "", "128", "--use-aes=n")
	if !bytes.Contains(data, []byte("/Wength")) {
		t.Fatal("the /Length was not removed")
	}
	if got := metadataOf(t, data); !bytes.HasPrefix(got, []byte("<?xpacket")) {
		t.Errorf("metadata = %q, want the decrypted XMP", clip(got))
	}
	// qpdf's own example of it, from the shared corpus.
	corpus, err := os.ReadFile(need.Corpus(t, "qpdf", "bad-encryption-length.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), bytes.NewReader(corpus), int64(len(corpus)), Options{}); err != nil {
		t.Errorf("bad-encryption-length.pdf: %v", err)
	}
	// A file that does need a password still says so.
	locked := qpdfEncrypted(t, unchanged, "secret", "owner", "128", "--use-aes=n")
	if _, err := Open(context.Background(), bytes.NewReader(locked), int64(len(locked)), Options{}); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("a file with a user password: %v, want ErrWrongPassword", err)
	}
}

// TestAESOnlyIV: an AES string of 16 bytes is an IV with nothing after it,
// an empty string (qpdf reads "()"); it must not make its whole object,
// perhaps the catalog, unreadable.
func TestAESOnlyIV(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	for _, n := range []int{0, 16} {
		got, err := aesCBC(key, make([]byte, n))
		if err != nil || len(got) != 0 {
			t.Errorf("%d bytes: %q, %v; want empty", n, got, err)
		}
	}
	if _, err := aesCBC(key, make([]byte, 20)); err == nil {
		t.Error("20 bytes (an IV and part of a block) decrypted")
	}
}
