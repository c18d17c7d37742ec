package segment_test

import (
	"fmt"

	"github.com/claimstance/stance/classifier/segment"
)

func ExampleSplit() {
	text := "China on Tuesday urged the U.S. and Britain to stop. " +
		"\"China is strongly dissatisfied.” The U.S. Government disagreed.\nRecent Stories"
	for _, s := range segment.Split(text) {
		fmt.Println(text[s.Start:s.End])
	}
	// Output:
	// China on Tuesday urged the U.S. and Britain to stop.
	// "China is strongly dissatisfied.”
	// The U.S. Government disagreed.
	// Recent Stories
}

func ExampleAppendSpans() {
	var spans []segment.Span
	for _, text := range []string{"Gen. Smith left. He said no.", "I live in the E.U. How about you?"} {
		spans = segment.AppendSpans(spans[:0], text) // reuses the slice: no allocation
		fmt.Println(len(spans), spans)
	}
	// Output:
	// 2 [{0 16} {17 28}]
	// 2 [{0 18} {19 33}]
}
