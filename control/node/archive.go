package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/faultline/faultline/control"
)

// ArchiveCache is where downloaded archives are kept on a node, so that
// setting a node up again does not fetch them again.
const ArchiveCache = "/var/lib/faultline/archives"

// extractScript unpacks the cached archive $1 (kind $2: tgz or zip) into
// $3, replacing what was there. An archive holding a single top-level
// directory is unwrapped, as release tarballs (name-1.2.3/...) are. When the
// archive does not unpack, the cached copy is deleted and the script exits
// 3, so that the caller fetches it again.
const extractScript = `archive=$1 kind=$2 dest=$3 url=$4
tmp="$dest.faultline-extract"
rm -rf "$tmp"; mkdir -p "$tmp"
case "$kind" in
  zip) unzip -q "$archive" -d "$tmp" ;;
  *) tar -xzf "$archive" -C "$tmp" ;;
esac || { rm -rf "$tmp" "$archive"; echo "$archive does not unpack: corrupt or incomplete" >&2; exit 3; }
set -- "$tmp"/* "$tmp"/.[!.]*
[ -e "$2" ] || set -- "$1"
src="$tmp"
if [ $# -eq 1 ] && [ -d "$1" ]; then src=$1; fi
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
mv "$src" "$dest" && rm -rf "$tmp"
printf '%s\n' "$url" > "$dest/.faultline-archive"`

// fetchScript downloads $2 to $1 unless $1 is already there.
const fetchScript = `[ -s "$1" ] && exit 0
mkdir -p "$(dirname "$1")"
if command -v curl >/dev/null; then curl -fsSL --retry 2 -o "$1.part" "$2"; else wget -q -O "$1.part" "$2"; fi && mv -f "$1.part" "$1"`

// InstallArchive unpacks a tar.gz or zip archive into dest on the node.
// source is an http(s) URL, fetched by the node (curl or wget) into
// ArchiveCache, or a path on the control machine (file:// or plain),
// uploaded there. A cached archive that turns out corrupt is deleted and
// fetched once more. If dest already holds this very source, nothing is
// done.
func InstallArchive(ctx context.Context, c control.Conn, source, dest string) error {
	local := !strings.HasPrefix(source, "http://") && !strings.HasPrefix(source, "https://")
	localPath := strings.TrimPrefix(source, "file://")
	kind := "tgz"
	if strings.HasSuffix(strings.ToLower(strings.SplitN(source, "?", 2)[0]), ".zip") {
		kind = "zip"
	}
	sum := sha256.Sum256([]byte(source))
	cached := path.Join(ArchiveCache, hex.EncodeToString(sum[:8])+"-"+path.Base(strings.SplitN(localPath, "?", 2)[0]))

	if got, err := Shell(ctx, c, `cat "$1/.faultline-archive" 2>/dev/null || true`, dest); err != nil {
		return err
	} else if got == source {
		return nil
	}
	fetch := func() error {
		if local {
			if _, err := Output(ctx, c, "mkdir", "-p", ArchiveCache); err != nil {
				return err
			}
			return c.Upload(ctx, localPath, cached)
		}
		_, err := Shell(ctx, c, fetchScript, cached, source)
		return err
	}
	var last error
	for attempt := 0; attempt < 2; attempt++ {
		if err := fetch(); err != nil {
			return fmt.Errorf("fetching %s: %w", source, err)
		}
		_, err := Shell(ctx, c, extractScript, cached, kind, dest, source)
		if err == nil {
			return nil
		}
		last = err
		var ee *control.ExitError
		if !errors.As(err, &ee) || ee.Result.ExitCode != 3 {
			break
		}
	}
	return fmt.Errorf("installing %s into %s: %w", source, dest, last)
}
