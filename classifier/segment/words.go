package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbrKind says how an abbreviation behaves before a possible boundary.
type abbrKind uint8

const (
	// abbrNone is an ordinary word: a full stop after it ends the sentence
	// unless a lower-case word follows.
	abbrNone abbrKind = iota
	// abbrTitle precedes a name and never ends a sentence ("Gen. Smith").
	abbrTitle
	// abbrName may end a sentence, but only before a word that typically
	// starts one ("the U.S. Government" vs "the U.S. How").
	abbrName
	// abbrNumber precedes a number ("No. 5", "p. 55") and ends a sentence
	// like an ordinary word when no digit follows.
	abbrNumber
	// abbrInline sits inside a sentence and never ends it ("e.g.", "vs.").
	abbrInline
	// abbrTime is a.m. or p.m.
	abbrTime
)

// abbreviation returns the kind of w, a word without its final full stop.
// Single upper-case letters are initials and words made of one- or
// two-letter parts joined by full stops ("U.S", "J.R.R", "Ph.D") are
// abbreviations of kind abbrName.
func abbreviation(w string) abbrKind {
	if w == "" {
		return abbrNone
	}
	if k, ok := abbreviations[w]; ok {
		return k
	}
	if r, size := utf8.DecodeRuneInString(w); size == len(w) && unicode.IsUpper(r) {
		return abbrName
	}
	if multiPeriod(w) {
		return abbrName
	}
	return abbrNone
}

// multiPeriod reports whether w consists of at least two parts of one or two
// ASCII letters joined by full stops.
func multiPeriod(w string) bool {
	parts := 0
	for w != "" {
		part, rest, found := strings.Cut(w, ".")
		if len(part) == 0 || len(part) > 2 || !isASCIILetter(part[0]) || !isASCIILetter(part[len(part)-1]) {
			return false
		}
		parts++
		if !found {
			break
		}
		w = rest
		if w == "" {
			return false
		}
	}
	return parts >= 2
}

// abbreviations lists the known abbreviations, case-sensitively and without
// their final full stop. It is never written after construction.
var abbreviations = map[string]abbrKind{
	// Titles before names.
	"Mr": abbrTitle, "Mrs": abbrTitle, "Ms": abbrTitle, "Messrs": abbrTitle,
	"Mmes": abbrTitle, "Mme": abbrTitle, "Mlle": abbrTitle, "Prof": abbrTitle,
	"Gen": abbrTitle, "Gens": abbrTitle, "Col": abbrTitle, "Lt": abbrTitle,
	"Maj": abbrTitle, "Capt": abbrTitle, "Cmdr": abbrTitle, "Cdr": abbrTitle,
	"Sgt": abbrTitle, "Cpl": abbrTitle, "Pvt": abbrTitle, "Adm": abbrTitle,
	"Brig": abbrTitle, "Sen": abbrTitle, "Sens": abbrTitle, "Rep": abbrTitle,
	"Reps": abbrTitle, "Gov": abbrTitle, "Govs": abbrTitle, "Amb": abbrTitle,
	"Atty": abbrTitle, "Supt": abbrTitle, "Insp": abbrTitle, "Rev": abbrTitle,
	"Hon": abbrTitle, "Pres": abbrTitle, "Msgr": abbrTitle, "Rt": abbrTitle,
	"Sec": abbrTitle, "Dep": abbrTitle,

	// Words that may end a sentence: companies, suffixes, places, months.
	"Dr": abbrName, "St": abbrName, "st": abbrName, "Mt": abbrName,
	"Ft": abbrName, "Fr": abbrName, "Jr": abbrName, "jr": abbrName,
	"Sr": abbrName, "sr": abbrName, "Inc": abbrName, "inc": abbrName,
	"Corp": abbrName, "corp": abbrName, "Ltd": abbrName, "ltd": abbrName,
	"Co": abbrName, "co": abbrName, "Cos": abbrName, "Bros": abbrName,
	"Plc": abbrName, "Esq": abbrName, "Ave": abbrName, "Blvd": abbrName,
	"Rd": abbrName, "Hwy": abbrName, "Dept": abbrName, "Univ": abbrName,
	"Assn": abbrName, "Intl": abbrName, "Natl": abbrName, "al": abbrName,
	"Jan": abbrName, "Feb": abbrName, "Mar": abbrName, "Apr": abbrName,
	"Jun": abbrName, "Jul": abbrName, "Aug": abbrName, "Sep": abbrName,
	"Sept": abbrName, "Oct": abbrName, "Nov": abbrName, "Dec": abbrName,
	"Ala": abbrName, "Ariz": abbrName, "Ark": abbrName, "Calif": abbrName,
	"Colo": abbrName, "Conn": abbrName, "Fla": abbrName, "Ga": abbrName,
	"Ky": abbrName, "Md": abbrName, "Mich": abbrName, "Minn": abbrName,
	"Mont": abbrName, "Neb": abbrName, "Nev": abbrName, "Okla": abbrName,
	"Tenn": abbrName, "Vt": abbrName, "Va": abbrName, "Wis": abbrName,
	"Wyo": abbrName,

	// Number prefixes.
	"No": abbrNumber, "no": abbrNumber, "Nos": abbrNumber, "nos": abbrNumber,
	"Nr": abbrNumber, "nr": abbrNumber, "N°": abbrNumber, "n°": abbrNumber,
	"№": abbrNumber, "p": abbrNumber, "pp": abbrNumber, "Vol": abbrNumber,
	"vol": abbrNumber, "Fig": abbrNumber, "fig": abbrNumber, "Art": abbrNumber,
	"art": abbrNumber, "sec": abbrNumber, "para": abbrNumber, "ch": abbrNumber,
	"Ch": abbrNumber, "ca": abbrNumber, "c": abbrNumber,

	// Inside a sentence.
	"vs": abbrInline, "Vs": abbrInline, "v": abbrInline, "e.g": abbrInline,
	"E.g": abbrInline, "i.e": abbrInline, "I.e": abbrInline, "cf": abbrInline,
	"Cf": abbrInline, "viz": abbrInline, "approx": abbrInline,
	"Approx": abbrInline, "incl": abbrInline, "esp": abbrInline,

	// Times of day.
	"a.m": abbrTime, "p.m": abbrTime, "A.M": abbrTime, "P.M": abbrTime,
}

