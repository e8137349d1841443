package storetest

import (
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

func testProducts(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	MustEnv(t, s, "env2")
	p := &platform.Product{ID: "prod1", EnvID: "env1", Name: "Foto", OrderURL: "https://partner.example/orders", HMACEnabled: true, CreatedAt: at, UpdatedAt: at}
	if err := s.CreateProduct(ctx, p, audit("product.create")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CreateProduct(ctx, p, audit("x")), platform.ErrConflict)
	got, err := s.Product(ctx, "env1", "prod1")
	if err != nil || *got != *p {
		t.Fatalf("got %+v, %v; want %+v", got, err, p)
	}
	_, err = s.Product(ctx, "env2", "prod1")
	wantErr(t, err, platform.ErrNotFound)
	p.HMACEnabled, p.Name, p.UpdatedAt = false, "Foto 2", at.Add(time.Minute)
	if err := s.UpdateProduct(ctx, p, audit("product.update")); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Product(ctx, "env1", "prod1")
	if got.HMACEnabled || got.Name != "Foto 2" || !got.UpdatedAt.Equal(at.Add(time.Minute)) || !got.CreatedAt.Equal(at) {
		t.Errorf("after update: %+v", got)
	}
	wantErr(t, s.UpdateProduct(ctx, &platform.Product{ID: "prod1", EnvID: "env2"}, audit("x")), platform.ErrNotFound)
	list, _ := s.Products(ctx, "env1")
	other, _ := s.Products(ctx, "env2")
	if len(list) != 1 || len(other) != 0 {
		t.Errorf("lists: %d, %d", len(list), len(other))
	}
}

func testProductSecrets(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	_ = s.CreateProduct(ctx, &platform.Product{ID: "prod1", EnvID: "env1", Name: "P", OrderURL: "https://x", HMACEnabled: true, CreatedAt: at, UpdatedAt: at}, audit("x"))
	for i, id := range []string{"s1", "s2"} {
		ps := &platform.ProductSecret{ID: id, ProductID: "prod1", EnvID: "env1", Sealed: []byte("sealed-" + id),
			CreatedAt: at.Add(time.Duration(i) * time.Hour), ActiveFrom: at.Add(time.Duration(i)*time.Hour + 5*time.Minute)}
		if err := s.AddProductSecret(ctx, ps, audit("product.secret.create")); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.AddProductSecret(ctx, &platform.ProductSecret{ID: "s3", ProductID: "nope", EnvID: "env1", Sealed: []byte("x"), CreatedAt: at, ActiveFrom: at}, audit("x")), platform.ErrNotFound)
	wantErr(t, s.AddProductSecret(ctx, &platform.ProductSecret{ID: "s4", ProductID: "prod1", EnvID: "env2", Sealed: []byte("x"), CreatedAt: at, ActiveFrom: at}, audit("x")), platform.ErrNotFound)
	secrets, err := s.ProductSecrets(ctx, "env1", "prod1")
	if err != nil || len(secrets) != 2 || secrets[0].ID != "s2" || string(secrets[1].Sealed) != "sealed-s1" ||
		!secrets[0].ActiveFrom.Equal(at.Add(time.Hour+5*time.Minute)) {
		t.Fatalf("got %+v, %v", secrets, err)
	}
}

func testLaunches(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	for i, id := range []string{"c1", "c2", "c3"} {
		l := &platform.Launch{CorrelationID: id, EnvID: "env1", ProductID: "prod1", Kind: "launch", CreatedAt: at.Add(time.Duration(i) * time.Second),
			Orderdata: `{"hmacTimestamp":1,"currentUserName":"Bjørn"}`, Signature: "sig", Result: "created"}
		if i == 2 {
			l.Kind, l.Result, l.LatencyMS, l.ProductID = "test", "200", 12, "prod2"
		}
		if err := s.CreateLaunch(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.CreateLaunch(ctx, &platform.Launch{CorrelationID: "c1", EnvID: "env1", ProductID: "p", Kind: "launch", CreatedAt: at}), platform.ErrConflict)
	l, err := s.Launch(ctx, "c1")
	if err != nil || l.Orderdata != `{"hmacTimestamp":1,"currentUserName":"Bjørn"}` || !l.UsedAt.IsZero() {
		t.Fatalf("got %+v, %v", l, err)
	}
	if err := s.UseLaunch(ctx, "c1", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.UseLaunch(ctx, "c1", at.Add(time.Minute)), platform.ErrNotFound)
	wantErr(t, s.UseLaunch(ctx, "nope", at), platform.ErrNotFound)
	l, _ = s.Launch(ctx, "c1")
	if !l.UsedAt.Equal(at.Add(time.Minute)) || l.Result != "opened" {
		t.Errorf("after use: %+v", l)
	}
	all, _ := s.Launches(ctx, "env1", "", 10)
	if len(all) != 3 || all[0].CorrelationID != "c3" || all[0].LatencyMS != 12 {
		t.Errorf("all: %+v", all)
	}
	one, _ := s.Launches(ctx, "env1", "prod2", 10)
	if len(one) != 1 {
		t.Errorf("by product: %d", len(one))
	}
}
