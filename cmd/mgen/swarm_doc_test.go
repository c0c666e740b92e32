package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestScaleOutDoc checks the manifests of docs/scale-out.md: every YAML
// block parses (block mappings and sequences, block scalars, flow lists:
// the subset the page uses, with duplicate keys, tabs and stray
// indentation rejected); the Indexed Job's completions and the matrix's
// shard list match the -shard flags of their mgen commands; and every mgen
// command on the page parses with mgen's own flags.
func TestScaleOutDoc(t *testing.T) {
	clearOptionsEnv(t)
	data, err := os.ReadFile(filepath.Join(repoRoot(), "docs", "scale-out.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) != 3 {
		t.Fatalf("want 3 YAML blocks (swarm job, report job, workflow), got %d", len(blocks))
	}
	var docs []any
	for i, b := range blocks {
		for _, part := range regexp.MustCompile(`(?m)^---\n`).Split(b[1], -1) {
			v, err := parseYAML(part)
			if err != nil {
				t.Fatalf("YAML block %d: %v", i+1, err)
			}
			docs = append(docs, v)
		}
	}

	// Every mgen command of the page parses.
	placeholders := strings.NewReplacer(
		"${JOB_COMPLETION_INDEX}", "0", "${SHARDS}", "8", "${{ matrix.shard }}", "0",
		"$(( ${{ github.run_number }} * 1000000 ))", "1000000", `"$out"`, "out.jsonl")
	commands := 0
	for _, line := range strings.Split(string(data), "\n") {
		_, cmd, ok := strings.Cut(line, "mgen test ")
		if !ok || strings.Contains(line, "`") {
			continue
		}
		cmd, _, _ = strings.Cut(cmd, " || ")
		args := strings.Fields(placeholders.Replace(cmd))
		for i, a := range args {
			args[i] = strings.Trim(a, `"`)
		}
		ours, _ := splitDashDash(args)
		var tf testFlags
		fs := testFlagSet(&tf)
		if err := fs.Parse(ours); err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		opts, err := resolveOptions(tf)
		if err == nil {
			_, err = opts.seeds(tf)
		}
		if err != nil {
			t.Errorf("%s: %v", line, err)
		}
		if _, err := parseShard(tf.shard); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		commands++
	}
	if commands < 4 {
		t.Errorf("found %d mgen test commands on the page, want at least 4", commands)
	}

	// The Indexed Job runs as many shards as its -shard flag says.
	job := findDoc(t, docs, "Job", "marionette-swarm")
	spec := get(t, job, "spec").(map[string]any)
	if spec["completionMode"] != "Indexed" || spec["completions"] != spec["parallelism"] {
		t.Errorf("swarm job spec: %v", spec)
	}
	c := get(t, job, "spec", "template", "spec", "containers").([]any)[0]
	var shards string
	for _, e := range get(t, c, "env").([]any) {
		if m := e.(map[string]any); m["name"] == "SHARDS" {
			shards = m["value"].(string)
		}
	}
	script := get(t, c, "args").([]any)[0].(string)
	if shards != spec["completions"] || !strings.Contains(script, `-shard "${JOB_COMPLETION_INDEX}/${SHARDS}"`) || !strings.Contains(script, "-json") {
		t.Errorf("SHARDS=%s, completions=%v, script:\n%s", shards, spec["completions"], script)
	}
	report := findDoc(t, docs, "Job", "marionette-report")
	if args := get(t, report, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["args"]; !strings.Contains(fmt.Sprint(args), "mgen report /results/shard-*.jsonl") {
		t.Errorf("report job args: %v", args)
	}

	// The matrix lists shards 0..n-1 of -shard i/n, and the report job
	// merges them even when a shard failed.
	var wf map[string]any
	for _, d := range docs {
		if m, ok := d.(map[string]any); ok && m["name"] == "swarm" {
			wf = m
		}
	}
	if wf == nil {
		t.Fatal("no workflow named swarm")
	}
	matrix := get(t, wf, "jobs", "shard", "strategy", "matrix", "shard").([]any)
	var steps []string
	for _, s := range get(t, wf, "jobs", "shard", "steps").([]any) {
		if r, ok := s.(map[string]any)["run"]; ok {
			steps = append(steps, r.(string))
		}
	}
	want := fmt.Sprintf("-shard ${{ matrix.shard }}/%d ", len(matrix))
	for i, v := range matrix {
		if v != strconv.Itoa(i) {
			t.Errorf("matrix shard %d is %v", i, v)
		}
	}
	if !strings.Contains(strings.Join(steps, "\n"), want) {
		t.Errorf("the shard step lacks %q:\n%s", want, strings.Join(steps, "\n"))
	}
	rep := get(t, wf, "jobs", "report").(map[string]any)
	if rep["needs"] != "shard" || rep["if"] != "always()" || !strings.Contains(fmt.Sprint(rep["steps"]), "mgen report shard-*.jsonl") {
		t.Errorf("report job: %v", rep)
	}
}

func findDoc(t *testing.T, docs []any, kind, name string) any {
	t.Helper()
	for _, d := range docs {
		m, ok := d.(map[string]any)
		if ok && m["kind"] == kind && fmt.Sprint(get(t, d, "metadata", "name")) == name {
			return d
		}
	}
	t.Fatalf("no %s named %s", kind, name)
	return nil
}

// get walks mapping keys.
func get(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%q: not a mapping: %v", k, v)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("no key %q in %v", k, m)
		}
	}
	return v
}

