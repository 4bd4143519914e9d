package cli

// elleCheckModels lists the elle models of `faultline check`.
func elleCheckModels() []CheckModel { return nil }
