// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"encoding/json"
	"os"
	"testing"
)

// vectors are the known-answer values of testdata/vectors.json, copied
// from the project's shared vectors with their RFC sources named there.
type vectors struct {
	QPRule5 struct {
		Encoded string `json:"encoded"`
		Decoded string `json:"decoded"`
	} `json:"qp_rfc2045_rule5"`
	QPDerived []struct {
		Name     string `json:"name"`
		InputHex string `json:"input_hex"`
		GoStdlib string `json:"go_mime_quotedprintable"`
	} `json:"qp_derived_not_from_rfc"`
	Header []struct {
		Encoded string `json:"encoded"`
		Decoded string `json:"decoded"`
	} `json:"rfc2047_header_examples"`
	Adjacency []struct {
		Encoded     string `json:"encoded"`
		DisplayedAs string `json:"displayed_as"`
	} `json:"rfc2047_adjacency_examples"`
	Limits struct {
		Max         int `json:"max_line_octets_excl_crlf"`
		Recommended int `json:"recommended_max_excl_crlf"`
	} `json:"rfc5322_limits"`
	Folding struct {
		Unfolded string `json:"unfolded"`
		Folded   string `json:"folded"`
	} `json:"rfc5322_folding_2_2_3"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}
