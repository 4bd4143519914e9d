package codec

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// benchOps is a simulated cas-register history of a million ops, built once.
var benchOps = sync.OnceValue(func() []history.Op { return casRegisterHistory(1, 1_000_000) })

var benchText = sync.OnceValue(func() map[string][]byte {
	ops := benchOps()
	out := map[string][]byte{}
	for name, f := range map[string]Format{"edn": EDN, "jsonl": JSON, "txt": JepsenLog} {
		var b bytes.Buffer
		w, _ := NewWriter(&b, f)
		for _, op := range ops {
			if err := w.Write(op); err != nil {
				panic(err)
			}
		}
		w.Flush()
		out[name] = b.Bytes()
	}
	// jepsen.log: every row behind a log prefix, as Jepsen's logger writes it.
	var log bytes.Buffer
	for _, row := range strings.SplitAfter(string(out["txt"]), "\n") {
		if row != "" {
			log.WriteString("INFO  jepsen.util - ")
			log.WriteString(row)
		}
	}
	out["log"] = log.Bytes()
	// jepsen.log as Jepsen 0.2 and 0.3 write it (logback), with timestamps.
	out["log03"] = []byte(jepsenLog(ops, string(out["txt"])))
	return out
})

// cpuSeconds is the CPU time this process has used. The benchmark machine is
// shared and loaded, so wall-clock rates vary with the neighbours; ops per
// CPU-second of our own process vary much less.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func benchRead(b *testing.B, name string, f Format) {
	text := benchText()[name]
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := cpuSeconds()
	defer func() { b.ReportMetric(float64(len(benchOps())*b.N)/(cpuSeconds()-cpu), "ops/cpu-s") }()
	n := 0
	for i := 0; i < b.N; i++ {
		r, err := NewReader(bytes.NewReader(text), name, f)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ops/s")
}

// Reading a million ops, op by op (the streaming reader, without pairing).
func BenchmarkRead1MEDN(b *testing.B)        { benchRead(b, "edn", EDN) }
func BenchmarkRead1MJSONLines(b *testing.B)  { benchRead(b, "jsonl", JSON) }
func BenchmarkRead1MHistoryTxt(b *testing.B) { benchRead(b, "txt", JepsenLog) }
func BenchmarkRead1MJepsenLog(b *testing.B)  { benchRead(b, "log", JepsenLog) }

// The same rows in Jepsen 0.3's layout, each line's timestamp read into Time.
func BenchmarkRead1MJepsenLog03(b *testing.B) { benchRead(b, "log03", JepsenLog) }

// Reading and pairing a million EDN ops into a History, as ReadFile does.
func BenchmarkReadAll1MEDN(b *testing.B) {
	text := benchText()["edn"]
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		r, _ := NewReader(bytes.NewReader(text), "edn", Auto)
		if _, err := r.ReadAll(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(benchOps())*b.N)/(cpuSeconds()-cpu), "ops/cpu-s")
	b.ReportMetric(float64(len(benchOps())*b.N)/b.Elapsed().Seconds(), "ops/s")
}

// Writing a million ops as EDN lines.
func BenchmarkWrite1MEDN(b *testing.B) {
	ops := benchOps()
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		w, _ := NewWriter(io.Discard, EDN)
		for _, op := range ops {
			w.Write(op)
		}
		w.Flush()
	}
	b.ReportMetric(float64(len(ops)*b.N)/(cpuSeconds()-cpu), "ops/cpu-s")
	b.ReportMetric(float64(len(ops)*b.N)/b.Elapsed().Seconds(), "ops/s")
}

// A peer for scale, in the same process: the standard library's
// encoding/json decoding the same JSON lines into generic maps (less than
// our readers do: no op checks, no positions, no lossless types).
func BenchmarkPeerEncodingJSON1M(b *testing.B) {
	text := benchText()["jsonl"]
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		d := json.NewDecoder(bytes.NewReader(text))
		for {
			var m map[string]any
			if err := d.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(benchOps())*b.N)/(cpuSeconds()-cpu), "ops/cpu-s")
	b.ReportMetric(float64(len(benchOps())*b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkReadFile reads the history file $FAULTLINE_BENCH_FILE with
// ReadFile (reading and pairing, as `faultline check` does), reporting MB
// per CPU-second beside the wall rate; run with -cpu 1,2 for the per-core
// and both-core figures. The files of issue 16 come from
// internal/cmd/genhistory (BENCHMARKS.md has the commands).
func BenchmarkReadFile(b *testing.B) {
	path := os.Getenv("FAULTLINE_BENCH_FILE")
	if path == "" {
		b.Skip("FAULTLINE_BENCH_FILE names no history file")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	cpu := cpuSeconds()
	for b.Loop() {
		if _, _, err := ReadFile(path, Auto); err != nil {
			b.Fatal(err)
		}
	}
	mb := float64(st.Size()) * float64(b.N) / 1e6
	b.ReportMetric(mb/(cpuSeconds()-cpu), "MB/cpu-s")
}
