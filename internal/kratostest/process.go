package kratostest

import (
	"os/exec"
	"time"
)

// stopGrace is how long Kratos may take to shut down after SIGTERM before it
// is killed.
const stopGrace = 5 * time.Second

// process is a started Kratos and the means to stop it and its children
// (Kratos runs Jsonnet in child worker processes).
type process struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been waited for
	waitErr error         // set before exited is closed
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	prepareProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop terminates the process gracefully, then forcibly, and waits for it.
// It is safe to call more than once.
func (p *process) stop() {
	select {
	case <-p.exited:
		killProcessGroup(p.cmd) // reap any orphaned Jsonnet workers
		return
	default:
	}
	terminateProcessGroup(p.cmd)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		killProcessGroup(p.cmd)
		<-p.exited
	}
	killProcessGroup(p.cmd)
}
