#!/usr/bin/env bash
# Copy the pinned npm packages (package.json) into saferisk/static/vendor, where Django serves them.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=saferisk/static/vendor
rm -rf "$dest"
mkdir -p "$dest"/{tabler/css,tabler/js,htmx,alpinejs,echarts,leaflet}
cp node_modules/@tabler/core/dist/css/tabler.min.css "$dest/tabler/css/"
cp node_modules/@tabler/core/dist/js/tabler.min.js "$dest/tabler/js/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/alpinejs/dist/cdn.min.js "$dest/alpinejs/alpine.min.js"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images "$dest/leaflet/"
echo "assets copied to $dest"
