#!/usr/bin/env bash
# Copy the pinned npm front-end assets into static/vendor/ (committed; municipal
# networks reach no CDN). Run after changing package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
mkdir -p static/vendor/design-tokens static/vendor/htmx
cp node_modules/@digital-go-jp/design-tokens/dist/tokens.css static/vendor/design-tokens/tokens.css
cp node_modules/@digital-go-jp/design-tokens/LICENSE static/vendor/design-tokens/LICENSE
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
cp node_modules/htmx.org/LICENSE static/vendor/htmx/LICENSE
echo "static/vendor updated."
