// Package file corrupts the database's files on disk: bitflip flips random
// bits of a chosen file, truncate cuts bytes off its end. Each completion
// says exactly what changed (node, file, offset, bit, old and new byte, old
// and new size), so a checker's finding can be traced to the damage.
//
// Which files: the nemesis's Files, or, when the DB implements Filer, the
// files it names per node. A node where none of them exists is an error.
//
// Ops: bitflip and truncate with a target spec as value (nil: the
// nemesis's Targets, default one random node), completed with
// {:changes [{:node n :file f :flips [[offset bit old new] ...]}]} or
// {:changes [{:node n :file f :old-size a :new-size b}]}.
package file

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/target"
)

// Fs of the file corruption nemesis.
const (
	Bitflip  = "bitflip"
	Truncate = "truncate"
)

// Filer is a DB that names the data files worth corrupting on a node.
type Filer interface {
	DataFiles(ctx context.Context, n db.Node) ([]string, error)
}

// Corrupt is the factory of file corruption faults.
type Corrupt struct {
	Files   []string    // paths on the nodes; empty: ask the DB (Filer)
	Targets target.Spec // zero: one random node
	Flips   int         // bits flipped per bitflip; zero: 1
	Drop    int64       // bytes cut by truncate; zero: 64 (never below size 0)
	Seed    uint64
}

// Fs returns bitflip and truncate.
func (Corrupt) Fs() []string { return []string{Bitflip, Truncate} }

// running is the active fault Corrupt.Setup returns.
type running struct {
	cfg   Corrupt // the factory, defaults filled in
	pick  *target.Picker
	filer Filer
	def   target.Spec
}

// Setup checks that there is a source of files.
func (c Corrupt) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	r := &running{cfg: c, pick: target.NewPicker(env, c.Seed), def: c.Targets}
	if r.def.Kind == "" {
		r.def = target.Spec{Kind: target.One}
	}
	if r.cfg.Flips <= 0 {
		r.cfg.Flips = 1
	}
	if r.cfg.Drop <= 0 {
		r.cfg.Drop = 64
	}
	if len(c.Files) == 0 {
		f, ok := env.DB.(Filer)
		if !ok {
			return nil, fmt.Errorf("file corruption needs files: set Files, or use a database that implements file.Filer; %T does not", env.DB)
		}
		r.filer = f
	}
	return r, nil
}

// Teardown has nothing to undo: corruption is permanent by design.
func (r *running) Teardown(context.Context) error { return nil }

// Invoke corrupts one file on each target node.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	var do func(ctx context.Context, n db.Node, file string) (history.Map, error)
	switch op.F {
	case Bitflip:
		do = r.bitflip
	case Truncate:
		do = r.truncate
	default:
		return op, fmt.Errorf("the file nemesis handles %s and %s, not %q", Bitflip, Truncate, op.F)
	}
	nodes, err := r.pick.PickValue(ctx, op.Value, r.def)
	if err != nil {
		return op, err
	}
	changes := make([]any, len(nodes))
	var mu sync.Mutex
	index := map[string]int{}
	for i, n := range nodes {
		index[n.Name] = i
	}
	err = target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		f, err := r.chooseFile(ctx, n)
		if err != nil {
			return err
		}
		ch, err := do(ctx, n, f)
		mu.Lock()
		changes[index[n.Name]] = append(history.Map{{Key: history.Keyword("node"), Value: n.Name}, {Key: history.Keyword("file"), Value: f}}, ch...)
		mu.Unlock()
		return err
	})
	op.Value = history.Map{{Key: history.Keyword("changes"), Value: changes}}
	return op, err
}

// chooseFile picks a random existing file among the candidates on n.
func (r *running) chooseFile(ctx context.Context, n db.Node) (string, error) {
	files := r.cfg.Files
	if r.filer != nil {
		var err error
		if files, err = r.filer.DataFiles(ctx, n); err != nil {
			return "", fmt.Errorf("on %s: asking the database for its data files: %w", n.Name, err)
		}
	}
	out, err := node.Shell(ctx, n.Conn, `for f in "$@"; do [ -f "$f" ] && echo "$f"; done; exit 0`, files...)
	if err != nil {
		return "", fmt.Errorf("on %s: looking for files to corrupt: %w", n.Name, err)
	}
	if out == "" {
		return "", fmt.Errorf("on %s: none of the files to corrupt exists (%s)", n.Name, strings.Join(files, ", "))
	}
	existing := strings.Split(out, "\n")
	return existing[r.pick.Intn(len(existing))], nil
}

// size returns the file's size on n.
func size(ctx context.Context, n db.Node, file string) (int64, error) {
	out, err := node.Output(ctx, n.Conn, "stat", "-c", "%s", file)
	if err != nil {
		return 0, fmt.Errorf("on %s: size of %s: %w", n.Name, file, err)
	}
	return strconv.ParseInt(out, 10, 64)
}

// flipScript flips, for each "offset bit" pair of arguments, that bit of
// the byte at offset in file $1, printing "offset bit old new".
const flipScript = `f=$1; shift
while [ $# -ge 2 ]; do
  off=$1 bit=$2; shift 2
  old=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
  [ -n "$old" ] || { echo "no byte at offset $off" >&2; exit 1; }
  new=$(( old ^ (1 << bit) ))
  printf "\\$(printf %o "$new")" | dd of="$f" bs=1 seek="$off" count=1 conv=notrunc status=none || exit 1
  echo "$off $bit $old $new"
done`

func (r *running) bitflip(ctx context.Context, n db.Node, file string) (history.Map, error) {
	sz, err := size(ctx, n, file)
	if err != nil {
		return nil, err
	}
	if sz == 0 {
		return nil, fmt.Errorf("on %s: %s is empty: no bit to flip", n.Name, file)
	}
	args := []string{file}
	used := map[int64]bool{}
	for range min(int64(r.cfg.Flips), sz) {
		off := int64(r.pick.Intn(int(min(sz, 1<<31-1))))
		for used[off] {
			off = (off + 1) % sz
		}
		used[off] = true
		args = append(args, strconv.FormatInt(off, 10), strconv.Itoa(r.pick.Intn(8)))
	}
	out, err := node.Shell(ctx, n.Conn, flipScript, args...)
	var flips []any
	for _, line := range strings.Split(out, "\n") {
		var off, bit, old, nw int64
		if _, perr := fmt.Sscan(line, &off, &bit, &old, &nw); perr == nil {
			flips = append(flips, []any{off, bit, old, nw})
		}
	}
	ch := history.Map{{Key: history.Keyword("flips"), Value: flips}}
	if err != nil {
		return ch, fmt.Errorf("on %s: flipping bits of %s: %w", n.Name, file, err)
	}
	return ch, nil
}

func (r *running) truncate(ctx context.Context, n db.Node, file string) (history.Map, error) {
	sz, err := size(ctx, n, file)
	if err != nil {
		return nil, err
	}
	to := max(sz-r.cfg.Drop, 0)
	if _, err := node.Output(ctx, n.Conn, "truncate", "-s", strconv.FormatInt(to, 10), file); err != nil {
		return nil, fmt.Errorf("on %s: truncating %s to %d bytes: %w", n.Name, file, to, err)
	}
	return history.Map{{Key: history.Keyword("old-size"), Value: sz}, {Key: history.Keyword("new-size"), Value: to}}, nil
}
