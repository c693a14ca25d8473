package preflight

// Finding codes. They are stable API: integrators match on them, so a code
// is never renamed or reused; docs/preflight.md lists every one.
const (
	CodeFileUnreadable     = "FILE_UNREADABLE"
	CodeNotPDF             = "FILE_NOT_PDF"
	CodeFileDamaged        = "FILE_DAMAGED"
	CodeFileRepaired       = "FILE_REPAIRED"
	CodeFileTooLarge       = "FILE_TOO_LARGE"
	CodePasswordProtected  = "PASSWORD_PROTECTED"
	CodePrintingNotAllowed = "PRINTING_NOT_ALLOWED"
	CodeLowPrintQuality    = "PRINT_QUALITY_RESTRICTED"
	CodeCheckTimeout       = "CHECK_TIMEOUT"
	CodeTooManyPages       = "TOO_MANY_PAGES"
	CodeTooComplex         = "TOO_COMPLEX"
	CodeContentDamaged     = "PAGE_CONTENT_DAMAGED"

	CodePageCount       = "PAGE_COUNT_MISMATCH"
	CodeTrimSize        = "TRIM_SIZE_MISMATCH"
	CodeOrientation     = "PAGE_ORIENTATION_MISMATCH"
	CodeTrimBoxMissing  = "TRIMBOX_MISSING"
	CodePageSizesDiffer = "PAGE_SIZES_DIFFER"
	CodeBleed           = "INSUFFICIENT_BLEED"

	CodeLowResImage     = "LOW_RESOLUTION_IMAGE"
	CodeLowResBitmap    = "LOW_RESOLUTION_BITMAP"
	CodeFontNotEmbedded = "FONT_NOT_EMBEDDED"
	CodeRGB             = "RGB_COLOR"
	CodeLab             = "LAB_COLOR"
	CodeSpotColors      = "SPOT_COLORS"
	CodeTooManySpots    = "TOO_MANY_SPOT_COLORS"
	CodeHairline        = "HAIRLINE"
	CodeSmallText       = "SMALL_TEXT"
	CodeWhiteOverprint  = "WHITE_OVERPRINT"
	CodeTransparency    = "TRANSPARENCY"
	CodeOutputIntent    = "OUTPUT_INTENT_MISSING"
	CodeInkCoverage     = "INK_COVERAGE_HIGH"
	CodeInkNotMeasured  = "INK_COVERAGE_NOT_MEASURED"
)

// Check names group codes by what they examine.
const (
	chkFile         = "file"
	chkEncryption   = "encryption"
	chkLimits       = "limits"
	chkPageCount    = "page_count"
	chkTrimSize     = "trim_size"
	chkTrimBox      = "trim_box"
	chkPageSize     = "page_size"
	chkBleed        = "bleed"
	chkImageRes     = "image_resolution"
	chkFonts        = "fonts"
	chkColor        = "color"
	chkSpotColors   = "spot_colors"
	chkLineWidth    = "line_width"
	chkTextSize     = "text_size"
	chkOverprint    = "overprint"
	chkTransparency = "transparency"
	chkOutputIntent = "output_intent"
	chkInkCoverage  = "ink_coverage"
)

// Codes lists every finding code with its check, for documentation and
// for the test that keeps docs/preflight.md complete. Each call returns a
// new map; the package reads its own copy, codeChecks.
func Codes() map[string]string {
	return map[string]string{
		CodeFileUnreadable: chkFile, CodeNotPDF: chkFile, CodeFileDamaged: chkFile,
		CodeFileRepaired: chkFile, CodeFileTooLarge: chkLimits,
		CodePasswordProtected: chkEncryption, CodePrintingNotAllowed: chkEncryption,
		CodeLowPrintQuality: chkEncryption, CodeCheckTimeout: chkLimits,
		CodeTooManyPages: chkLimits, CodeTooComplex: chkLimits, CodeContentDamaged: chkFile,
		CodePageCount: chkPageCount, CodeTrimSize: chkTrimSize, CodeOrientation: chkTrimSize,
		CodeTrimBoxMissing: chkTrimBox, CodePageSizesDiffer: chkPageSize, CodeBleed: chkBleed,
		CodeLowResImage: chkImageRes, CodeLowResBitmap: chkImageRes,
		CodeFontNotEmbedded: chkFonts, CodeRGB: chkColor, CodeLab: chkColor,
		CodeSpotColors: chkSpotColors, CodeTooManySpots: chkSpotColors,
		CodeHairline: chkLineWidth, CodeSmallText: chkTextSize,
		CodeWhiteOverprint: chkOverprint, CodeTransparency: chkTransparency,
		CodeOutputIntent: chkOutputIntent,
		CodeInkCoverage:  chkInkCoverage, CodeInkNotMeasured: chkInkCoverage,
	}
}

// codeChecks is Codes, made once: messages look codes up for every
// finding they say again.
var codeChecks = Codes()

// unusableCodes are findings after which the file could not be checked:
// the CLI exits 2 for them, and no other check has run, except that
// TOO_COMPLEX comes after the page-box and output-intent checks.
var unusableCodes = map[string]bool{
	CodeFileUnreadable: true, CodeNotPDF: true, CodeFileDamaged: true,
	CodeFileTooLarge: true, CodePasswordProtected: true, CodeCheckTimeout: true,
	CodeTooManyPages: true, CodeTooComplex: true,
}
