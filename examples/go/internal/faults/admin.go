package faults

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// AdminHandler serves /admin/faults: GET lists, POST adds (a spec, an array, or
// {"faults": [...]}; start_s counts from now), DELETE clears. Replies are JSON.
func (r *Registry) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, map[string]any{"service": r.service, "now": time.Now(), "faults": r.List()})
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			specs, err := ParseSpecs(body)
			if err == nil && len(specs) == 0 {
				err = errEmpty
			}
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			added, err := r.Add(specs, time.Now())
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"service": r.service, "added": added})
		case http.MethodDelete:
			r.Clear()
			writeJSON(w, http.StatusOK, map[string]any{"service": r.service, "faults": []Active{}})
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		}
	})
}

type emptyError struct{}

func (emptyError) Error() string { return "no fault in body" }

var errEmpty = emptyError{}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
