package preflight

import "fmt"

// Findings about the file as a whole. Messages say what is wrong and what
// to do, in words a customer understands; technical detail goes to Details.

func fileUnreadable(err error) Finding {
	return say(Finding{Code: CodeFileUnreadable, Check: chkFile, Severity: SeverityError,
		Details: map[string]any{"reason": err.Error()}})
}

func notPDF() Finding {
	return say(Finding{Code: CodeNotPDF, Check: chkFile, Severity: SeverityError})
}

func fileDamaged(err error) Finding {
	return say(Finding{Code: CodeFileDamaged, Check: chkFile, Severity: SeverityError,
		Details: map[string]any{"reason": err.Error()}})
}

func fileRepaired(err error) Finding {
	return say(Finding{Code: CodeFileRepaired, Check: chkFile, Severity: SeverityWarning,
		Details: map[string]any{"reason": err.Error()}})
}

func fileTooLarge(size, limit int64) Finding {
	return say(Finding{Code: CodeFileTooLarge, Check: chkLimits, Severity: SeverityError,
		Details: map[string]any{"measured": size, "threshold": limit, "unit": "bytes"}})
}

func passwordProtected() Finding {
	return say(Finding{Code: CodePasswordProtected, Check: chkEncryption, Severity: SeverityError})
}

func printingNotAllowed() Finding {
	return say(Finding{Code: CodePrintingNotAllowed, Check: chkEncryption, Severity: SeverityError})
}

func lowPrintQuality() Finding {
	return say(Finding{Code: CodeLowPrintQuality, Check: chkEncryption, Severity: SeverityWarning})
}

func checkTimeout(limit string) Finding {
	return say(Finding{Code: CodeCheckTimeout, Check: chkLimits, Severity: SeverityError,
		Details: map[string]any{"threshold": limit}})
}

func tooManyPages(n, limit int) Finding {
	return say(Finding{Code: CodeTooManyPages, Check: chkLimits, Severity: SeverityError,
		Details: map[string]any{"measured": n, "threshold": limit}})
}

func tooComplex(page int, err error) Finding {
	return say(Finding{Code: CodeTooComplex, Check: chkLimits, Severity: SeverityError, Page: page,
		Details: map[string]any{"reason": err.Error()}})
}

func contentDamaged(page int, reason string) Finding {
	return say(Finding{Code: CodeContentDamaged, Check: chkFile, Severity: SeverityError, Page: page,
		Details: map[string]any{"reason": reason}})
}

// bytesText is a size for log-like reasons (why an image was not
// measured); messages use bytesIn.
func bytesText(n int64) string {
	const mb = 1 << 20
	if n >= mb {
		return fmt.Sprintf("%.0f MB", float64(n)/mb)
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}
