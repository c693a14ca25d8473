package preflight

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/proctest"
)

// hostileCase is a hostile file, the finding preflight must give for it,
// and how much the process's resident memory may grow while it is checked.
type hostileCase struct {
	name string
	pdf  func() []byte
	opts Options // zero: the defaults, as the server runs
	want string  // a finding code; "" = a report without an unusable finding
	// together is how many copies are checked at once by one engine, as
	// the server checks uploads; 0 is 1.
	together int
	// maxGrowth bounds the growth of peak resident memory (VmHWM) over
	// the resident memory before the check, in MiB.
	maxGrowth int64
	// maxAllocated, when set, bounds the bytes allocated during the
	// check, in MiB: an allocation never touched does not show in the
	// resident memory, but a server without overcommit fails on it.
	maxAllocated int64
	// handBack asks that resident memory be back within hostileMiB/2 of
	// where it was once the check has ended: the file is large, not
	// hostile, and the garbage of its decoding is handed back.
	handBack bool
}

// hostileMiB is the bound for files that need nothing decoded into memory:
// every stream is read as a stream, a few buffers at a time.
const hostileMiB = 64

func hostileCases() []hostileCase {
	cases := []hostileCase{
		{name: "content bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ContentBomb(4 * hostilepdf.GiB) }, want: CodeTooComplex},
		{name: "five content bombs of 4 GiB at once", pdf: func() []byte { return hostilepdf.ContentBomb(4 * hostilepdf.GiB) }, together: 5, want: CodeTooComplex},
		{name: "form bomb of 4 GiB drawn 3 times", pdf: func() []byte { return hostilepdf.FormBomb(4*hostilepdf.GiB, 3) }, want: CodeTooComplex},
		// 4800 × 4800 CMYK is 88 MiB of samples, under the ink check's
		// 96 MiB: the ink check reads them, and no more.
		{name: "image bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ImageBomb(4800, 4800, 4*hostilepdf.GiB) }, want: CodeInkNotMeasured},
		{name: "object stream bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ObjectStreamBomb(4 * hostilepdf.GiB) }, want: CodeFileDamaged},
		// Just under the 64 MiB limit of object streams: it is held, once,
		// in a buffer of its size.
		{name: "object stream of 60 MiB", pdf: func() []byte { return hostilepdf.ObjectStreamBomb(60 << 20) }, want: "", maxGrowth: 96},
		{name: "cross-reference stream bomb of 4 GiB", pdf: func() []byte { return hostilepdf.XRefStreamBomb(4 * hostilepdf.GiB) }, want: CodeFileRepaired},
		{name: "cross-reference stream of 4 million free entries", pdf: func() []byte { return hostilepdf.XRefStreamBomb(28_000_000) }, want: CodeFileRepaired},
		// Just under pdfobj's 4 million objects: 16 bytes an entry.
		{name: "cross-reference stream of 3.9 million free entries", pdf: func() []byte { return hostilepdf.XRefStreamBomb(27_300_000) }, want: "", maxGrowth: 96},
		// 8^12 form draws: the operator limit stops them, here lowered so
		// that the test takes seconds, not the minute 50 million take.
		{name: "forms nested 12 deep, each drawing the next 8 times", pdf: func() []byte { return hostilepdf.NestedForms(12, 8) },
			opts: Options{MaxOperators: 5_000_000}, want: CodeTooComplex},
		{name: "forms nested 40 deep", pdf: func() []byte { return hostilepdf.NestedForms(40, 1) }, want: CodeTooComplex},
		{name: "form that draws itself", pdf: func() []byte { return hostilepdf.RecursiveForms(1) }, want: CodeTooComplex},
		{name: "cycle of three forms", pdf: func() []byte { return hostilepdf.RecursiveForms(3) }, want: CodeTooComplex},
		// 55 million path operators are 257 MB, under the 256 MiB stream
		// limit: the operator limit (50 million) stops them.
		{name: "55 million operators", pdf: func() []byte { return hostilepdf.MillionOperators(55_000_000) }, want: CodeTooComplex},
		// One operand: the lexer's budget is the operand's, not each array's.
		{name: "1000 arrays of 65 000 numbers in one array", pdf: func() []byte { return hostilepdf.NestedArrays(1000, 65_000) }, want: CodeContentDamaged},
	}
	// Small files that lie: believing them costs memory never touched,
	// so what the check allocates is bounded too.
	cases = append(cases, hostileCase{name: "sixteen JPEGs of 16 megapixels", pdf: func() []byte { return bigJPEGs(16, 4000) },
		want: CodeInkNotMeasured, maxGrowth: 192, handBack: true})
	for _, c := range append(hostilepdf.HugeClaimedSizes(), hostilepdf.BrokenEncryption()...) {
		want, ok := smallHostileWant[c.Name]
		if !ok {
			want = "(an expectation in smallHostileWant)"
		}
		cases = append(cases, hostileCase{name: c.Name, pdf: func() []byte { return c.PDF }, want: want, maxAllocated: hostileMiB})
	}
	for i := range cases {
		if cases[i].maxGrowth == 0 {
			cases[i].maxGrowth = hostileMiB
		}
	}
	return cases
}

// smallHostileWant is the finding for each of hostilepdf.HugeClaimedSizes
// and hostilepdf.BrokenEncryption.
var smallHostileWant = map[string]string{
	"content /Length beyond the file":                                       "", // the stream ends at endstream
	"content /Length an indirect huge number":                               "",
	"trailer /Size 2147483647":                                              "",
	"xref subsection of 2147483647 entries":                                 CodeFileRepaired,
	"page tree /Count 2147483647":                                           CodeTooManyPages,
	"cross-reference stream /Size 2147483647":                               CodeFileRepaired,
	"object stream /N and /First 2147483647":                                CodeFileDamaged, // the page tree is in it
	"image of 2147483647 × 2147483647 pixels":                               CodeInkNotMeasured,
	"image whose predictor rows are 2147483647 columns":                     CodeInkNotMeasured,
	"image of 2147483647 bits per component":                                CodeInkNotMeasured,
	"ICC colour space of 2147483647 components":                             "",
	"inline image of 2147483647 × 2147483647 pixels":                        "",
	"10 000 spot colorants":                                                 CodeSpotColors,
	"q nested a million deep":                                               "",
	"content predictor /Predictor 12 /Columns 1152921504606846976":          CodeTooComplex,
	"content predictor /Predictor 2 /Colors 32 /Columns 72057594037927936":  CodeTooComplex,
	"content predictor /Predictor 12 /Colors 32 /Columns 72057594037927936": CodeTooComplex,
	"inline image of 31278921701923780 bits per component":                  "",

	"/Encrypt refers to a missing object": CodeFileDamaged,
	"unknown security handler":            CodePasswordProtected,
	"/O and /U too short":                 CodePasswordProtected,
	"revision 6 with garbage /U and /UE":  CodePasswordProtected,
	"/Encrypt nested 100 000 deep":        CodeFileRepaired, // the trailer cannot be parsed
	"/Encrypt is a stream":                CodeFileDamaged,
	"key /Length 2147483647 bits":         CodePasswordProtected,
	"no /ID":                              CodePasswordProtected, // the key cannot be made without it
	"unknown crypt filter method":         "",                    // read as not encrypted: garbage, painting nothing
	"AES stream cut inside a block":       CodeContentDamaged,
	"AES stream of the IV alone":          "", // empty
	"AES stream with padding of 200":      "", // the padding is left in, as qpdf does
	"RC4 decompression bomb of 4 GiB":     CodeTooComplex,
	"AES decompression bomb of 4 GiB":     CodeTooComplex,
}

// hostileResult is what the child process reports.
type hostileResult struct {
	Codes      []string // every finding's code
	Seconds    float64
	RSSBefore  int64 // VmRSS before the check, bytes
	Peak       int64 // VmHWM after the check, bytes
	RSSAfter   int64 // VmRSS after the check, bytes
	Allocated  int64 // bytes allocated on the heap during the check
	HWMResetOK bool
}

// TestHostileFiles checks each hostile file in a process of its own, run
// as the server runs (GOGC=400, no memory limit), so that the peak
// resident memory measured is that file's alone: the check must end with
// the expected finding, within its time limit, and grow the process by
// less than the case's bound.
func TestHostileFiles(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		need.Missing(t, "TestHostileFiles reads peak memory from /proc/self/status, which only Linux has")
	}
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := runHostileChild(t, c.name)
			growth := (res.Peak - res.RSSBefore) >> 20
			t.Logf("%s: findings %v in %.1f s; resident %d MiB before, peak %d MiB (+%d MiB, bound %d), %d MiB after; %d MiB allocated",
				c.name, res.Codes, res.Seconds, res.RSSBefore>>20, res.Peak>>20, growth, c.maxGrowth, res.RSSAfter>>20, res.Allocated>>20)
			unusable := false
			for _, code := range res.Codes {
				unusable = unusable || unusableCodes[code]
			}
			switch {
			case c.want == "" && unusable:
				t.Errorf("findings %v, want a usable report", res.Codes)
			case c.want != "" && !contains(res.Codes, c.want):
				t.Errorf("findings %v, want %s", res.Codes, c.want)
			}
			if growth > c.maxGrowth {
				t.Errorf("resident memory grew by %d MiB while checking, over the bound of %d MiB", growth, c.maxGrowth)
			}
			if back := (res.RSSAfter - res.RSSBefore) >> 20; c.handBack && back > hostileMiB/2 {
				t.Errorf("resident memory is %d MiB above where it was once the check has ended", back)
			}
			if c.maxAllocated > 0 && res.Allocated>>20 > c.maxAllocated {
				t.Errorf("allocated %d MiB while checking, over the bound of %d MiB", res.Allocated>>20, c.maxAllocated)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// runHostileChild runs TestHostileChild for one case in a new process.
func runHostileChild(t *testing.T, name string) hostileResult {
	t.Helper()
	var res hostileResult
	// Generous: only a hang should reach it; the engine's own limit is
	// the preflight timeout.
	proctest.Run(t, "TestHostileChild", 5*time.Minute, []string{"SUBMIT_HOSTILE_CASE=" + name, "GOGC=400", "GOMEMLIMIT=off"}, &res)
	return res
}

// TestHostileChild is the child process of TestHostileFiles: it checks
// the case named by SUBMIT_HOSTILE_CASE and prints what it measured.
func TestHostileChild(t *testing.T) {
	name := os.Getenv("SUBMIT_HOSTILE_CASE")
	if name == "" {
		t.Skip("run by TestHostileFiles in a process of its own")
	}
	var c *hostileCase
	for _, hc := range hostileCases() {
		if hc.name == name {
			c = &hc
		}
	}
	if c == nil {
		t.Fatalf("no hostile case %q", name)
	}
	pdf := c.pdf()
	e, err := New(c.opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := LoadProfile("default")
	runtime.GC()
	debug.FreeOSMemory()
	var res hostileResult
	res.RSSBefore = proctest.Status(t, "VmRSS")
	res.HWMResetOK = proctest.ResetPeak() // the peak measured is the check's
	allocs := int64(heapAllocated())
	start := time.Now()
	reps := make([]*Report, max(1, c.together))
	errs := make(chan error, len(reps))
	for i := range reps {
		go func() {
			var err error
			reps[i], err = e.Check(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), p, Expectations{})
			errs <- err
		}()
	}
	for range reps {
		if err := <-errs; err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	res.Peak = proctest.Status(t, "VmHWM")
	res.RSSAfter = proctest.Status(t, "VmRSS")
	res.Allocated = int64(heapAllocated()) - allocs
	for _, f := range reps[0].Errors { // every finding, whatever its severity
		res.Codes = append(res.Codes, f.Code)
	}
	for _, rep := range reps[1:] {
		if got, want := fmt.Sprint(findingCodes(rep)), fmt.Sprint(findingCodes(reps[0])); got != want {
			t.Fatalf("copies checked at once got different findings: %s and %s", got, want)
		}
	}
	proctest.Report(t, res)
}

// bigJPEGs is a page of n distinct JPEG images of size × size pixels that
// claim to be CMYK, so that the ink check decodes each (and then finds
// three components, and says it could not measure them): a large file,
// whose decoding makes hundreds of megabytes of garbage.
func bigJPEGs(n, size int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, size, size), image.YCbCrSubsampleRatio420)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 50}); err != nil {
		panic(err)
	}
	w := &pdfWriter{}
	var res, content strings.Builder
	for i := range n {
		im := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /DCTDecode", size, size), jpg.Bytes())
		fmt.Fprintf(&res, "/Im%d %d 0 R ", i, im)
		fmt.Fprintf(&content, "q 50 0 0 50 %d 10 cm /Im%d Do Q ", 10+i, i)
	}
	w.page(pageSpec{media: "[0 0 100 100]", resources: "<< /XObject << " + res.String() + ">> >>", content: content.String()})
	return w.bytes("")
}
