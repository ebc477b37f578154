package cli

import "github.com/ruledex/ruledex/examples"

// The example rules embedded in this build, for serve and export with no
// catalog and no folder.
func init() { examplesFS = examples.FS }
