// Package segment splits news text into sentences.
//
// [Split] and [AppendSpans] return each sentence as a [Span] of byte offsets
// into the text, so callers slice the original string and nothing is copied.
// The rules are tuned for news reporting on state-linked cyber operations and
// are deterministic, table-driven and linear in the length of the text.
//
// # Boundaries
//
// A sentence ends at a full stop, question mark, exclamation mark or ellipsis
// followed by white space and a word that does not start with a lower-case
// letter. Closing quotes and brackets after the mark ("…maneuvering.”",
// "…engineer.)") stay with the sentence. A mark followed directly by another
// character ("3.5%", "Jane.Doe@example.com", "Jr.'s", "U.S.-China") never ends
// a sentence.
//
// Line breaks end sentences too: a blank line always does, and a single line
// break does unless the next line starts with a lower-case word that continues
// a sentence that did not itself start in lower case (text wrapped mid
// sentence). Headlines and page furniture without a full stop ("Recent
// Stories") are therefore sentences of their own.
//
// # Abbreviations
//
// Titles that precede a name (Mr., Gen., Sen.) never end a sentence.
// Abbreviations that may close one (Inc., Co., U.S., E.U., Jan., initials such
// as "E." or "J.R.R.") end it only when the next word is one that typically
// starts a sentence (The, It, How, But, In, ...), so "the U.S. Government" is
// one sentence and "I live in the U.S. How about you?" two. Number prefixes
// (No., p., N°.) do not end a sentence before a digit. The time markers a.m.
// and p.m. end a sentence before a capitalised word other than a time zone or
// day, unless they belong to an opening phrase such as "At 5 a.m.".
//
// # Lists and ellipses
//
// A sentence that opens with a list marker ("1.", "2)", "a.", "• 9.") ends
// where the next marker in sequence or a bullet begins. A three-dot ellipsis
// written with spaces (". . .") or inside brackets ("[...]") marks an
// omission and never ends a sentence; other ellipses behave like a full stop.
package segment
