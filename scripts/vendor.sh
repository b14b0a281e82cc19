#!/usr/bin/env bash
# Refresh the front-end libraries in static/vendor/ from the npm registry.
# The copies are committed, so the app never loads a CDN at run time; run this only to upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent)
nm="$work/node_modules"
cp "$nm/htmx.org/dist/htmx.min.js" static/vendor/htmx/
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" static/vendor/leaflet/
cp -r "$nm/leaflet/dist/images" static/vendor/leaflet/
cp "$nm/sortablejs/Sortable.min.js" static/vendor/sortablejs/
cp "$nm/chart.js/dist/chart.umd.min.js" static/vendor/chartjs/
for pkg in htmx.org leaflet sortablejs chart.js; do
  node -e "console.log('$pkg', require('$nm/$pkg/package.json').version)"
done > static/vendor/VERSIONS.txt
