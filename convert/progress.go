package convert

import (
	"log/slog"
	"sync"
	"time"
)

// progress counts what Apply has done and reports it, one call at a time.
type progress struct {
	mu     sync.Mutex
	p      Progress
	report func(Progress)
}

func newProgress(plan *Plan, report func(Progress)) *progress {
	return &progress{
		p:      Progress{TotalFiles: len(plan.Copies) + len(plan.Files), TotalBytes: plan.Bytes()},
		report: report,
	}
}

func (p *progress) done(bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.p.Files++
	p.p.Bytes += bytes
	if p.report != nil {
		p.report(p.p)
	}
}

// LogProgress returns an Options.Progress that logs to log at most once per every
// (and always the last report, when all files are done).
func LogProgress(log *slog.Logger, every time.Duration) func(Progress) {
	var last time.Time
	return func(p Progress) {
		now := time.Now()
		if p.Files < p.TotalFiles && now.Sub(last) < every {
			return
		}
		last = now
		log.Info("converting", "files", p.Files, "total_files", p.TotalFiles,
			"mib", p.Bytes>>20, "total_mib", p.TotalBytes>>20)
	}
}
