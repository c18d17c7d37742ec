package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/claimstance/stance/models"
)

func runTokenize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON Lines ({\"token\", \"id\", \"start\", \"end\"}) instead of a table")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	text, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	tok, err := models.Tokenizer()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, t := range tok.Tokenize(string(text)) {
		piece := tok.Piece(t.ID)
		if *asJSON {
			if err := enc.Encode(map[string]any{"token": piece, "id": t.ID, "start": t.Start, "end": t.End}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%-16s %6d %6d-%-6d %s\n", piece, t.ID, t.Start, t.End, strconv.Quote(string(text[t.Start:t.End])))
	}
	return nil
}
