package flow

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

// Process is a server or command started by the flow.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	// Log is the file holding its output.
	Log  string
	done chan struct{}
	err  error
}

// Spawn starts bin with its output in logPath (and also in tee, if given). Unless detach
// is set, the process dies with this one (Linux's parent-death signal); a detached one
// runs in a session of its own and outlives this process, as the demo's servers do.
func Spawn(name, bin string, args, env []string, logPath string, detach bool, tee io.Writer) (*Process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	p := &Process{Name: name, Log: logPath, done: make(chan struct{})}
	p.Cmd = exec.Command(bin, args...)
	p.Cmd.Env = env
	var out io.Writer = logFile
	if tee != nil {
		out = io.MultiWriter(logFile, tee)
	}
	p.Cmd.Stdout, p.Cmd.Stderr = out, out
	if detach {
		testserver.Detach(p.Cmd)
		p.Cmd.Stdin = nil
	} else {
		testserver.DieWithParent(p.Cmd)
	}
	err = testserver.Start(p.Cmd, func(err error) {
		p.err = err
		logFile.Close()
		close(p.done)
	})
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.Cmd.Process.Pid }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits until the process exits and returns its exit code (-1 if it did not exit
// normally) and how it ended.
func (p *Process) Wait() (int, error) {
	<-p.done
	if p.Cmd.ProcessState == nil {
		return -1, p.err
	}
	return p.Cmd.ProcessState.ExitCode(), p.err
}

// Stop asks the process to end (SIGTERM) and kills it if it has not within grace.
func (p *Process) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = p.Cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}
