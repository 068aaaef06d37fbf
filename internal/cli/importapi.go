package cli

import "path/filepath"

// Imported is what import-kratos makes of a Kratos config: the Caddyfile
// text and the environment variables its secrets are read from.
type Imported struct {
	// Caddyfile is the generated block (in a site block when a site was
	// given), exactly as `caddy ory-actions import-kratos` prints it.
	Caddyfile string
	// Secrets maps each environment variable the block reads to where its
	// value is in the Kratos config, e.g.
	// selfservice.flows.login.before.hooks[0].config.auth.config.password.
	Secrets map[string]string
	// Kept is the Kratos config to run with: the same without web_hooks.
	Kept []byte
}

// ImportKratos converts data (a kratos.yml or .json named source) as the
// import-kratos command does. The differential suite uses it to run its
// scenarios with the converted hooks, so the conversion is checked
// against Kratos's own behaviour rather than against expected text.
func ImportKratos(data []byte, source, site string) (Imported, error) {
	_, block, kept, err := importConfig(data, source, site)
	if err != nil {
		return Imported{}, err
	}
	secrets := make(map[string]string, len(block.secrets))
	for _, s := range block.secrets {
		secrets[s.name] = s.from
	}
	return Imported{Caddyfile: block.text, Secrets: secrets, Kept: kept}, nil
}

// importConfig parses a Kratos config and generates the block and the
// config to keep.
func importConfig(data []byte, source, site string) (*kratosConfig, importedBlock, []byte, error) {
	c, err := parseKratosConfig(data)
	if err != nil {
		return nil, importedBlock{}, nil, err
	}
	block := caddyfileBlock(c, filepath.Base(source), site, c.keptWarnings())
	kept, err := c.keptYAML()
	if err != nil {
		return nil, importedBlock{}, nil, err
	}
	return c, block, kept, nil
}
