package cli

// linearCheckModels lists the linear models of `faultline check`.
func linearCheckModels() []CheckModel { return nil }
