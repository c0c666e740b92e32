// This file defines path resolution on the volatile image, with Linux's
// rules: components are looked up one at a time from the root or the
// working directory, "." and ".." are resolved against the directories
// actually walked (never lexically), symbolic links are followed (at most
// 40), a component longer than 255 bytes or a path of 4096 bytes or more is
// ENAMETOOLONG, a non-directory used as a directory is ENOTDIR.

package disk

import (
	"strings"
	"syscall"
)

const (
	maxSymlinks = 40
	nameMax     = 255
	pathMax     = 4096
)

// found is the result of a lookup.
type found struct {
	dir   *inode   // directory holding the final component (the node itself for "/")
	name  string   // final component; "" when the path ends in ".", ".." or is "/"
	node  *inode   // the final inode, nil if it does not exist
	dot   bool     // the final component was ".", ".." or the root
	slash bool     // the path ended in '/'
	stack []*inode // directories walked from the root to dir
}

func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, c := range parts {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// cwdStack resolves the working directory.
func (d *Disk) cwdStack(cwd string) ([]*inode, syscall.Errno) {
	root := d.vol.inodes[rootIno]
	if cwd == "" || cwd == "/" {
		return []*inode{root}, 0
	}
	links := 0
	f, e := d.walk([]*inode{root}, splitPath(cwd), false, true, &links)
	if e != 0 {
		return nil, e
	}
	if f.node == nil {
		return nil, syscall.ENOENT
	}
	if f.node.kind != kDir {
		return nil, syscall.ENOTDIR
	}
	if f.dot {
		return f.stack, 0
	}
	return append(f.stack, f.node), 0
}

// lookup resolves p relative to cwd. follow says whether a symbolic link in
// the final component is followed (a trailing slash always follows).
func (d *Disk) lookup(cwd, p string, follow bool) (found, syscall.Errno) {
	if p == "" {
		return found{}, syscall.ENOENT
	}
	if len(p) >= pathMax {
		return found{}, syscall.ENAMETOOLONG
	}
	var stack []*inode
	if p[0] == '/' {
		stack = []*inode{d.vol.inodes[rootIno]}
	} else {
		st, e := d.cwdStack(cwd)
		if e != 0 {
			return found{}, e
		}
		stack = st
	}
	links := 0
	return d.walk(stack, splitPath(p), strings.HasSuffix(p, "/"), follow, &links)
}

func (d *Disk) walk(stack []*inode, comps []string, slash, follow bool, links *int) (found, syscall.Errno) {
	stack = append([]*inode(nil), stack...)
	atDot := func() found {
		top := stack[len(stack)-1]
		dir := top
		st := stack
		if len(stack) > 1 {
			dir = stack[len(stack)-2]
			st = stack[:len(stack)-1]
		}
		return found{dir: dir, node: top, dot: true, slash: slash, stack: st}
	}
	if len(comps) == 0 {
		return atDot(), 0
	}
	for i, c := range comps {
		cur := stack[len(stack)-1]
		last := i == len(comps)-1
		if len(c) > nameMax {
			return found{}, syscall.ENAMETOOLONG
		}
		if cur.kind != kDir {
			return found{}, syscall.ENOTDIR
		}
		switch c {
		case ".":
			if last {
				return atDot(), 0
			}
			continue
		case "..":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			if last {
				return atDot(), 0
			}
			continue
		}
		ino, ok := cur.ents[c]
		if !ok {
			if last {
				return found{dir: cur, name: c, slash: slash, stack: stack}, 0
			}
			return found{}, syscall.ENOENT
		}
		n := d.vol.inodes[ino]
		if n.kind == kSymlink && (!last || follow || slash) {
			*links++
			if *links > maxSymlinks {
				return found{}, syscall.ELOOP
			}
			if n.target == "" {
				return found{}, syscall.ENOENT
			}
			st := stack
			if n.target[0] == '/' {
				st = []*inode{d.vol.inodes[rootIno]}
			}
			rest := append(splitPath(n.target), comps[i+1:]...)
			s := slash
			if last && strings.HasSuffix(n.target, "/") {
				s = true
			}
			return d.walk(st, rest, s, follow, links)
		}
		if last {
			if slash && n.kind != kDir {
				return found{}, syscall.ENOTDIR
			}
			return found{dir: cur, name: c, node: n, slash: slash, stack: stack}, 0
		}
		if n.kind != kDir {
			return found{}, syscall.ENOTDIR
		}
		stack = append(stack, n)
	}
	panic("unreachable")
}

// absPath joins a relative path to cwd, lexically (for fault scopes and
// reports, not for resolution).
func absPath(cwd, p string) string {
	if p == "" || p[0] != '/' {
		if cwd == "" {
			cwd = "/"
		}
		p = cwd + "/" + p
	}
	return cleanPath(p)
}

// cleanPath is path.Clean for absolute paths.
func cleanPath(p string) string {
	var out []string
	for _, c := range splitPath(p) {
		switch c {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, c)
		}
	}
	return "/" + strings.Join(out, "/")
}
