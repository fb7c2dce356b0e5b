#!/usr/bin/env bash
# The Debian packages the data pipelines, the evaluation and their tests use: serif, sans, monospace and
# handwriting-like font families with every pt-PT glyph (DejaVu, Liberation, Carlito, Caladea, Lato, Open Sans,
# FreeFont, Comic Neue) to render text, tesseract
# with its Portuguese data to read the rendered images back, bubblewrap (the kernel boundary of the code sandbox),
# a Java runtime for pycocoevalcap (the captioning metrics' PTB tokenizer and METEOR run Java), and Chromium with its
# driver (the real browser the demo's test drives). Installs only what is missing; uses sudo when not root.
set -euo pipefail
packages=(bubblewrap fonts-dejavu-core fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-lato
    fonts-open-sans fonts-freefont-ttf fonts-comic-neue tesseract-ocr tesseract-ocr-por default-jre-headless chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
