// This file defines the driver of a simulated binary: the generated copy of
// a main package has its func main renamed (globals.go), and a generated
// zz_mgen_main.go whose main runs the program as the nodes of a simulated
// cluster (runtime/simmain), optionally with a workload package the user
// names (mgen build -workload):
//
//	func main() {
//		simmain.Main(simmain.Program{Path: "example.com/m/cmd/kv", Main: mrtgMain,
//			Workload: workload.Workload, WorkloadPath: "example.com/m/workload"})
//	}
//
// A workload package exports func Workload(w *runtime.World) or
// func Workload(w *runtime.World) error.

package rewrite

import (
	"bytes"
	"fmt"
	"go/types"
	"path/filepath"
	"strings"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/go/packages"
)

// resolveWorkload finds the workload package among the roots: pattern is an
// import path, or a directory relative to dir ("./workload"). It returns its
// import path and whether Workload returns an error.
func resolveWorkload(dir, pattern string, roots []*packages.Package) (string, bool, error) {
	var wl *packages.Package
	abs := ""
	if strings.HasPrefix(pattern, "./") || strings.HasPrefix(pattern, "../") || filepath.IsAbs(pattern) || pattern == "." {
		abs = filepath.Clean(filepath.Join(dir, pattern))
		if filepath.IsAbs(pattern) {
			abs = filepath.Clean(pattern)
		}
	}
	for _, p := range roots {
		if strings.Contains(p.ID, " ") || strings.HasSuffix(p.PkgPath, "_test") || strings.HasSuffix(p.ID, ".test") {
			continue
		}
		if p.PkgPath == pattern || abs != "" && pkgDir(p) == abs {
			wl = p
			break
		}
	}
	if wl == nil {
		return "", false, fmt.Errorf("workload package %s was not loaded", pattern)
	}
	if wl.Types == nil {
		return "", false, fmt.Errorf("workload package %s has no type information", wl.PkgPath)
	}
	fn, ok := wl.Types.Scope().Lookup("Workload").(*types.Func)
	want := "func Workload(w *runtime.World) or func Workload(w *runtime.World) error"
	if !ok {
		return "", false, fmt.Errorf("workload package %s does not declare %s", wl.PkgPath, want)
	}
	sig := fn.Type().(*types.Signature)
	if sig.TypeParams() != nil || sig.Params().Len() != 1 || !isWorldPtr(sig.Params().At(0).Type()) || sig.Results().Len() > 1 {
		return "", false, fmt.Errorf("%s: Workload has type %s; want %s", wl.PkgPath, sig, want)
	}
	returnsErr := false
	if sig.Results().Len() == 1 {
		if !types.Identical(sig.Results().At(0).Type(), types.Universe.Lookup("error").Type()) {
			return "", false, fmt.Errorf("%s: Workload has type %s; want %s", wl.PkgPath, sig, want)
		}
		returnsErr = true
	}
	return wl.PkgPath, returnsErr, nil
}

func isWorldPtr(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == runtimePath && n.Obj().Name() == "World"
}

// workloadSimPath is the generated import path of the workload package.
func (g *generator) workloadSimPath(gp *globalsPlan) string {
	if gp.workload == "" {
		return ""
	}
	if pg := g.byPath[gp.workload]; pg != nil {
		return pg.simPath
	}
	return gp.workload
}

// renderDriver writes zz_mgen_main.go for main package pg.
func renderDriver(gp *globalsPlan, hdr string, pg *pkgGen, workloadSim string, scopes []*types.Scope) ([]byte, error) {
	f := jen.NewFile("main")
	f.HeaderComment(hdr)
	f.ImportAlias(simmainPath, freeAlias(scopes, "simmain"))
	fields := jen.Dict{
		jen.Id("Path"): jen.Lit(pg.path),
		jen.Id("Main"): jen.Id(gp.mainName()),
	}
	if workloadSim != "" {
		f.ImportAlias(workloadSim, freeAlias(scopes, "workload"))
		fields[jen.Id("WorkloadPath")] = jen.Lit(gp.workload)
		if gp.workloadErrors {
			fields[jen.Id("Workload")] = jen.Qual(workloadSim, "Workload")
		} else {
			f.ImportAlias(runtimePath, freeAlias(scopes, "mrt"))
			fields[jen.Id("Workload")] = jen.Func().Params(jen.Id("w").Op("*").Qual(runtimePath, "World")).Error().Block(
				jen.Qual(workloadSim, "Workload").Call(jen.Id("w")),
				jen.Return(jen.Nil()),
			)
		}
	}
	f.Comment("main runs the program as the nodes of a simulated cluster; run it with -h.")
	f.Func().Id("main").Params().Block(
		jen.Qual(simmainPath, "Main").Call(jen.Qual(simmainPath, "Program").Values(fields)),
	)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
