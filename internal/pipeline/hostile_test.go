package pipeline

import (
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/proctest"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// unreadableBlobs counts the opens of each file and fails every read of
// the file under the broken key: a disk or network error, not the file's
// fault.
type unreadableBlobs struct {
	countingBlobs
	broken atomic.Pointer[string]
}

func (b *unreadableBlobs) Open(ctx context.Context, key string) (blob.File, error) {
	f, err := b.countingBlobs.Open(ctx, key)
	if k := b.broken.Load(); err != nil || k == nil || *k != key {
		return f, err
	}
	return unreadableFile{f}, nil
}

type unreadableFile struct{ blob.File }

func (unreadableFile) Read([]byte) (int, error)          { return 0, errors.New("read error") }
func (unreadableFile) ReadAt([]byte, int64) (int, error) { return 0, errors.New("read error") }

// TestHostileProofGivenUpAtOnce: a file whose page keeps the renderer past
// its time fails on its own content, so the proof is given up after one
// attempt, not MaxAttempts, with PROOF_RENDER_FAILED on the version. The
// same file failing because it cannot be read is retried as before.
func TestHostileProofGivenUpAtOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		blobs := &unreadableBlobs{countingBlobs: countingBlobs{Store: e.flow.Blobs, opens: map[string]int{}}}
		e.flow.Blobs = blobs
		claims := &claimWatch{Store: st, gaveUp: map[string]bool{}}
		flow := *e.flow
		flow.Store = claims
		sharedEngines(t)
		quick := proof.New(pool, proof.Options{Timeout: 50 * time.Millisecond})
		e.pipeline(t, quickRetries, func(c *Config) {
			// A lease far longer than the run, so that a slow renewal on a
			// busy machine cannot start a second run.
			c.Flow, c.Renderer, c.Lease = &flow, quick, time.Minute
		})
		j := e.newJob(t, "")
		v := e.upload(t, j, "forms.pdf", hostilepdf.NestedForms(5, 10))

		if got := e.proofFailed(t, j, v, CodeProofFailed); !strings.Contains(got.Message, "takes too long to render") ||
			fault(got) != "file" {
			t.Errorf("finding = %+v, want one saying the file takes too long", got)
		}
		// Given up: no claim takes the job again, up to one that started
		// after the test saw it given up.
		if n := claims.settled(t); n != 0 {
			t.Errorf("the job was claimed %d times after the pipeline gave up on it", n)
		}
		cur, err := st.Job(t.Context(), j.TenantID, j.ID)
		if err != nil || cur.Status != job.PreflightPassed || cur.WorkGaveUpAt.IsZero() {
			t.Fatalf("the job is %s, given up at %v (%v); want preflight_passed, given up", cur.Status, cur.WorkGaveUpAt, err)
		}
		// Each attempt opens the file anew; preflight and the proof of the
		// first share one.
		if n := blobs.count(v.BlobKey); n != 1 {
			t.Errorf("the file was opened %d times, want once: one attempt", n)
		}

		// Made again by an operator while the file cannot be read: not the
		// file's fault, so tried MaxAttempts times, and reported as
		// Submit's.
		blobs.broken.Store(&v.BlobKey)
		opens := blobs.count(v.BlobKey)
		if _, err := e.flow.RetryProof(t.Context(), j.TenantID, j.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.proofFailed(t, j, v, CodeProofServiceFailed); !strings.Contains(got.Message, "(3 attempts)") ||
			!strings.Contains(got.Message, "not a problem with the file") {
			t.Errorf("finding = %+v, want Submit's failure after 3 attempts", got)
		}
		if n := blobs.count(v.BlobKey) - opens; n != 3 {
			t.Errorf("an unreadable file was tried %d times, want 3", n)
		}
	})
}

// proofFailed waits until the job's pipeline work has ended and returns
// the version's finding of code, which it must have.
func (e *env) proofFailed(t *testing.T, j job.Job, v store.ArtworkVersion, code string) job.Finding {
	t.Helper()
	cur := e.ended(t, j, 60*time.Second)
	got, err := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.Errors {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("job %s ended %s (given up: %v) and version %s has no %s: %+v",
		j.ID, cur.Status, !cur.WorkGaveUpAt.IsZero(), v.ID, code, got.Errors)
	return job.Finding{}
}

// The hostile-file suite: every file of internal/hostilepdf goes through
// the pipeline, from upload to where its job ends, in a process of its
// own run as the server runs. Each must end clearly (preflight failed with
// its finding, the proof made, or the proof given up), after one attempt,
// within the pipeline's limits, and grow the process's peak resident
// memory by less than a bound.

// hostileEnd is where a hostile file's job ends.
type hostileEnd struct {
	// status is preflight_failed, proof_generated, or preflight_passed
	// with the proof given up.
	status job.Status
	code   string // a finding the version has then; "" when none is asked
}

func preflightFailed(code string) hostileEnd {
	return hostileEnd{status: job.PreflightFailed, code: code}
}

// proofMade: the file is odd but harmless, passes preflight (with the
// finding code, when not "") and gets its proof.
func proofMade(code string) hostileEnd { return hostileEnd{status: job.ProofGenerated, code: code} }

// proofGivenUp: the file passes preflight, PDFium fails on it, and the
// proof is given up after that one attempt.
var proofGivenUp = hostileEnd{status: job.PreflightPassed, code: CodeProofFailed}

// events are the job's events on its way to end.
func (h hostileEnd) events() []job.Status {
	switch h.status {
	case job.PreflightFailed:
		return []job.Status{job.Uploaded, job.Preflighting, job.PreflightFailed}
	case job.ProofGenerated:
		return []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated}
	}
	// The proof given up: a proof_failed event, which keeps the status.
	return []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.PreflightPassed}
}

