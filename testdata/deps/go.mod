module example.com/app

go 1.26.0

require (
	example.com/dep v0.0.0
	github.com/marionette-dst/marionette v0.0.0
)

replace (
	example.com/dep => ./dep
	github.com/marionette-dst/marionette => ../..
)
