#!/usr/bin/env bash
# Refresh the vendored GOV.UK Frontend (MIT) from the npm registry.
# Councils may not use the GDS Transport typeface, so its @font-face rules are
# removed and the font stack falls back to Arial, as the Design System advises
# for services off GOV.UK. Nothing is loaded from a CDN at run time.
set -euo pipefail
version="${1:-5.14.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "govuk-frontend@${version}" --silent >/dev/null && tar xzf govuk-frontend-*.tgz)
dist="$work/package/dist/govuk"
out="$here/static/vendor/govuk-frontend"
mkdir -p "$out"
sed -E -e 's/@font-face\{font-family:GDS Transport;[^}]*\}//g' \
       -e 's/"?GDS Transport"?,//g' "$dist/govuk-frontend.min.css" > "$out/govuk-frontend.min.css"
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$out/govuk-frontend.min.css"
cp "$dist/govuk-frontend.min.js" "$out/govuk-frontend.min.js"
sed -i 's|//# sourceMappingURL=.*$||' "$out/govuk-frontend.min.js"
cp "$work/package/LICENSE"* "$out/" 2>/dev/null || true
echo "$version" > "$out/VERSION"
