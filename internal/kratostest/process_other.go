//go:build !unix

package kratostest

import "os/exec"

func prepareProcessGroup(*exec.Cmd) {}

func terminateProcessGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func killProcessGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
