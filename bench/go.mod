module github.com/faultline/faultline/bench

go 1.26.8

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/faultline/faultline v0.0.0
)

replace github.com/faultline/faultline => ../
