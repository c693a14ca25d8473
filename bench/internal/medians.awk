# Medians of interleaved runs: each input line is "base|head NAME VALUE"
# (ns/op). For each NAME it prints the median of base and of head and
# their ratio, head / base. Used by bench/firstrender and bench/dashboard.
{ v[$1 " " $2, ++n[$1 " " $2]] = $3; names[$2] = 1 }
function median(k,   m, i, j, t, a) {
	m = n[k]
	for (i = 1; i <= m; i++) a[i] = v[k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	for (b in names) {
		mb = median("base " b); mh = median("head " b)
		printf "%s: base %.0f ns/op, head %.0f ns/op, head/base %.3f\n", b, mb, mh, mh / mb
	}
}
