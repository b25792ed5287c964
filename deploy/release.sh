#!/usr/bin/env bash
# Assembles a release from the release build (make release): .build/dist/kinerja-VERSION/ with the two
# binaries, the resource bundles they load next to them (the migrations, the OpenAPI document), the deploy
# files, and a tar.gz of it. VERSION is `git describe` of the checkout. Install: README, "Operations".
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
for f in kinerja-server kinerja-admin kinerja_KinerjaStore.resources kinerja_KinerjaAPI.resources kinerja_KinerjaReports.resources; do
  [ -e "$bin/$f" ] || { echo "release: $bin/$f is missing: run 'make release'" >&2; exit 1; }
done
version=$(git describe --tags --always --dirty 2>/dev/null || date +%Y%m%d%H%M)
name="kinerja-$version"
out=.build/dist/$name
rm -rf "$out"; mkdir -p "$out"
cp "$bin/kinerja-server" "$bin/kinerja-admin" "$out/"
cp -R "$bin/kinerja_KinerjaStore.resources" "$bin/kinerja_KinerjaAPI.resources" "$bin/kinerja_KinerjaReports.resources" "$out/"
strip "$out/kinerja-server" "$out/kinerja-admin" 2>/dev/null || true
mkdir -p "$out/deploy"
cp -R deploy/systemd deploy/postgres "$out/deploy/"
echo "$version" > "$out/VERSION"
tar -C .build/dist -czf ".build/dist/$name.tar.gz" "$name"
echo "release: .build/dist/$name.tar.gz ($(du -h ".build/dist/$name.tar.gz" | cut -f1))"
