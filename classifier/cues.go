package classifier

// cueWords returns, per cue class, the words (normalized, as the tokenizer
// makes them; two-word cues joined by "_") that signal the acts the labels
// describe. Like actor classes, cue classes let evidence learned from one
// word carry over to its rarer neighbours: a model that has seen
// "indicted" many times and "extradition" twice still reads both as a
// measure. Each word belongs to one class.
func cueWords() map[uint8]string {
	return map[uint8]string{
		cueMeasure: `sanction sanctions sanctioned sanctioning indict indicts indicted indictment
		indictments charge charges charged charging prosecute prosecuted prosecution
		arrest arrests arrested warrant warrants extradite extradited extradition
		expel expels expelled expelling expulsion expulsions summon summons summoned
		reward rewards bounty bounties freeze freezes froze frozen freezing seize seizes
		seized seizure seizures banned blacklist blacklisted designated designation
		penalties penalty convicted conviction sentenced jailed imprisonment prison
		plea pleaded deported deportation retaliation retaliate countermeasures
		measures consequences accountable restrictions sever severed severing
		wanted_notice entity_list export_controls asset_freeze persona_non travel_ban
		red_notice trial court guilty custody detained unsealed subpoena listed
		listing blocked barred recalled demarche fugitive fugitives forfeiture
		confiscated`,
		cueAttribution: `behind responsible attributed attributes attribute attribution attributing
		blamed blames blame blaming linked tied traced connected sponsored backed
		affiliated orchestrated perpetrated culprit culprits accused accuses accusing
		accusation accusations alleged allegedly allegation allegations implicated
		suspected suspect suspects perpetrators attacker attackers`,
		cueDismissal: `groundless baseless unfounded fabricated fabrication fabrications smear smears
		smearing slander slanders slandering slanderous nonsense absurd ridiculous farce
		hype lies lie lying falsely disinformation propaganda hysteria russophobia
		politicising politicizing politicise politicize politicisation politicization
		unsubstantiated speculation irresponsible reject rejects rejected rejecting deny
		denies denied denial denials dismiss dismisses dismissed dismissing refute refutes
		refuted rebut rebuts rebutted rebuffed categorically oppose opposes opposed
		dissatisfied hypocrisy hypocritical slur innuendo fiction fantasy conspiracy`,
		cueEvidence: `server servers infrastructure ip domain domains malware implant implants
		backdoor code overlap overlaps forensic forensics indicators artifacts artefacts
		logs traces timestamps fingerprints wallet wallets tradecraft toolkit
		working_hours time_zone`,
		cueHedge: `likely probably possibly believed apparently reportedly presumably assessed
		assess assesses suspicion suspicions confidence plausible`,
		cueReport: `said says say told stated added according announced claimed claims claim
		asserted insisted argued wrote noted warned statement briefing conference`,
		cueNegation: `not no never nothing none neither nor without didn doesn isn wasn don
		aren weren won cannot`,
		cueFurniture: `newsletter subscribe subscription subscribers photo photograph image caption
		getty afp copyright cookies advertisement related share sign_up log_in
		read_more also_read`,
		cueAttack: `hack hacks hacked hacking hackers hacker breach breaches breached intrusion
		intrusions attack attacks attacked cyberattack cyberattacks targeted targeting
		compromised stole stolen steal stealing theft heist espionage spying spied spy
		infiltrated penetrated campaign operation operations phishing ransomware wiper
		leak leaked leaks exfiltrated`,
	}
}
