module example.com/stdsync

go 1.26.0

require github.com/marionette-dst/marionette v0.0.0

replace github.com/marionette-dst/marionette => ../..
