package classifier

import "strings"

// Actor classes. Names of the parties in these stories stand for roles:
// "China" appears in accusations, denials and sanctions alike, and a model
// that learns the role generalizes to parties it has seldom seen.
const (
	actorNone uint8 = iota
	actorState
	actorGroup
	actorAgency
	actorCompany
	actorSpokesperson
	// Cue classes (see cues.go) follow the actor classes in the same table.
	cueMeasure
	cueAttribution
	cueDismissal
	cueEvidence
	cueHedge
	cueReport
	cueNegation
	cueFurniture
	cueAttack
	numClasses
)

// A sentence's classes are kept as bits of a uint32.
const _ = uint32(1) << (numClasses - 1)

var actorClassNames = [numClasses]string{"", "STATE", "GROUP", "AGENCY", "COMPANY", "SPOKESPERSON",
	"MEASURE", "ATTRIBUTION", "DISMISSAL", "EVIDENCE", "HEDGE", "REPORT", "NEGATION", "FURNITURE", "ATTACK"}

// isCue reports whether class c is a cue class rather than an actor class.
func isCue(c uint8) bool { return c >= cueMeasure }

// actorNames returns, per class, the names (normalized, as the tokenizer
// makes them) that stand for that class. Two-word names, joined by "_", go
// to the pair table.
func actorNames() map[uint8]string {
	return map[uint8]string{
		actorState: `china beijing chinese prc russia russian moscow kremlin iran iranian tehran
		pyongyang dprk korean vietnam vietnamese hanoi belarus belarusian minsk uae emirati
		israel israeli washington america american us usa uk britain british london
		ukraine ukrainian kyiv kiev germany german berlin netherlands dutch hague
		czech prague albania albanian tirana norway norwegian oslo zhongnanhai
		north_korea south_korea new_zealand united_states united_kingdom abu_dhabi`,
		actorGroup: `apt1 apt3 apt10 apt27 apt28 apt29 apt31 apt32 apt33 apt34 apt35 apt38 apt39 apt40 apt41 apt42
		lazarus sandworm hafnium zirconium strontium nobelium kimsuky andariel bluenoroff
		oceanlotus tradertraitor cyberav3ngers turla gamaredon ghostwriter unc1151 typhoon
		blizzard sleet sandstorm tempest panda chollima kitten
		fancy_bear cozy_bear voodoo_bear hidden_cobra volt_typhoon salt_typhoon silk_typhoon
		flax_typhoon linen_typhoon violet_typhoon midnight_blizzard forest_blizzard
		seashell_blizzard mint_sandstorm judgment_panda equation_group`,
		actorAgency: `fbi nsa cisa gchq ncsc gru svr fsb mss pla irgc mois doj treasury ofac
		pentagon mivd aivd bfv bsi pst gcsb asd cse sbu cverc kgb police prosecutors
		prosecutor ministry embassy
		justice_department state_department foreign_ministry foreign_office
		homeland_security national_security white_house downing_street`,
		actorCompany: `microsoft google mandiant crowdstrike fireeye kaspersky symantec eset
		chainalysis elliptic sentinelone proofpoint talos cisco qihoo recorded_future
		palo_alto unit_42`,
		actorSpokesperson: `spokesperson spokesman spokeswoman peskov zakharova lavrov
		kanaani baghaei zarif araghchi wenbin lijian ning jian jiakun kcna xinhua tass`,
	}
}

// actorTable is the lookup form of actorNames.
type actorTable struct {
	words map[string]uint8 // one-word names
	pairs map[uint64]uint8 // two-word names, by mix(hash of first, hash of second)
}

// classWords returns the words of every actor and cue class.
func classWords() map[uint8]string {
	classes := actorNames()
	for class, names := range cueWords() {
		classes[class] = names // cue classes never share an actor class's key
	}
	return classes
}

func newActorTable() actorTable {
	t := actorTable{words: make(map[string]uint8), pairs: make(map[uint64]uint8)}
	for class, names := range classWords() {
		for _, name := range strings.Fields(names) {
			if first, second, ok := strings.Cut(name, "_"); ok {
				t.pairs[mix(hashString(seedWord, first), hashString(seedWord, second))] = class
				continue
			}
			t.words[name] = class
		}
	}
	return t
}
