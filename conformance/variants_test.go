package conformance

import (
	"fmt"
	"os"
	"sync"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// A Kratos variant is a configuration besides the base one (the setup the
// recorded exchanges were captured with) that some scenarios need, e.g.
// passwordless code sign-up. Both sides of such a scenario run it: the
// native side's Kratos has it plus the hooks, the gateway's Kratos has it
// without hooks.

const (
	variantPasswordless  = "passwordless"
	variantSecondFactors = "second_factors"
	variantLink          = "link"
	variantPasskey       = "passkey"
)

var (
	variantMu         sync.Mutex
	variantDir        string
	variantConfigures = map[string]func(cfg map[string]any){}
)

// variantConfigure returns the Configure function of a variant ("" is the
// base configuration: nil). Its files are written once: native sides start
// Kratoses in parallel, and a file rewritten while one reads it is torn.
func variantConfigure(variant string) (func(cfg map[string]any), error) {
	if variant == "" {
		return nil, nil
	}
	variantMu.Lock()
	defer variantMu.Unlock()
	if c, ok := variantConfigures[variant]; ok {
		return c, nil
	}
	if variantDir == "" {
		dir, err := os.MkdirTemp("", "conformance-variants-")
		if err != nil {
			return nil, err
		}
		variantDir = dir
	}
	var c func(cfg map[string]any)
	var err error
	switch variant {
	case variantPasswordless:
		c, err = kratostest.PasswordlessCode(variantDir)
	case variantSecondFactors:
		c = kratostest.SecondFactors
	case variantLink:
		c = kratostest.LinkMethod
	case variantPasskey:
		// One origin for both sides: Kratos compares clientDataJSON's
		// origin with its configured ones, not with where a request came
		// from, so one software authenticator signs for either.
		c, err = kratostest.Passkeys(variantDir, passkeyOrigin)
	case variantOIDC:
		// One OAuth2 client per Kratos: see oidcClient; the gateway
		// side's Kratos takes the environment's.
		if env == nil || env.oidcConfigure == nil {
			err = fmt.Errorf("the oidc variant's gateway client is not set up")
		} else {
			c = env.oidcConfigure
		}
	default:
		err = fmt.Errorf("unknown Kratos variant %q", variant)
	}
	if err != nil {
		return nil, err
	}
	variantConfigures[variant] = c
	return c, nil
}

// kratosFor returns the gateway side's Kratos of a variant, started on
// first use with the gateway as its public base URL.
func (e *suiteEnv) kratosFor(variant string) (*kratostest.Kratos, error) {
	if variant == "" {
		return e.kratos, nil
	}
	if k, ok := e.variants[variant]; ok {
		return k, nil
	}
	configure, err := variantConfigure(variant)
	if err != nil {
		return nil, err
	}
	k, err := kratostest.StartShared(kratostest.Options{PublicBaseURL: e.gatewayURL + "/", Configure: configure})
	if err != nil {
		return nil, err
	}
	if e.variants == nil {
		e.variants = map[string]*kratostest.Kratos{}
	}
	e.variants[variant] = k
	return k, nil
}

// stop ends every Kratos of the environment.
func (e *suiteEnv) stop() {
	e.kratos.Stop()
	for _, k := range e.variants {
		k.Stop()
	}
	if variantDir != "" {
		os.RemoveAll(variantDir)
	}
}
