#!/usr/bin/env bash
# internal/web/build.sh OUT: what `make web` does. Puts the web page and the
# API reference into OUT (build/web), which the server serves from WEB_ROOT:
#
#   OUT/index.html, docs.html, *.css, *.js, *.geojson   this directory's own files
#   OUT/vendor/*                                         libraries from npm, pinned
#                                                        in package-lock.json
#
# The libraries are installed with `npm ci` into OUT's sibling web-npm/ (not
# into the source tree), once and again only when the lockfile changes; after
# that the build is offline. No bundler: the page loads ES modules and two
# classic scripts as they come from npm, less their source-map comments (the
# maps are not shipped, and a browser would ask for them), and Redoc's with a
# local logo instead of its CDN's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: internal/web/build.sh OUT}
npm_dir=$(dirname "$out")/web-npm

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "web: $tool is not installed (deploy/install-deps.sh installs it)" >&2; exit 1; }
done

mkdir -p "$npm_dir"
if [ ! -f "$npm_dir/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$npm_dir/node_modules/.package-lock.json" ] \
   || ! cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json"; then
  cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$npm_dir/"
  echo "web: npm ci in $npm_dir (once; later builds are offline)" >&2
  (cd "$npm_dir" && npm ci --no-audit --no-fund --no-update-notifier --ignore-scripts --loglevel=error >&2)
fi
modules=$npm_dir/node_modules

# Build next to OUT, then swap, so a failed build leaves the last good one.
next=$out.next
rm -rf "$next"
mkdir -p "$next/vendor"
cp "$here"/*.html "$here"/*.css "$here"/*.js "$here"/*.svg "$here"/*.geojson "$next/"

# vendor/NAME from node_modules/PATH, without a trailing source-map comment.
vendor() { # PATH NAME
  sed '$ s|//# sourceMappingURL=[^ ]*$||' "$modules/$1" >"$next/vendor/$2"
}
vendor preact/dist/preact.module.js preact.module.js
vendor htm/dist/htm.module.js htm.module.js
vendor d3-array/dist/d3-array.min.js d3-array.min.js
vendor d3-geo/dist/d3-geo.min.js d3-geo.min.js
vendor redoc/bundles/redoc.standalone.js redoc.standalone.js
# Redoc's sidebar shows a logo from its CDN; /docs makes no outside request,
# so the bundle points at a local one instead (the only change to it).
redoc_logo=https://cdn.redoc.ly/redoc/logo-mini.svg
grep -qF "$redoc_logo" "$next/vendor/redoc.standalone.js" \
  || { echo "web: redoc.standalone.js no longer names $redoc_logo: check it for outside requests" >&2; exit 1; }
sed -i "s|$redoc_logo|/app/vendor/redoc-logo-mini.svg|g" "$next/vendor/redoc.standalone.js"
mv "$next/redoc-logo-mini.svg" "$next/vendor/"
for package in preact htm d3-array d3-geo redoc; do
  cp "$modules/$package/LICENSE" "$next/vendor/$package.LICENSE.txt"
done
cp "$modules/redoc/bundles/redoc.standalone.js.LICENSE.txt" "$next/vendor/redoc.standalone.js.LICENSE.txt"

rm -rf "$out"
mv "$next" "$out"
echo "web: $(find "$out" -type f | wc -l) files in $out"