// pipelineHostileMiB bounds the growth of the process's peak resident
// memory while a hostile file goes through the pipeline: PDFium's memory
// is counted, as the server's is. The most measured is 132 MiB (PDFium on
// a million nested q), the rest under 70.
const pipelineHostileMiB = 256

// pipelineHostileCase is a hostile file and where its job must end.
type pipelineHostileCase struct {
	name string
	pdf  func() []byte
	want hostileEnd
	// maxGrowth bounds the growth of peak resident memory, in MiB; 0 is
	// pipelineHostileMiB.
	maxGrowth int64
}

func pipelineHostileCases() []pipelineHostileCase {
	gib := int64(hostilepdf.GiB)
	cases := []pipelineHostileCase{
		{name: "content bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ContentBomb(4 * gib) },
			want: preflightFailed(preflight.CodeTooComplex)},
		{name: "form bomb of 4 GiB drawn 3 times", pdf: func() []byte { return hostilepdf.FormBomb(4*gib, 3) },
			want: preflightFailed(preflight.CodeTooComplex)},
		// PDFium decodes what the image needs (88 MiB), not the 4 GiB.
		{name: "image bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ImageBomb(4800, 4800, 4*gib) },
			want: proofMade(preflight.CodeInkNotMeasured)},
		{name: "object stream bomb of 4 GiB", pdf: func() []byte { return hostilepdf.ObjectStreamBomb(4 * gib) },
			want: preflightFailed(preflight.CodeFileDamaged)},
		{name: "cross-reference stream bomb of 4 GiB", pdf: func() []byte { return hostilepdf.XRefStreamBomb(4 * gib) },
			want: proofMade(preflight.CodeFileRepaired)},
		{name: "forms nested 6 deep, each drawing the next 10 times", pdf: func() []byte { return hostilepdf.NestedForms(6, 10) },
			want: preflightFailed(preflight.CodeTooComplex)},
		// PDFium would draw forms that draw each other until its memory
		// runs out; preflight refuses them first.
		{name: "form that draws itself", pdf: func() []byte { return hostilepdf.RecursiveForms(1) },
			want: preflightFailed(preflight.CodeTooComplex)},
		{name: "cycle of three forms", pdf: func() []byte { return hostilepdf.RecursiveForms(3) },
			want: preflightFailed(preflight.CodeTooComplex)},
		{name: "a million operators", pdf: func() []byte { return hostilepdf.MillionOperators(1_000_000) },
			want: proofMade("")},
	}
	for _, c := range append(hostilepdf.HugeClaimedSizes(), hostilepdf.BrokenEncryption()...) {
		want, ok := smallPipelineWant[c.Name]
		if !ok {
			want = hostileEnd{status: "(an expectation in smallPipelineWant)"}
		}
		cases = append(cases, pipelineHostileCase{name: c.Name, pdf: func() []byte { return c.PDF }, want: want})
	}
	for i := range cases {
		if cases[i].maxGrowth == 0 {
			cases[i].maxGrowth = pipelineHostileMiB
		}
	}
	return cases
}

