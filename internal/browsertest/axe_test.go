package browsertest

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAxeFinds: the checker finds what it is there to find, so that the
// pages' "no violations" means something: an image without a text
// alternative, grey text on white below 4.5:1, and a page without a
// language; a page that fixes them passes.
func TestAxeFinds(t *testing.T) {
	t.Parallel()
	ctx := New(t)
	const limit = time.Minute
	page := func(html string) string { return "data:text/html;charset=utf-8," + url.PathEscape(html) }

	bad := page(`<!doctype html><title>Bad</title><main><h1>Bad</h1><img src="x.png">` +
		`<p style="color:#aaa;background:#fff">Faint text</p></main>`)
	Do(t, ctx, limit, "open a bad page", chromedp.Navigate(bad))
	var ids []string
	for _, v := range Axe(t, ctx, limit) {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"image-alt", "color-contrast", "html-has-lang"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe found %v on the bad page, not %s", ids, want)
		}
	}

	good := page(`<!doctype html><html lang="en"><title>Good</title><main><h1>Good</h1>` +
		`<img src="x.png" alt="A logo"><p style="color:#555;background:#fff">Readable text</p></main></html>`)
	Do(t, ctx, limit, "open a good page", chromedp.Navigate(good))
	CheckAxe(t, ctx, limit, "good page")
}
