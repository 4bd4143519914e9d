package cli

// classicCheckModels lists the classic models of `faultline check`.
func classicCheckModels() []CheckModel { return nil }
