package tidb

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// PinnedVersion is the TiDB release --version defaults to: v7.5, an LTS
// release (docs.pingcap.com/tidb/v7.5/release-7.5.0), the last LTS that
// still has automatic retries of optimistic transactions (--auto-retry).
const PinnedVersion = "v7.5.0"

// mirror holds one tarball per component and release, the ones TiUP
// installs (tidb-vX.Y.Z-linux-amd64.tar.gz holds tidb-server, and so on).
const mirror = "https://tiup-mirrors.pingcap.com/"

var versionRE = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)$`)

// version is a parsed vMAJOR.MINOR.PATCH.
type version struct{ major, minor, patch int }

func parseVersion(s string) (version, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return version{}, fmt.Errorf("--version %q: expected a TiDB release such as %s (vMAJOR.MINOR.PATCH)", s, PinnedVersion)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return version{a, b, c}, nil
}

// atLeast reports whether v is major.minor or later.
func (v version) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

func (v version) String() string { return fmt.Sprintf("v%d.%d.%d", v.major, v.minor, v.patch) }

// sources are the archives to install: the --tarball-url list (one bundle
// holding all three servers, or one tarball per component, in any order;
// URLs the nodes fetch or files on the control machine uploaded to them),
// else the mirror's three tarballs of the version.
func sources(ver, tarballURL string) []string {
	if tarballURL != "" {
		var out []string
		for _, s := range strings.Split(tarballURL, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{
		mirror + "pd-" + ver + "-linux-amd64.tar.gz",
		mirror + "tikv-" + ver + "-linux-amd64.tar.gz",
		mirror + "tidb-" + ver + "-linux-amd64.tar.gz",
	}
}

// pkgDir is where the i-th archive is unpacked; the servers are linked
// from there into BinDir.
func pkgDir(i int) string { return Dir + "/pkg/" + strconv.Itoa(i) }

// linkScript links each program named after $1 (the number of archives)
// into BinDir from the first place under Dir/pkg holding it, and fails
// naming every program no archive holds.
const linkScript = `n=$1; shift; bindir=$1; shift; missing=""
mkdir -p "$bindir"
for bin in "$@"; do
  found=""; i=0
  while [ $i -lt "$n" ] && [ -z "$found" ]; do
    found=$(find "` + Dir + `/pkg/$i" -type f -name "$bin" 2>/dev/null | head -n 1); i=$((i+1))
  done
  if [ -z "$found" ]; then missing="$missing $bin"; continue; fi
  chmod +x "$found" && ln -sfn "$found" "$bindir/$bin"
done
[ -z "$missing" ] || { echo "the archives hold no$missing" >&2; exit 4; }`

// install unpacks the archives under Dir/pkg and links the three servers
// into BinDir.
func install(ctx context.Context, n db.Node, srcs []string) error {
	for i, src := range srcs {
		if err := node.InstallArchive(ctx, n.Conn, src, pkgDir(i)); err != nil {
			return fmt.Errorf("on %s: installing TiDB from %s: %w", n.Name, src, err)
		}
	}
	args := []string{strconv.Itoa(len(srcs)), BinDir}
	for _, c := range Components() {
		args = append(args, c.Bin())
	}
	if _, err := node.Shell(ctx, n.Conn, linkScript, args...); err != nil {
		return fmt.Errorf("on %s: finding pd-server, tikv-server and tidb-server in %s: %w", n.Name, strings.Join(srcs, ", "), err)
	}
	return nil
}