// smallPipelineWant is where the job of each of
// hostilepdf.HugeClaimedSizes and hostilepdf.BrokenEncryption ends.
var smallPipelineWant = map[string]hostileEnd{
	// Predictor rows that overflowed into a panic or a spin are refused.
	"content predictor /Predictor 12 /Columns 1152921504606846976":          preflightFailed(preflight.CodeTooComplex),
	"content predictor /Predictor 2 /Colors 32 /Columns 72057594037927936":  preflightFailed(preflight.CodeTooComplex),
	"content predictor /Predictor 12 /Colors 32 /Columns 72057594037927936": preflightFailed(preflight.CodeTooComplex),
	"inline image of 31278921701923780 bits per component":                  proofMade(""),
	"content /Length beyond the file":                                       proofMade(""),
	"content /Length an indirect huge number":                               proofMade(""),
	"trailer /Size 2147483647":                                              proofMade(""),
	"xref subsection of 2147483647 entries":                                 proofMade(preflight.CodeFileRepaired),
	"page tree /Count 2147483647":                                           preflightFailed(preflight.CodeTooManyPages),
	"cross-reference stream /Size 2147483647":                               proofMade(preflight.CodeFileRepaired),
	"object stream /N and /First 2147483647":                                preflightFailed(preflight.CodeFileDamaged),
	"image of 2147483647 × 2147483647 pixels":                               proofMade(preflight.CodeInkNotMeasured),
	"image whose predictor rows are 2147483647 columns":                     proofMade(preflight.CodeInkNotMeasured),
	"image of 2147483647 bits per component":                                proofMade(preflight.CodeInkNotMeasured),
	"ICC colour space of 2147483647 components":                             proofMade(""),
	"inline image of 2147483647 × 2147483647 pixels":                        proofMade(""),
	"10 000 spot colorants":                                                 proofMade(preflight.CodeSpotColors),
	"q nested a million deep":                                               proofMade(""), // PDFium's largest: 132 MiB

	"/Encrypt refers to a missing object": preflightFailed(preflight.CodeFileDamaged),
	"unknown security handler":            preflightFailed(preflight.CodePasswordProtected),
	"/O and /U too short":                 preflightFailed(preflight.CodePasswordProtected),
	"revision 6 with garbage /U and /UE":  preflightFailed(preflight.CodePasswordProtected),
	// Preflight repairs the trailer, which PDFium cannot parse: it cannot
	// open the file.
	"/Encrypt nested 100 000 deep":    proofGivenUp,
	"/Encrypt is a stream":            preflightFailed(preflight.CodeFileDamaged),
	"key /Length 2147483647 bits":     preflightFailed(preflight.CodePasswordProtected),
	"no /ID":                          preflightFailed(preflight.CodePasswordProtected),
	"unknown crypt filter method":     proofMade(""),
	"AES stream cut inside a block":   preflightFailed(preflight.CodeContentDamaged),
	"AES stream of the IV alone":      proofMade(""),
	"AES stream with padding of 200":  proofMade(""),
	"RC4 decompression bomb of 4 GiB": preflightFailed(preflight.CodeTooComplex),
	"AES decompression bomb of 4 GiB": preflightFailed(preflight.CodeTooComplex),
}

// The limits the hostile files run under: the server's, but for a proof's
// whole time, which is what one page may take and the opening of the
// file. A job must end within their sum and hostileSlack; a hang does not
// hold the test longer.
const (
	hostilePreflightTimeout = 60 * time.Second // preflight.Options.Timeout's default
	hostilePageTimeout      = pdfium.DefaultPageTimeout
	hostileProofTimeout     = 2 * hostilePageTimeout
	hostileSlack            = 30 * time.Second
)

// hostileRun is what the child process reports.
type hostileRun struct {
	Status    job.Status
	GaveUp    bool     // the proof given up
	Codes     []string // the version's findings
	Opens     int      // opens of the file: one per attempt
	Reclaims  int      // claims of the job after the proof was given up
	Events    []job.Status
	Seconds   float64
	RSSBefore int64 // VmRSS before the upload, bytes
	Peak      int64 // VmHWM once the job ended, bytes
	RSSAfter  int64 // VmRSS once the job ended, bytes
}

// TestHostileFilesThroughThePipeline runs each hostile file through the
// pipeline in a process of its own (TestHostilePipelineChild), so that
// the peak resident memory measured is that file's alone.
func TestHostileFilesThroughThePipeline(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		need.Missing(t, "TestHostileFilesThroughThePipeline reads peak memory from /proc/self/status, which only Linux has")
	}
	for _, c := range pipelineHostileCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := runPipelineChild(t, c.name)
			growth, kept := (res.Peak-res.RSSBefore)>>20, (res.RSSAfter-res.RSSBefore)>>20
			t.Logf("%s: %s (proof given up: %v), findings %v, %d attempts, in %.1f s; resident %d MiB before, peak %d MiB (+%d MiB, bound %d), %d MiB after",
				c.name, res.Status, res.GaveUp, res.Codes, res.Opens, res.Seconds, res.RSSBefore>>20, res.Peak>>20, growth, c.maxGrowth, res.RSSAfter>>20)
			if res.Status != c.want.status || res.GaveUp != (c.want == proofGivenUp) ||
				c.want.code != "" && !slices.Contains(res.Codes, c.want.code) {
				t.Errorf("the job ended %s (proof given up: %v) with findings %v; want %s with %q", res.Status, res.GaveUp, res.Codes, c.want.status, c.want.code)
			}
			// Each attempt opens the file anew, preflight and proof share one.
			if res.Opens != 1 || !slices.Equal(res.Events, c.want.events()) {
				t.Errorf("%d attempts, events %v; want one attempt, events %v", res.Opens, res.Events, c.want.events())
			}
			if res.Reclaims != 0 {
				t.Errorf("the job was claimed %d times after the pipeline gave up on it", res.Reclaims)
			}
			if growth > c.maxGrowth {
				t.Errorf("resident memory grew by %d MiB, over the bound of %d MiB", growth, c.maxGrowth)
			}
			if kept > pipelineHostileMiB/2 {
				t.Errorf("resident memory is %d MiB above where it was once the job has ended", kept)
			}
		})
	}
}

