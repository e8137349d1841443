package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/seal"
)

// ResealReport says what a reseal found and did.
type ResealReport struct {
	// Checked counts the sealed values read; Resealed those rewritten under
	// the first master key (or, with check only, those that need it).
	Checked, Resealed int
	// Unopenable counts values that no configured key opens: they are left
	// as they are, and the reseal fails.
	Unopenable int
	// Raced counts values an instance changed between their read and their
	// rewrite; another pass read them again.
	Raced int
}

// resealPage is how many values a reseal reads at a time.
const resealPage = 500

// Reseal rewrites every value sealed under an older master key under the
// first one (issue 12: the master key rotates). It runs online, next to
// serving instances: each value is swapped only if its row still holds what
// was read; when some instance changed a row meanwhile, another pass reads
// everything again. It is idempotent: a second run rewrites nothing. With
// checkOnly it writes nothing and counts what it would rewrite.
func Reseal(ctx context.Context, store platform.Store, sealer *seal.Sealer, checkOnly bool) (ResealReport, error) {
	var rep ResealReport
	if err := resealMasterCheck(ctx, store, sealer, checkOnly, &rep); err != nil {
		return rep, err
	}
	base := rep.Checked // the master check
	for pass := 0; ; pass++ {
		p := resealPass{store: store, sealer: sealer, checkOnly: checkOnly}
		for _, kind := range platform.SealedKinds {
			if err := p.kind(ctx, kind); err != nil {
				return rep, err
			}
		}
		rep.Checked, rep.Resealed, rep.Unopenable = base+p.checked, rep.Resealed+p.resealed, p.unopenable
		rep.Raced += p.raced
		if p.raced == 0 {
			break
		}
		if pass == 4 {
			return rep, fmt.Errorf("%d sealed values kept changing during the reseal; run it again", p.raced)
		}
	}
	if rep.Unopenable > 0 {
		return rep, fmt.Errorf("%d sealed values open under none of the configured master keys; they were left as they are", rep.Unopenable)
	}
	return rep, nil
}

// resealPass is one walk over every sealed value.
type resealPass struct {
	store     platform.Store
	sealer    *seal.Sealer
	checkOnly bool

	checked, resealed, unopenable int
	raced                         int // rows changed by someone else between read and write
}

// kind walks one kind of sealed value in pages.
func (p *resealPass) kind(ctx context.Context, kind string) error {
	var after []string
	for {
		page, err := p.store.SealedValues(ctx, kind, after, resealPage)
		if err != nil {
			return fmt.Errorf("read %s values: %w", kind, err)
		}
		for _, v := range page {
			if err := p.value(ctx, v); err != nil {
				return err
			}
		}
		if len(page) < resealPage {
			return nil
		}
		after = page[len(page)-1].Key
	}
}

// value rewrites one value if an older key sealed it.
func (p *resealPass) value(ctx context.Context, v platform.SealedValue) error {
	p.checked++
	out, changed, err := p.sealer.Reseal(v.Sealed, v.Context())
	switch {
	case errors.Is(err, seal.ErrOpen):
		p.unopenable++
		return nil
	case err != nil || !changed:
		return err
	case p.checkOnly:
		p.resealed++
		return nil
	}
	ok, err := p.store.ReplaceSealed(ctx, v, out)
	if err != nil {
		return fmt.Errorf("reseal a %s value: %w", v.Kind, err)
	}
	if ok {
		p.resealed++
	} else {
		p.raced++
	}
	return nil
}

// resealMasterCheck reseals the start-up check value (a setting).
func resealMasterCheck(ctx context.Context, store platform.Store, sealer *seal.Sealer, checkOnly bool, rep *ResealReport) error {
	sealed, err := store.Setting(ctx, settingMasterCheck)
	if errors.Is(err, platform.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rep.Checked++
	out, changed, err := sealer.Reseal(sealed, settingMasterCheck)
	if err != nil {
		return errors.New("the configured master keys do not open this database's secrets: list the key it was sealed with after the new one")
	}
	if !changed {
		return nil
	}
	rep.Resealed++
	if checkOnly {
		return nil
	}
	return store.SetSetting(ctx, settingMasterCheck, out, platform.AuditEntry{Actor: "system", Action: "master_key.reseal"})
}