func TestParseYAML(t *testing.T) {
	v, err := parseYAML(`# comment
a: 1
b:
  - x
  - k: v
    l: "q: r" # trailing
  -
    - nested
c: [0, 1, "two"]
d: {}
e: |
  line one
    indented
  line three
f:
g: 'it''s'
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": "1",
		"b": []any{"x", map[string]any{"k": "v", "l": "q: r"}, []any{"nested"}},
		"c": []any{"0", "1", "two"},
		"d": map[string]any{},
		"e": "line one\n  indented\nline three\n",
		"f": nil,
		"g": "it's",
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v\nwant %#v", v, want)
	}
	for _, bad := range []string{"a: 1\na: 2\n", "a:\n\t- x\n", "a:\n  b: 1\n c: 2\n", "a: [1, 2\n", "- x\ny: 1\n"} {
		if _, err := parseYAML(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// parseYAML parses the YAML subset of our documentation into maps
// (map[string]any), sequences ([]any) and strings (nil for an empty value).
// It is not a YAML parser; it is strict about what it accepts so the
// documentation's manifests stay valid for real ones.
func parseYAML(src string) (any, error) {
	p := &yamlParser{}
	for n, raw := range strings.Split(src, "\n") {
		ind := len(raw) - len(strings.TrimLeft(raw, " "))
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			p.lines = append(p.lines, yamlLine{n: n + 1, ind: ind, blank: true, raw: raw})
			continue
		}
		if strings.HasPrefix(raw[ind:], "\t") {
			return nil, fmt.Errorf("line %d: tab in indentation", n+1)
		}
		p.lines = append(p.lines, yamlLine{n: n + 1, ind: ind, text: stripComment(raw[ind:]), raw: raw})
	}
	p.skipBlank()
	if p.i >= len(p.lines) {
		return nil, nil
	}
	v, err := p.node(p.lines[p.i].ind)
	if err != nil {
		return nil, err
	}
	p.skipBlank()
	if p.i < len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].n)
	}
	return v, nil
}

type yamlLine struct {
	n     int
	ind   int
	text  string
	raw   string
	blank bool
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

func (p *yamlParser) skipBlank() {
	for p.i < len(p.lines) && p.lines[p.i].blank {
		p.i++
	}
}

// node parses the block starting at the current line, at indentation ind.
func (p *yamlParser) node(ind int) (any, error) {
	l := p.lines[p.i]
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return p.seq(ind)
	}
	return p.mapping(ind)
}

func (p *yamlParser) seq(ind int) (any, error) {
	out := []any{}
	for p.skipBlank(); p.i < len(p.lines) && p.lines[p.i].ind == ind; p.skipBlank() {
		l := p.lines[p.i]
		if l.text != "-" && !strings.HasPrefix(l.text, "- ") {
			return nil, fmt.Errorf("line %d: a mapping key inside a sequence", l.n)
		}
		rest := strings.TrimSpace(strings.TrimPrefix(l.text, "-"))
		if rest == "" {
			p.i++
			p.skipBlank()
			if p.i >= len(p.lines) || p.lines[p.i].ind <= ind {
				out = append(out, nil)
				continue
			}
			v, err := p.node(p.lines[p.i].ind)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		// "- key: value" starts a mapping indented past the dash.
		if rest == "|" || rest == "|-" || rest == ">" || rest == ">-" {
			p.i++
			out = append(out, p.blockScalar(ind, rest))
			continue
		}
		child := ind + len(l.text) - len(rest)
		if k, _, ok := splitKey(rest); ok && k != "" {
			p.lines[p.i] = yamlLine{n: l.n, ind: child, text: rest, raw: l.raw}
			v, err := p.mapping(child)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		v, err := scalar(rest, l.n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.i++
	}
	return out, nil
}

func (p *yamlParser) mapping(ind int) (any, error) {
	out := map[string]any{}
	for p.skipBlank(); p.i < len(p.lines) && p.lines[p.i].ind == ind; p.skipBlank() {
		l := p.lines[p.i]
		k, v, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value, got %q", l.n, l.text)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("line %d: key %q twice", l.n, k)
		}
		p.i++
		switch {
		case v == "|" || v == "|-" || v == ">" || v == ">-":
			out[k] = p.blockScalar(ind, v)
		case v != "":
			s, err := scalar(v, l.n)
			if err != nil {
				return nil, err
			}
			out[k] = s
		default:
			p.skipBlank()
			if p.i < len(p.lines) && (p.lines[p.i].ind > ind ||
				p.lines[p.i].ind == ind && (p.lines[p.i].text == "-" || strings.HasPrefix(p.lines[p.i].text, "- "))) {
				child, err := p.node(p.lines[p.i].ind)
				if err != nil {
					return nil, err
				}
				out[k] = child
			} else {
				out[k] = nil
			}
		}
	}
	if p.i < len(p.lines) && p.lines[p.i].ind > ind {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].n)
	}
	return out, nil
}

// blockScalar reads the lines indented past ind as text.
func (p *yamlParser) blockScalar(ind int, style string) string {
	var lines []string
	min := -1
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		empty := strings.TrimSpace(l.raw) == ""
		if !empty && l.ind <= ind {
			break
		}
		if empty {
			lines = append(lines, "")
			continue
		}
		if ri := len(l.raw) - len(strings.TrimLeft(l.raw, " ")); min < 0 || ri < min {
			min = ri
		}
		lines = append(lines, l.raw)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if len(l) >= min {
			lines[i] = l[min:]
		}
	}
	sep := "\n"
	if strings.HasPrefix(style, ">") {
		sep = " "
	}
	s := strings.Join(lines, sep)
	if !strings.HasSuffix(style, "-") {
		s += "\n"
	}
	return s
}

// splitKey splits "key: value" (or "key:") outside quotes.
func splitKey(s string) (key, value string, ok bool) {
	inQ := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ != 0:
			if c == inQ {
				inQ = 0
			}
		case c == '"' || c == '\'':
			if i == 0 {
				inQ = c
			}
		case c == '[' || c == '{':
			if i == 0 {
				return "", "", false
			}
		case c == ':' && (i+1 == len(s) || s[i+1] == ' '):
			return strings.Trim(s[:i], `"'`), strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", "", false
}

// stripComment removes a " #" comment outside quotes.
func stripComment(s string) string {
	inQ := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ != 0:
			if c == inQ {
				inQ = 0
			}
		case c == '"' || c == '\'':
			inQ = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return strings.TrimRight(s[:i], " ")
		}
	}
	return strings.TrimRight(s, " ")
}

// scalar parses a flow value: a quoted string, a flow list or empty
// mapping, or a plain scalar.
func scalar(s string, n int) (any, error) {
	switch {
	case strings.HasPrefix(s, "["):
		if !strings.HasSuffix(s, "]") {
			return nil, fmt.Errorf("line %d: unclosed flow sequence", n)
		}
		out := []any{}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		if inner == "" {
			return out, nil
		}
		for _, part := range strings.Split(inner, ",") {
			v, err := scalar(strings.TrimSpace(part), n)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case strings.HasPrefix(s, "{"):
		if s != "{}" {
			return nil, fmt.Errorf("line %d: only empty flow mappings are supported", n)
		}
		return map[string]any{}, nil
	case strings.HasPrefix(s, `"`):
		v, err := strconv.Unquote(s)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad double-quoted string %s", n, s)
		}
		return v, nil
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("line %d: bad single-quoted string %s", n, s)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	return s, nil
}
