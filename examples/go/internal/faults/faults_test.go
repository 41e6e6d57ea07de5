package faults

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseSpecsAcceptsObjectArrayAndWrapper(t *testing.T) {
	for _, body := range []string{
		`{"dependency":"postgres","kind":"connection_refused","duration_s":5}`,
		`[{"dependency":"postgres","kind":"connection_refused","duration_s":5}]`,
		`{"faults":[{"dependency":"postgres","kind":"connection_refused","duration_s":5}]}`,
	} {
		specs, err := ParseSpecs([]byte(body))
		if err != nil || len(specs) != 1 || specs[0].Rate != 1 || specs[0].Kind != ConnectionRefused {
			t.Fatalf("%s: got %+v, %v", body, specs, err)
		}
	}
	if _, err := ParseSpecs([]byte(`{"kind":"panic","rat":1}`)); err == nil {
		t.Fatal("an unknown field must be rejected")
	}
}

func TestDecideAppliesOnlyActiveMatchingFaults(t *testing.T) {
	r := NewRegistry("payments")
	now := time.Now()
	if _, err := r.Add([]Spec{
		{Dependency: "postgres", Kind: Timeout, Rate: 1, LatencyMs: 5, DurationS: 60},
		{Kind: Panic, Rate: 1, StartS: 60, DurationS: 10}, // not yet active
	}, now); err != nil {
		t.Fatal(err)
	}
	if got := r.Decide("postgres"); got.Kind != Timeout || got.Latency != 5*time.Millisecond {
		t.Fatalf("postgres call: got %+v", got)
	}
	if got := r.Decide(""); got.Kind != "" || got.Latency != 0 {
		t.Fatalf("own handling before the panic fault starts: got %+v", got)
	}
	if got := r.Decide("redis"); got.Kind != "" {
		t.Fatalf("another dependency: got %+v", got)
	}
}

func TestRateIsTheShareOfHits(t *testing.T) {
	r := NewRegistry("checkout")
	if _, err := r.Add([]Spec{{Kind: Panic, Rate: 0.3}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	hits := 0
	for range 10000 {
		if r.Decide("").Kind == Panic {
			hits++
		}
	}
	if hits < 2700 || hits > 3300 {
		t.Fatalf("rate 0.3 hit %d of 10000", hits)
	}
}

func TestAdminEndpointValidatesAndLists(t *testing.T) {
	r := NewRegistry("checkout")
	h := r.AdminHandler()
	post := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/admin/faults", strings.NewReader(body)))
		return w
	}
	if w := post(`{"service":"payments","kind":"panic"}`); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `this is \"checkout\"`) {
		t.Fatalf("wrong service: %d %s", w.Code, w.Body)
	}
	if w := post(`{"kind":"oom"}`); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "unknown fault kind") {
		t.Fatalf("unknown kind: %d %s", w.Code, w.Body)
	}
	if w := post(`{"kind":"panic","rate":0.5,"duration_s":30}`); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"until"`) {
		t.Fatalf("valid fault: %d %s", w.Code, w.Body)
	}
	if got := len(r.List()); got != 1 {
		t.Fatalf("listed %d faults", got)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/admin/faults", nil))
	if len(r.List()) != 0 {
		t.Fatal("DELETE must clear the faults")
	}
}
