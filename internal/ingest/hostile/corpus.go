package hostile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Corpus writes n good Sigma rules under dir, in folders of a hundred, each
// with its own title, id and values, and a LICENSE (dir is one repository).
// It stands in for a real corpus where none is at hand.
func Corpus(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "LICENSE"), []byte("Test data.\n"), 0o644); err != nil {
		return err
	}
	images := []string{"cmd.exe", "powershell.exe", "rundll32.exe", "regsvr32.exe", "mshta.exe", "certutil.exe", "bitsadmin.exe", "wmic.exe"}
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("group_%03d", i/100), fmt.Sprintf("rule_%05d.yml", i))
		if i%100 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
		}
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		img := fmt.Sprintf("%s_%d", images[i%len(images)], i)
		if err := os.WriteFile(p, []byte(sigmaRule(fmt.Sprintf("Generated Rule %d", i), id, img)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Rule returns a good Sigma rule with this title, id (a UUID) and process
// image.
func Rule(title, id, image string) string { return sigmaRule(title, id, image) }
