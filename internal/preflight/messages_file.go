package preflight

import "fmt"

// Findings about the file as a whole. Messages say what is wrong and what
// to do, in words a customer understands; technical detail goes to Details.

func fileUnreadable(err error) Finding {
	return Finding{Code: CodeFileUnreadable, Check: chkFile, Severity: SeverityError,
		Message: "We could not read this file. Please upload it again.",
		Details: map[string]any{"reason": err.Error()}}
}

func notPDF() Finding {
	return Finding{Code: CodeNotPDF, Check: chkFile, Severity: SeverityError,
		Message: "This file is not a PDF. Save or export your artwork as PDF and upload that file."}
}

func fileDamaged(err error) Finding {
	return Finding{Code: CodeFileDamaged, Check: chkFile, Severity: SeverityError,
		Message: "This PDF is damaged and cannot be printed. Export it again from your design program and upload the new file.",
		Details: map[string]any{"reason": err.Error()}}
}

func fileRepaired(err error) Finding {
	return Finding{Code: CodeFileRepaired, Check: chkFile, Severity: SeverityWarning,
		Message: "This PDF is slightly damaged. We could read it, but to be safe export it again from your design program and upload the new file.",
		Details: map[string]any{"reason": err.Error()}}
}

func fileTooLarge(size, limit int64) Finding {
	return Finding{Code: CodeFileTooLarge, Check: chkLimits, Severity: SeverityError,
		Message: fmt.Sprintf("This file is too large to check (%s; the limit is %s). Reduce image sizes or split the file, then upload it again.", bytesText(size), bytesText(limit)),
		Details: map[string]any{"measured": size, "threshold": limit, "unit": "bytes"}}
}

func passwordProtected() Finding {
	return Finding{Code: CodePasswordProtected, Check: chkEncryption, Severity: SeverityError,
		Message: "This PDF is protected by a password, so we cannot open it. Save it again without a password and upload the new file."}
}

func printingNotAllowed() Finding {
	return Finding{Code: CodePrintingNotAllowed, Check: chkEncryption, Severity: SeverityError,
		Message: "This PDF's security settings do not allow printing. Save it again without security restrictions and upload the new file."}
}

func lowPrintQuality() Finding {
	return Finding{Code: CodeLowPrintQuality, Check: chkEncryption, Severity: SeverityWarning,
		Message: "This PDF's security settings allow printing only at low quality. Save it again without security restrictions for the best result."}
}

func checkTimeout(limit string) Finding {
	return Finding{Code: CodeCheckTimeout, Check: chkLimits, Severity: SeverityError,
		Message: "This file took too long to check (more than " + limit + "). It may be damaged or extremely complex; export it again, flattened, and upload the new file.",
		Details: map[string]any{"threshold": limit}}
}

func tooManyPages(n, limit int) Finding {
	return Finding{Code: CodeTooManyPages, Check: chkLimits, Severity: SeverityError,
		Message: fmt.Sprintf("This file has more pages than we can check (%d; the limit is %d). Split it into smaller files.", n, limit),
		Details: map[string]any{"measured": n, "threshold": limit}}
}

func tooComplex(page int, err error) Finding {
	return Finding{Code: CodeTooComplex, Check: chkLimits, Severity: SeverityError, Page: page,
		Message: "This page is too complex to check. Export the file again, flattened, and upload the new file.",
		Details: map[string]any{"reason": err.Error()}}
}

func contentDamaged(page int, reason string) Finding {
	return Finding{Code: CodeContentDamaged, Check: chkFile, Severity: SeverityError, Page: page,
		Message: "Part of this page is damaged and may print incomplete or not at all. Export the file again from your design program.",
		Details: map[string]any{"reason": reason}}
}

func bytesText(n int64) string {
	const mb = 1 << 20
	if n >= mb {
		return fmt.Sprintf("%.0f MB", float64(n)/mb)
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}
