package session

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// IsTerminal reports whether the input is an interactive terminal.
func (s *Session) IsTerminal() bool {
	if s.terminal != nil {
		return s.terminal(s.In)
	}
	f, ok := s.In.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Confirm asks a yes/no question on a terminal. Without one it refuses with a usage
// error that names the flag that skips the question.
func (s *Session) Confirm(ctx context.Context, question, skipFlag string) (bool, error) {
	if !s.IsTerminal() {
		return false, Usagef("%s: the input is not a terminal, so nothing can confirm it; pass --%s", strings.TrimSuffix(question, "?"), skipFlag)
	}
	fmt.Fprintf(s.Err, "%s [y/N]: ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.Err)
		return false, ctx.Err()
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}
