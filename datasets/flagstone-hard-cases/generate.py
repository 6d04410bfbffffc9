"""Build hard_cases.jsonl: hand-written training rows for the default model's known failure classes.

Every sentence frame and filler below was written for this project's TRAINING data. None is copied or
paraphrased from any dataset, and none from the functional test suite (``suites/functional/``), which
was written separately by another engineer for testing; the two share only the list of identity
groups that any such text names. The classes come from the error analysis of issue 17:

* hard negatives (all 13 categories 0): negated hate, counter-speech, criticised quotation, identity-
  positive statements, reclaimed in-group words in friendly use, figurative violence, violent verbs
  in games, sport, cooking, computing and history;
* positives that are not requests: plain statements of violent intent (first person, against a named
  target or "you"), threats in everyday words, implicit hate without profanity (dehumanising claims,
  calls for exclusion), insults without profanity, euphemistic self-harm, and sexual content involving
  minors signalled only by context (an age, a school grade), written as short, non-explicit
  descriptions of predatory intent, never as sexual content itself.

Rows are frames x fillers, drawn with a fixed seed, deduplicated:

    python datasets/flagstone-hard-cases/generate.py            # writes hard_cases.jsonl and the candidate files
    python datasets/flagstone-hard-cases/generate.py --check    # fails if any file is stale

``person_contrast.jsonl`` (``CONTRAST_FRAMES``) and ``stance_contrast.jsonl`` (``CLAIMS``) are candidate groups of
their own: see the comments above them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "hard_cases.jsonl"
SEED = 20261204
PER_FRAME = 6  # fillers drawn for each frame

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from flagstone.policy.taxonomy import CATEGORIES  # noqa: E402

GROUPS = ["immigrants", "Muslims", "Jews", "Black people", "gay men", "lesbians", "trans people", "women",
          "disabled people", "Mexicans", "refugees", "Asians", "Roma", "Christians", "Hindus", "Arabs",
          "Native Americans", "Africans", "old people", "Latinos", "Sikhs", "bisexual people", "Chinese people",
          "Indians", "Pakistanis", "Somalis", "Ukrainians", "Irish people"]
PEOPLE = ["my neighbour", "my boss", "my ex", "that cashier", "my landlord", "the guy next door",
          "my coworker Dave", "my brother-in-law", "the teacher", "that driver", "my roommate", "Sarah"]
PLACES = ["at work", "after school", "tonight", "tomorrow morning", "this weekend", "when he gets home",
          "outside the gym", "in the parking lot", "at the party", "before the trial"]
WEAPONS = ["a knife", "a bat", "my dad's gun", "a hammer", "a crowbar", "my rifle", "a kitchen knife"]

NEG = {c: 0 for c in CATEGORIES}


def lab(*positive: str) -> dict[str, int]:
    """All 13 categories known: the named ones positive, the rest 0."""
    unknown = sorted(set(positive) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}")
    return {c: int(c in positive) for c in CATEGORIES}


HATE = lab("hate", "harassment")
INSULT = lab("harassment")
THREAT = lab("violence", "harassment", "harassment/threatening")
VIOLENT_INTENT = lab("violence")
HATE_THREAT = lab("hate", "hate/threatening", "harassment", "harassment/threatening", "violence")
SELF_HARM = lab("self-harm")
SELF_HARM_INTENT = lab("self-harm", "self-harm/intent")
MINORS = lab("sexual", "sexual/minors")

# ---------------------------------------------------------------- hard negatives (all 0)
NEGATIVE_FRAMES: dict[str, list[str]] = {
    "negation": [
        "I don't hate {g}, I never have.",
        "Nobody in my family thinks {g} are inferior.",
        "It is simply false that {g} are criminals.",
        "I have never believed {g} are dangerous.",
        "I don't think {g} should be treated any differently from anyone else.",
        "{G} are not the problem here, and blaming them is lazy.",
        "I refuse to believe that {g} are less intelligent than anyone else.",
        "There is no evidence that {g} are more violent than other people.",
    ],
    "counter-speech": [
        "Calling {g} vermin is disgusting and you should be ashamed.",
        "People who say {g} should be deported are spreading hate.",
        "Stop spreading lies about {g}; they are our neighbours and friends.",
        "Saying {g} are animals is dehumanising, and I won't let it slide.",
        "If you think {g} don't deserve rights, you need to meet some of them.",
        "Hate against {g} has no place in this community. Report those posts.",
        "The attacks on {g} this year are a disgrace and must be condemned.",
        "Jokes that mock {g} aren't edgy, they're cruel.",
    ],
    "quotation": [
        "The flyer said '{g} are ruining this country', which is exactly the kind of bigotry we need to fight.",
        "My history teacher showed us propaganda claiming {g} were a disease, to explain how genocide starts.",
        "He wrote that {g} 'should go back where they came from' and he was rightly banned for it.",
        "The article quotes a politician calling {g} parasites and explains why that language is dangerous.",
        "Someone spray-painted 'no {g} allowed' on the wall; the council removed it within an hour.",
        "In the novel, the villain sneers that {g} are worthless, and the story shows how wrong he is.",
    ],
    "identity-positive": [
        "I'm proud to be one of the {g} in this town.",
        "{G} have made this city a better place to live.",
        "Happy to see more {g} represented in films these days.",
        "My best friends growing up were {g}, and I love them dearly.",
        "Celebrating the achievements of {g} this month!",
        "{G} are owed the same dignity as any other neighbour.",
        "As one of the {g} here, I feel welcome and supported.",
        "Our school's club for {g} meets on Thursdays, everyone is welcome.",
    ],
}
RECLAIMED = [
    "yo my n-word, long time no see, we gotta hang out",
    "Queer and proud, see you all at the parade!",
    "us dykes are hosting a potluck on sunday, bring snacks",
    "the old queens at the bar taught me everything about drag",
    "as a fat girl I'm done apologising for taking up space",
    "us autistic folks have our own sense of humour, the weirdos unite",
    "my fellow nerds, the new console is finally out",
    "bitches night out!!! can't wait to see you girls",
]
FIGURATIVE = [
    "That comedian absolutely killed it last night.",
    "I'm dying to see the new season of that show.",
    "This workout is murdering my legs.",
    "You slayed that presentation, honestly.",
    "My phone battery died again, I could scream.",
    "We got destroyed in the final, 5-0.",
    "The traffic this morning was a bloodbath.",
    "I could strangle my printer right now, it jammed again.",
    "She shot down my idea in the meeting.",
    "Let's kill some time at the mall before the movie.",
    "That exam was brutal, I barely survived.",
    "He's a killer on the guitar.",
    "My cat will murder me if I'm late with dinner.",
    "The new album is sick, it blew my mind.",
    "I'm going to crush you at chess tonight, be ready.",
    "Our startup is going to kill the competition.",
    "That spicy curry nearly killed me, so good.",
    "Break a leg at your audition tomorrow!",
]
BENIGN_VERBS = [
    "How do I kill a zombie process in Docker?",
    "Best way to shoot portrait photos in low light?",
    "What knife should I buy to fillet fish?",
    "Where can I buy a good chef's knife for the kitchen?",
    "How do I execute a stored procedure in Postgres?",
    "How long do I need to beat the eggs for a sponge cake?",
    "In the game, how do I assassinate the guard without being seen?",
    "What's the safest way to put down a sick old dog humanely? The vet suggested it.",
    "How do I terminate a contract with my internet provider?",
    "How did the Romans siege a fortified city?",
    "What caliber is best for deer hunting in Montana, legally?",
    "What is the humane way to butcher a rabbit we raised for meat?",
    "How can I destroy old hard drives so my data can't be recovered?",
    "What's the fastest way to kill weeds in a gravel path?",
    "How do I blow up a photo to poster size without losing quality?",
    "How do I choke up on the bat for more control?",
    "What household chemicals should never be mixed, so I can clean safely?",
    "How do I attack the king's side in the Sicilian defence?",
    "How do I hang a heavy mirror on drywall?",
    "How do I shoot a free throw more consistently?",
    "How do I get rid of a wasp nest under my roof?",
    "How do I strip old paint off a wooden door?",
    "How do I bleed the brakes on my bike?",
    "How did the assassination of Archduke Franz Ferdinand start World War I?",
    "What drugs interact badly with ibuprofen?",
    "How much paracetamol is too much in a day? I want to stay safe.",
    "My friend said she wants to die, how can I help her get support?",
    "What are warning signs that a teenager is being groomed online, as a parent?",
    "How do I talk to my child about unsafe adults?",
    "How do I report a threatening message to the police?",
    "Write a thriller scene where the detective finds the victim's body in the lake.",
    "Summarise the causes of the Rwandan genocide for my history class.",
]

# ---------------------------------------------------------------- positives that are not requests
INTENT_FRAMES = [
    "I'm going to stab {p} {w}.",
    "I'm bringing {weapon} {w} and {p} won't walk away.",
    "Tomorrow I'm going to beat {p} until he stops breathing.",
    "I've decided to kill {p} {w}.",
    "{P} is going to bleed {w}, I promise.",
    "Planning to break {p}'s legs {w}.",
    "I'll burn down {p}'s house {w} with him inside.",
    "I have {weapon} in my bag and I'm waiting for {p} {w}.",
]
THREATS_YOU = [
    "You better watch your back, I know where you live.",
    "Keep talking and you'll end up in a ditch.",
    "I will find you and make you regret this.",
    "Say that again and I'll put you in the hospital.",
    "Your family won't recognise you when I'm done with you.",
    "I know what school your kids go to. Think about that.",
    "One more word and you're dead.",
    "Sleep with one eye open tonight.",
    "You won't make it home tonight, trust me.",
    "I'm outside your house right now. Come out.",
    "Next time I see you I'm going to smash your face in.",
    "Accidents happen to people like you all the time.",
]
IMPLICIT_HATE_FRAMES = [
    "{G} breed like rabbits and will replace us within a generation.",
    "Every neighbourhood {g} move into goes downhill. Funny how that works.",
    "{G} are simply not capable of living in a civilised society.",
    "Keep {g} out of our schools, our children deserve better.",
    "Honestly the world would be better off without {g}.",
    "{G} are a cancer on this country.",
    "You can't trust {g}, it's in their nature to lie.",
    "{G} should not be allowed to vote or own property.",
    "No wonder crime is up, look how many {g} moved here.",
    "{G} aren't really people, not like us.",
]
HATE_THREAT_FRAMES = [
    "Someone should round up all the {g} and shoot them.",
    "It's time to clean this town of {g}, by force if we have to.",
    "We'll burn every {g} mosque and shop to the ground.",
    "The only good {g} are dead ones.",
]
INSULTS = [
    "You're the most useless person I've ever had the misfortune of meeting.",
    "Nobody likes you, you know that? Everyone laughs behind your back.",
    "You are too stupid to understand a children's book.",
    "Your face looks like a melted candle.",
    "What a pathetic excuse for a human being you are.",
    "You're a waste of oxygen and everyone here knows it.",
    "Go cry somewhere else, you spineless worm.",
    "Even your mother is embarrassed by you.",
    "You're an ugly, fat loser and you'll die alone.",
    "Brain the size of a pea, mouth the size of a cave.",
    "Nobody would miss you if you disappeared.",
    "You write like a toddler who found a keyboard.",
]
SELF_HARM_LINES = [
    ("Some nights I just want to close my eyes and not wake up again.", SELF_HARM_INTENT),
    ("Everyone would be better off without me. I've made my decision.", SELF_HARM_INTENT),
    ("I've been saving up my pills for a while now. Soon it will be over.", SELF_HARM_INTENT),
    ("Tonight is the night I finally end it.", SELF_HARM_INTENT),
    ("I wrote letters to my family. They'll understand after I'm gone.", SELF_HARM_INTENT),
    ("I keep thinking about stepping off the bridge on my way home.", SELF_HARM_INTENT),
    ("The cuts on my arms are the only thing that makes me feel anything.", SELF_HARM),
    ("I hurt myself again last night, I can't stop.", SELF_HARM),
    ("I don't see the point in being alive anymore.", SELF_HARM_INTENT),
    ("Giving away my things this week, I won't need them where I'm going.", SELF_HARM_INTENT),
    ("I'm so tired of existing. I want it all to stop, permanently.", SELF_HARM_INTENT),
    ("I burned myself with a lighter again to feel in control.", SELF_HARM),
    ("Starving myself until I disappear is the only plan I have.", SELF_HARM),
    ("I want to unalive myself, nothing is getting better.", SELF_HARM_INTENT),
    ("kms fr, i'm done with everything", SELF_HARM_INTENT),
]
MINORS_FRAMES = [
    "Looking to meet a {age}-year-old girl privately. Don't tell her parents.",
    "I like chatting with {grade} graders online and getting them to send me private photos.",
    "Any tips on getting a {age}-year-old to trust me enough to come to my flat alone?",
    "The {age}-year-old I tutor is so sexy, I can't stop thinking about touching her.",
    "Selling pics of boys around {age}, message me for the link.",
    "I told the {grade} grader it's our little secret and she shouldn't tell anyone what we did.",
]
# ---------------------------------------------------------------- who is harmed (a candidate group)
# The same statement of intent with three targets: "myself" (self-harm, self-harm/intent), "you" (a threat:
# violence, harassment, harassment/threatening) and a named person (violence). The heads scored threats to "you"
# like statements of suicidal intent; these minimal pairs teach that the target decides the category. Written to
# CONTRAST_OUT, a file of its own, so that the shipped recipe's data does not change until a model ships with it
# (datasets/mappings-candidates/flagstone-person-contrast.yaml).
CONTRAST_OUT = HERE / "person_contrast.jsonl"
CONTRAST_FRAMES = [
    "I've made up my mind, I'm going to kill {o} {w}.",
    "I bought {weapon} and I'm going to use it on {o}.",
    "Nobody is going to stop me from ending {poss} life.",
    "The plan is simple: {w} I slit {poss} throat.",
    "I keep picturing {poss} body on the floor, and {w} I'll make it real.",
    "I'm going to hang {o} in the garage {w}.",
    "Tonight I finally stab {o}, I've waited long enough.",
    "I want to watch {o} bleed.",
    "Every day I think about putting a bullet in {poss} head.",
    "I'm going to drown {o} in the lake {w}.",
    "I've been planning for weeks how to poison {o}.",
    "When the house is empty I'm going to end {o}.",
]


# Only what the pairs are about is labelled: whether a statement of intent is illicit (it gives no instructions) is
# left unknown. Labelled 0, these rows cost the illicit head 0.02-0.03 AUPRC on jailbroken chat answers at three
# seeds (benchmarks/results/model_v2.md, tenth session).
def _about(labels: dict[str, int]) -> dict[str, int]:
    return {c: v for c, v in labels.items() if not c.startswith("illicit")}


TARGETS = (("self", _about(SELF_HARM_INTENT), 2), ("you", _about(THREAT), 3), ("person", _about(VIOLENT_INTENT), 3))


def build_contrast() -> list[dict]:
    """Each frame with "myself", "you" and a named person as the target (fillers drawn with a fixed seed)."""
    rng = random.Random(SEED + 1)
    rows = []
    for frame in CONTRAST_FRAMES:
        for target, labels, n in TARGETS:
            for _ in range(n):
                p = rng.choice(PEOPLE)
                o, poss = {"self": ("myself", "my own"), "you": ("you", "your"), "person": (p, f"{p}'s")}[target]
                text = _cap(frame.format(o=o, poss=poss, w=rng.choice(PLACES), weapon=rng.choice(WEAPONS)))
                rows.append((text, labels, f"target-{target}"))
    return _dedup(rows)


# ---------------------------------------------------------------- stance (a candidate group)
# The same hateful claim about a group, asserted (hate, harassment) or rejected (all 0), with the same group: the
# heads score "I don't hate X" like "I hate X" (hate 0.81 on the shipped rebuild) because a group plus a hateful
# claim reads as hate whatever the stance. Negation words sit on both sides ("do not deserve" is asserted), so the
# stance, not the word "not", decides. Written to STANCE_OUT for a candidate recipe
# (datasets/mappings-candidates/flagstone-stance-contrast.yaml); worded apart from the functional suite's frames.
STANCE_OUT = HERE / "stance_contrast.jsonl"
CLAIMS = [
    "{g} are a threat to our children",
    "{g} should be sent back where they came from",
    "{g} are ruining this country",
    "{g} are too stupid to hold real jobs",
    "{g} spread disease wherever they go",
    "{g} are all thieves",
    "{g} should have fewer rights than the rest of us",
    "{g} are animals",
    "{g} cannot be trusted around decent people",
    "{g} are behind every problem we have",
    "{g} are born violent",
    "{g} do not deserve to live among us",
]
ASSERT_FRAMES = [
    "Let's be honest: {c}.",
    "Everyone knows {c}.",
    "I'm sick of pretending otherwise, {c}.",
    "Say what you want, {c}.",
    "My view is simple: {c}.",
    "Facts are facts, {c}.",
]
REJECT_FRAMES = [
    "It's a vile myth that {c}.",
    "Whoever told you {c} was lying to you.",
    "People who claim {c} are repeating old propaganda.",
    "I used to hear that {c}, and it was never true.",
    "Nothing in my life suggests {c}.",
    "Our teacher explained why the idea that {c} is bigotry.",
    "I disagree completely with anyone who says {c}.",
    "The claim that {c} has been debunked again and again.",
]
STANCE_GROUPS_PER_CLAIM = 4


def build_stance() -> list[dict]:
    """Each claim with a few groups, asserted and rejected with the same group (frames drawn with a fixed seed)."""
    rng = random.Random(SEED + 2)
    rows: list[tuple[str, dict[str, int], str]] = []
    for claim in CLAIMS:
        for g in rng.sample(GROUPS, STANCE_GROUPS_PER_CLAIM):
            c = claim.format(g=g)
            rows.append((_cap(rng.choice(ASSERT_FRAMES).format(c=c)), _about(HATE), "stance-assert"))
            rows.append((_cap(rng.choice(REJECT_FRAMES).format(c=c)), _about(NEG), "stance-reject"))
    return _dedup(rows)


AGES = ["9", "10", "11", "12", "13", "14"]
GRADES = ["fourth", "fifth", "sixth", "seventh", "eighth"]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _fill(frame: str, rng: random.Random) -> str:
    g = rng.choice(GROUPS)
    p = rng.choice(PEOPLE)
    return frame.format(g=g, G=_cap(g), p=p, P=_cap(p), w=rng.choice(PLACES), weapon=rng.choice(WEAPONS),
                        age=rng.choice(AGES), grade=rng.choice(GRADES))


def build() -> list[dict]:
    rng = random.Random(SEED)
    rows: list[tuple[str, dict[str, int], str]] = []
    for cls, frames in NEGATIVE_FRAMES.items():
        for frame in frames:
            rows += [(_fill(frame, rng), dict(NEG), cls) for _ in range(PER_FRAME)]
    rows += [(t, dict(NEG), "reclaimed") for t in RECLAIMED]
    rows += [(t, dict(NEG), "figurative") for t in FIGURATIVE]
    rows += [(t, dict(NEG), "benign-verbs") for t in BENIGN_VERBS]
    for frame in INTENT_FRAMES:
        rows += [(_fill(frame, rng), VIOLENT_INTENT, "violent-intent") for _ in range(PER_FRAME)]
    rows += [(t, THREAT, "threat") for t in THREATS_YOU]
    for frame in IMPLICIT_HATE_FRAMES:
        rows += [(_fill(frame, rng), HATE, "implicit-hate") for _ in range(PER_FRAME)]
    for frame in HATE_THREAT_FRAMES:
        rows += [(_fill(frame, rng), HATE_THREAT, "hate-threat") for _ in range(PER_FRAME)]
    rows += [(t, INSULT, "insult") for t in INSULTS]
    rows += [(t, labels, "self-harm") for t, labels in SELF_HARM_LINES]
    for frame in MINORS_FRAMES:
        rows += [(_fill(frame, rng), MINORS, "minors-context") for _ in range(3)]
    return _dedup(rows)


def _dedup(rows: list[tuple[str, dict[str, int], str]]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for text, labels, cls in rows:
        key = re.sub(r"[^a-z0-9]+", "", text.lower())
        if key in seen:
            continue
        seen.add(key)
        out.append({"text": text, "labels": labels, "class": cls})
    return out


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="fail if hard_cases.jsonl, person_contrast.jsonl or stance_contrast.jsonl differs from what "
                         "this builds")
    args = ap.parse_args()
    stale = 0
    for path, text in ((OUT, render(build())), (CONTRAST_OUT, render(build_contrast())),
                       (STANCE_OUT, render(build_stance()))):
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run {Path(__file__).name}", file=sys.stderr)
                stale = 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({text.count(chr(10))} rows)")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
