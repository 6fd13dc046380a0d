#!/usr/bin/env bash
# Fetches the committed third-party assets again from npm, at the pinned versions.
#   @digdir/designsystemet-css (MIT): the Norwegian public sector's design system, CSS only.
#   axe-core (MPL-2.0): the accessibility checker the browser tests inject; never served.
# Needs Node's npm; `cargo run` and `cargo test` never do.
set -euo pipefail
cd "$(dirname "$0")"
designsystemet=1.11.0
axe=4.11.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@digdir/designsystemet-css@$designsystemet" "axe-core@$axe" >/dev/null)
mkdir -p designsystemet axe-core
tar xzf "$work/digdir-designsystemet-css-$designsystemet.tgz" -C "$work"
cp "$work/package/dist/src/index.css" designsystemet/designsystemet.css
cp "$work/package/dist/theme/designsystemet.css" designsystemet/theme.css
cp "$work/package/LICENSE" designsystemet/LICENSE
echo "$designsystemet" > designsystemet/VERSION
rm -rf "$work/package"
tar xzf "$work/axe-core-$axe.tgz" -C "$work"
cp "$work/package/axe.min.js" axe-core/axe.min.js
cp "$work/package/LICENSE" axe-core/LICENSE
echo "$axe" > axe-core/VERSION
