package pipeline

import (
	"bytes"
	"testing"

	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store/storetest"
)

// TestHeavyProofLeavesAnInstance: a file whose pages need hundreds of
// thousands of operators is proofed on the one instance heavy files may
// use, so while that one is busy a light upload still gets its proof,
// and the heavy one follows when the instance is free.
func TestHeavyProofLeavesAnInstance(t *testing.T) {
	t.Parallel()
	pool, err := pdfium.New(pdfium.Options{CacheDir: wazeroCache, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	eng, _ := sharedEngines(t)
	e := setup(t, storetest.SQLite(t))
	e.pipeline(t, func(c *Config) { c.Preflight, c.Renderer = eng, proof.New(pool, proof.Options{}) })

	// Another heavy document holds the instance heavy ones may use.
	light := samplePDF(t, 1)
	held, err := pool.OpenHeavy(t.Context(), bytes.NewReader(light), int64(len(light)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() }) // before the pool's Close, which waits for it
	heavy := e.newJob(t, "")
	e.upload(t, heavy, "plan.pdf", hostilepdf.MillionOperators(3*heavyPageOperators))
	e.wait(t, heavy, job.PreflightPassed)
	other := e.newJob(t, "")
	e.upload(t, other, "leaflet.pdf", samplePDF(t, 2))
	e.wait(t, other, job.ProofGenerated)
	if got, err := e.st.Job(t.Context(), heavy.TenantID, heavy.ID); err != nil || got.Status != job.PreflightPassed {
		t.Fatalf("the heavy file while the heavy instance is held: %s, %v; want it waiting in preflight_passed", got.Status, err)
	}
	held.Close()
	e.wait(t, heavy, job.ProofGenerated)
}