// runPipelineChild runs TestHostilePipelineChild for one case in a new
// process, with the server's garbage collector settings (pdfium.TuneGC).
func runPipelineChild(t *testing.T, name string) hostileRun {
	t.Helper()
	var res hostileRun
	proctest.Run(t, "TestHostilePipelineChild", hostilePreflightTimeout+hostileProofTimeout+2*hostileSlack,
		[]string{"SUBMIT_HOSTILE_CASE=" + name, "GOGC=400", "GOMEMLIMIT=1GiB"}, &res)
	return res
}

// TestHostilePipelineChild is the child process of
// TestHostileFilesThroughThePipeline. It takes a sound file from upload to
// proof, so that what is measured is not the renderer's start, then the
// case named by SUBMIT_HOSTILE_CASE, and prints what it measured.
func TestHostilePipelineChild(t *testing.T) {
	name := os.Getenv("SUBMIT_HOSTILE_CASE")
	if name == "" {
		t.Skip("run by TestHostileFilesThroughThePipeline in a process of its own")
	}
	cases := pipelineHostileCases()
	i := slices.IndexFunc(cases, func(c pipelineHostileCase) bool { return c.name == name })
	if i < 0 {
		t.Fatalf("no hostile case %q", name)
	}
	pdf := cases[i].pdf()

	st := storetest.SQLite(t)
	e := setup(t, st)
	blobs := &countingBlobs{Store: e.flow.Blobs, opens: map[string]int{}}
	e.flow.Blobs = blobs
	claims := &claimWatch{Store: st, gaveUp: map[string]bool{}}
	flow := *e.flow
	flow.Store = claims
	eng, err := preflight.New(preflight.Options{Timeout: hostilePreflightTimeout})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pdfium.New(pdfium.Options{CacheDir: wazeroCache, PageTimeout: hostilePageTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	e.pipeline(t, func(c *Config) {
		c.Flow, c.Preflight, c.Renderer = &flow, eng, proof.New(pool, proof.Options{Timeout: hostileProofTimeout})
		// A lease far longer than the run, so that a slow renewal on a
		// busy machine cannot start a second attempt.
		c.Lease = time.Minute
	})
	warm := e.newJob(t, "")
	e.upload(t, warm, "sound.pdf", samplePDF(t, 1))
	e.wait(t, warm, job.ProofGenerated)

	runtime.GC()
	debug.FreeOSMemory()
	var res hostileRun
	res.RSSBefore = proctest.Status(t, "VmRSS")
	// The peak measured is the hostile file's; where it cannot be reset
	// it is the process's, higher.
	_ = proctest.ResetPeak()
	start := time.Now()
	j := e.newJob(t, "")
	v := e.upload(t, j, "hostile.pdf", pdf)
	end := e.ended(t, j, hostilePreflightTimeout+hostileProofTimeout+hostileSlack)
	res.Seconds = time.Since(start).Seconds()
	res.Peak = proctest.Status(t, "VmHWM")
	res.RSSAfter = proctest.Status(t, "VmRSS")

	res.Status, res.GaveUp = end.Status, !end.WorkGaveUpAt.IsZero()
	if res.GaveUp {
		// A further attempt would take the job again, and open the file
		// again: the pipeline's next claim tells whether it did.
		res.Reclaims = claims.settled(t)
	}
	res.Opens = blobs.count(v.BlobKey)
	res.Events = e.statuses(t, j)
	got, err := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.Errors {
		res.Codes = append(res.Codes, f.Code)
	}
	proctest.Report(t, res)
}

// ended polls until the job's pipeline work has ended: preflight failed,
// the proof made, or the proof given up. A job that has not within the
// given time is stuck.
func (e *env) ended(t *testing.T, j job.Job, within time.Duration) store.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := e.st.Job(t.Context(), j.TenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Status == job.PreflightFailed, got.Status == job.ProofGenerated,
			got.Status == job.PreflightPassed && !got.WorkGaveUpAt.IsZero():
			return got
		case time.Now().After(deadline):
			t.Fatalf("job %s is %s after %s, past the pipeline's limits: stuck", j.ID, got.Status, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