// starters lists capitalised words that typically start a sentence. After an
// abbreviation such as "U.S." they make a boundary; proper nouns do not. It is
// never written after construction.
var starters = wordSet(`
	A An The This That These Those There Here It Its He She They We I You
	His Her Their Our My Your
	But And Or So Yet Nor However Meanwhile Still Also Instead Thus Therefore
	Moreover Furthermore Nevertheless Nonetheless Otherwise Indeed Hence
	In On At For From By With Without After Before During Since Until While
	Under Over Among Despite Against Through Throughout Within Across
	When Where What Who Whom Whose Why How Which Whether If Although Though
	Because As Once Unless Whereas
	Some Many Most Several Few All Both Each Every Any No None Not Neither
	Either Other Others Another Such Much More Less
	Then Now Today Yesterday Tomorrow Earlier Later Last Next Finally First
	Only Even Just Yes According Asked
	Did Do Does Is Are Was Were Has Have Had Should Could Would Let Please
	One Two Three Four Five Six Seven Eight Nine Ten
	Officials Authorities Prosecutors Investigators Experts Researchers
	Analysts Critics
`)

// timeWords lists capitalised words that continue a sentence after a.m. or
// p.m.: time zones, days and months. It is never written after
// construction.
var timeWords = wordSet(`
	ET EST EDT CT CST CDT MT MST MDT PT PST PDT GMT BST UTC CET CEST EET EEST
	MSK JST KST HKT SGT AEST AEDT IST
	Eastern Central Mountain Pacific Greenwich
	Monday Tuesday Wednesday Thursday Friday Saturday Sunday
	January February March April May June July August September October
	November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
`)

// introWords lists prepositions that open a phrase of time ("At 5 a.m.",
// "Shortly after 6 p.m."). It is never written after construction.
var introWords = wordSet(`
	At By Before After Until Till From Around Since Between About Shortly
	Just On Starting Beginning Near Sometime
`)

// wordSet returns the set of the words in the space-separated list.
func wordSet(list string) map[string]bool {
	set := make(map[string]bool)
	for _, w := range strings.Fields(list) {
		set[w] = true
	}
	return set
}
