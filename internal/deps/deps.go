package main
import (_ "golang.org/x/tools/go/packages"; _ "golang.org/x/tools/go/ast/astutil"; _ "github.com/dave/jennifer/jen"; _ "golang.org/x/tools/txtar"; _ "golang.org/x/tools/go/types/typeutil")
func main(){}
