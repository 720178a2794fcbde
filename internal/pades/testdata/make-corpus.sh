#!/usr/bin/env bash
# Regenerates the test corpus: small PDFs from different producers, each < 200 KB, committed so the
# tests need only the verifiers. Run from this folder: ./make-corpus.sh
# Producers: Ghostscript (ps2pdf), qpdf (object streams + xref stream; classic table), Chromium's
# print to PDF, LibreOffice (soffice --convert-to pdf), and qpdf --linearize of the LibreOffice file. Files by other styles (hybrid, incremental,
# DocMDP-certified, encrypted, truncated) are made by the Go tests themselves.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

cat > "$tmp/doc.ps" <<'PS'
%!PS
/Helvetica findfont 18 scalefont setfont
72 720 moveto (Contratto di prova - Ghostscript) show
/Helvetica findfont 11 scalefont setfont
72 690 moveto (Documento generato da Ghostscript per i test di firma PAdES di Ponte.) show
showpage
72 720 moveto (Seconda pagina / second page) show
showpage
PS
ps2pdf -dCompatibilityLevel=1.4 "$tmp/doc.ps" "$out/ghostscript.pdf"

# qpdf: object streams (so a cross-reference stream), and a classic table with no object streams.
qpdf --object-streams=generate "$out/ghostscript.pdf" "$out/qpdf-objstm.pdf"
qpdf --object-streams=disable --compress-streams=y "$out/ghostscript.pdf" "$out/qpdf-classic.pdf"

cat > "$tmp/page.html" <<'HTML'
<!doctype html><html lang="it"><meta charset="utf-8"><title>Ponte</title>
<body style="font-family:sans-serif"><h1>Verbale di prova</h1>
<p>Documento stampato in PDF da Chromium per i test di firma di Ponte. Caratteri accentati: àèéìòù.</p>
</body></html>
HTML
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --user-data-dir="$tmp/profile" --print-to-pdf="$out/chromium.pdf" "file://$tmp/page.html" 2>/dev/null

printf 'Relazione di prova\n\nDocumento convertito in PDF da LibreOffice per i test di firma di Ponte.\n' > "$tmp/relazione.txt"
soffice --headless -env:UserInstallation="file://$tmp/lo" --convert-to pdf --outdir "$tmp" "$tmp/relazione.txt" >/dev/null 2>&1
cp "$tmp/relazione.pdf" "$out/libreoffice.pdf"

# Linearized ("fast web view"): first-page cross-reference at the start, /Prev to the main one.
qpdf --linearize "$out/libreoffice.pdf" "$out/qpdf-linearized.pdf"

ls -l "$out"
