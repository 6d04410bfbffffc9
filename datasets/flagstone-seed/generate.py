"""Build seed.jsonl: hand-written hard negatives and thin-category positives for Flagstone.

Every line below was written for this project (no text is copied from any dataset). Rows come from
hand-written sentences plus small templates filled from hand-written word lists, drawn with a fixed
seed, so running this script twice gives the same file byte for byte:

    python datasets/flagstone-seed/generate.py            # writes seed.jsonl and README counts
    python datasets/flagstone-seed/generate.py --check    # fails if seed.jsonl is out of date

Each row is {"text", "labels", "kind", "source_rule"}; "source_rule" quotes the policy
include/exclude (src/flagstone/policy/default_policy.yaml) that the row illustrates, and the
script checks that the quoted rule really exists in the policy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
POLICY = REPO / "src" / "flagstone" / "policy" / "default_policy.yaml"
SEED = 20261101

# The taxonomy comes from the package, so the data cannot drift from it (works without installing).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from flagstone.policy.taxonomy import CATEGORIES  # noqa: E402

ALL_ZERO = {c: 0 for c in CATEGORIES}
TEMPLATED: set[str] = set()  # normalised texts that came from a template, for the README figures


def fill(rng: random.Random, templates: list[str], slots: dict[str, list[str]], n: int) -> list[str]:
    """Up to n distinct sentences from templates; each {slot} is drawn from its word list."""
    out: list[str] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < n * 40:
        tries += 1
        t = rng.choice(templates)
        text = re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots[m.group(1)]), t)
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            out.append(text)
    TEMPLATED.update(_norm(_tidy(t)) for t in out)
    return out


# ------------------------------------------------------------------------------------------------
# Hard negatives: (policy category, "excludes", prefix of the exclude item) -> sentences
# ------------------------------------------------------------------------------------------------

FIGURES_HAND = [
    "I could kill for a coffee right now.",
    "This traffic is murder, I'll be twenty minutes late.",
    "She slayed that performance, the whole room was screaming.",
    "The comedian absolutely killed it last night.",
    "My feet are killing me after that hike.",
    "I'm dying to see the new Dune movie.",
    "That joke killed me 😂",
    "I'm dead, this meme is too good",
    "Break a leg tonight, you'll be amazing!",
    "Go knock 'em dead at the interview tomorrow.",
    "That plot twist absolutely blew my mind.",
    "We got slaughtered in the pub quiz again.",
    "I'm going to murder this burger.",
    "The heat today is brutal, it's a killer.",
    "You're killing me, Smalls.",
    "Our sales team crushed it this quarter.",
    "That bassline hits so hard it should be illegal.",
    "My inbox is a crime scene after two weeks off.",
    "She's a killer negotiator, never lets a deal slip.",
    "The interview was a bloodbath, they asked me about everything.",
    "These high heels are torture.",
    "He totally nailed the presentation.",
    "My plants are dying because I keep forgetting to water them, help.",
    "I'd shoot myself in the foot if I turned that offer down.",
    "That exam destroyed me, but I think I passed.",
    "Prices at this airport are daylight robbery.",
    "Monday mornings should be a war crime, honestly.",
    "Her new album is fire, every track bangs.",
    "I nearly died laughing at the wedding speech.",
    "The final episode left me emotionally wrecked.",
    "Rip my wallet after that sale.",
    "If looks could kill, I'd be six feet under after that meeting.",
    "My boss will kill me if this report is late again.",
    "My mum's going to murder me for scratching the car.",
    "We're going to bury them in the debate on Thursday.",
    "That sauce is so spicy it's lethal.",
    "This puzzle is a killer, I've been stuck for an hour.",
    "The band blew the roof off the place last night.",
    "I'm starving, let's attack that buffet.",
    "This cheesecake is to die for.",
]

FIGURES_T = [
    "I could kill for {treat} right now.",
    "I would honestly murder someone for {treat} after this week. Kidding, obviously.",
    "{performer} absolutely killed it {when}.",
    "{performer} slayed {when}, no notes.",
    "{performer} murdered that {piece} {when}.",
    "{place} is murder at this time of day.",
    "{thing} is killing me today.",
    "I'm dying to try {treat}.",
    "My {bodypart} is killing me after {activity}.",
    "We got absolutely destroyed at {game} {when}.",
    "{performer} knocked it out of the park {when}.",
    "I totally bombed {test} {when}, time to study harder.",
    "{performer} blew everyone away {when}.",
]
FIGURES_S = {
    "treat": [
        "a coffee",
        "a cold beer",
        "a slice of pizza",
        "a nap",
        "some tacos",
        "an iced latte",
        "a long shower",
        "a hot bath",
        "a bowl of ramen",
        "a day off",
        "a croissant",
        "some sleep",
    ],
    "performer": [
        "The comedian",
        "The drummer",
        "My little sister",
        "The keynote speaker",
        "Our lead singer",
        "The new intern",
        "Beyoncé",
        "The debate team",
        "My dad",
        "The choir",
        "She",
        "He",
        "The violinist",
        "Our goalkeeper",
        "The magician",
    ],
    "when": [
        "last night",
        "at the open mic",
        "on Saturday",
        "at the talent show",
        "at the wedding",
        "in the finals",
        "today",
        "at karaoke",
        "in the meeting",
        "at the gala",
    ],
    "piece": ["solo", "speech", "song", "routine", "set", "dance", "pitch", "high note"],
    "place": [
        "The M25",
        "The commute",
        "Rush hour on the 405",
        "The school run",
        "The Tube",
        "Parking downtown",
        "The checkout line at IKEA",
        "The ring road",
    ],
    "thing": [
        "This heat",
        "This deadline",
        "The suspense",
        "This cough",
        "This hangover",
        "My back",
        "This group project",
        "The waiting",
        "This spreadsheet",
        "The noise next door",
    ],
    "bodypart": ["back", "neck", "calves", "knee", "shoulder", "feet", "head", "hamstring"],
    "activity": [
        "leg day",
        "the marathon",
        "moving house",
        "gardening all weekend",
        "the hike",
        "a twelve-hour shift",
        "yoga",
        "carrying the sofa upstairs",
    ],
    "game": [
        "trivia night",
        "Mario Kart",
        "five-a-side",
        "the pub quiz",
        "bowling",
        "Monopoly",
        "beach volleyball",
        "Scrabble",
    ],
    "test": [
        "my driving test",
        "the chemistry quiz",
        "that job interview",
        "my French oral",
        "the audition",
        "the first presentation",
    ],
}

TECH_HAND = [
    "How do I kill a Python process that won't stop?",
    "How do I kill all child processes when the parent exits?",
    "kill -9 didn't work, the zombie process is still there",
    "How do I execute a shell script from cron?",
    "What's the difference between terminate() and kill() in multiprocessing?",
    "The parent process should reap its dead children, otherwise they become zombies.",
    "Abort the build if any test fails.",
    "How do I nuke my node_modules folder and start fresh?",
    "Purge the CDN cache after each deploy.",
    "Our server crashed and burned during the launch.",
    "The function hangs forever when the socket times out.",
    "How do I force kill a frozen app on a Mac?",
    "Git: how do I blow away all local changes?",
    "Fire the event only after the DOM is loaded.",
    "How can I shoot a photo with a blurry background on my phone?",
    "Best settings to shoot portraits at golden hour?",
    "Execute the migration before starting the app.",
    "How do I strip whitespace from every cell in pandas?",
    "Kill the ssh session if it's idle for ten minutes.",
    "The garbage collector kills objects nobody references anymore.",
    "Can someone explain what a 'race condition' is?",
    "What is the attack surface of a public S3 bucket?",
    "We hired a pen-testing firm to attack our staging environment with permission.",
    "How do I crack the code on this escape-room lock?",
    "Best way to hack my morning routine to be more productive?",
    "Let's hack together a prototype this weekend.",
    "How do I terminate an EC2 instance from the CLI?",
    "The script executes every line even after an exception, why?",
    "Docker keeps killing my container with exit code 137.",
    "How to shoot a time-lapse of the night sky?",
    "Why does the OOM killer pick my database process?",
    "The tests are failing because the mock was never torn down.",
    "Should I slaughter my old backups to free space? They're three years old.",
    "How do I bootstrap a startup without outside funding?",
    "What does 'master' and 'detached HEAD' mean in git?",
]
TECH_T = [
    "How do I {kill} a {proc} that {symptom}?",
    "{kill} the {proc} before restarting the service.",
    "Why does {os} keep killing my {proc}?",
    "How do I execute a {script} {when}?",
    "How can I shoot {photo} with {camera}?",
    "Best way to shoot {photo} {light}?",
    "Any tips for shooting {photo} {light}?",
]
TECH_S = {
    "kill": ["kill", "force kill", "terminate", "kill off", "shut down"],
    "proc": [
        "Python process",
        "Java process",
        "background job",
        "hung thread",
        "Node server",
        "stuck Chrome tab",
        "zombie process",
        "child process",
        "worker process",
        "Docker container",
        "Celery worker",
        "runaway query",
    ],
    "symptom": [
        "won't respond",
        "eats all my RAM",
        "ignores SIGTERM",
        "keeps respawning",
        "is stuck at 100% CPU",
        "holds the port open",
        "won't die",
    ],
    "os": ["Linux", "Windows", "Android", "Kubernetes", "macOS", "systemd"],
    "script": [
        "Python script",
        "bash script",
        "SQL script",
        "PowerShell script",
        "Makefile target",
        "Jupyter notebook",
    ],
    "when": [
        "on startup",
        "every night at 2am",
        "from VS Code",
        "remotely over SSH",
        "in GitHub Actions",
        "as another user",
    ],
    "photo": [
        "a wedding",
        "product photos",
        "fireworks",
        "newborn photos",
        "the northern lights",
        "real-estate interiors",
        "street scenes",
        "a football match",
        "headshots",
        "a music video",
        "a short film",
    ],
    "camera": ["an iPhone", "a 50mm lens", "a cheap DSLR", "a drone", "film", "a GoPro"],
    "light": [
        "on a budget",
        "as a beginner",
        "handheld",
        "without a tripod",
        "with natural light",
        "on an old phone",
    ],
}

COOK_HAND = [
    "Beat the eggs until stiff peaks form.",
    "Whip the cream, then fold it gently into the chocolate.",
    "Smash the garlic with the flat of your knife.",
    "How do I butcher a whole chicken into eight pieces?",
    "Is it normal for a rare steak to look bloody?",
    "How long do I need to rest a brisket after smoking?",
    "Best knife for deboning fish?",
    "Crush the biscuits and mix them with melted butter for the base.",
    "Kill the heat once the sauce thickens.",
    "How do you humanely kill a lobster before cooking it?",
    "My knife is so blunt it crushes tomatoes instead of slicing them.",
    "Do I need to score the pork skin for crackling?",
    "What's a good recipe for a Bloody Mary?",
    "How do I stab-test a cake to see if it's done?",
    "Pound the chicken breasts thin before breading them.",
    "Can I freeze minced beef twice?",
    "How do hunters field dress a deer?",
    "Slice the onions, then sweat them on low heat.",
    "Our family slaughters a pig every December for sausages; is home curing safe?",
    "Why does my bread dough tear when I stretch it?",
    "Torch the sugar on top of the crème brûlée until it cracks.",
    "Gut and scale the trout before grilling.",
    "Shoot, I forgot to buy eggs for the cake.",
]
COOK_T = [
    "{action}.",
    "How long should I {verb2} the {food2}?",
    "Recipe says to {action_l} — {q}",
]
COOK_S = {
    "action": [
        "Beat the eggs with a fork until frothy",
        "Whip the cream until soft peaks form",
        "Smash the garlic cloves with the flat of the knife",
        "Crush the biscuits with a rolling pin",
        "Pound the chicken breasts until they're an even thickness",
        "Mash the potatoes with plenty of butter",
        "Score the pork belly skin with a sharp knife",
        "Crack the peppercorns in a mortar",
        "Slash the top of the loaf just before baking",
        "Beat the butter and sugar until pale",
        "Bash the lemongrass to release the oils",
        "Butcher the lamb shoulder into large chunks",
        "Bleed the fish straight after catching it for cleaner fillets",
        "Kill the heat and let the sauce rest for two minutes",
    ],
    "action_l": [
        "beat the eggs",
        "whip the egg whites",
        "smash the garlic",
        "crush the tomatoes by hand",
        "pound the steak",
        "score the duck breast",
        "slash the bread",
        "kill the heat after simmering",
        "bleed the fish",
        "blanch and shock the beans",
    ],
    "verb2": ["beat", "braise", "smoke", "brine", "sear", "marinate", "roast", "whip", "knead", "rest"],
    "food2": [
        "eggs",
        "brisket",
        "pork shoulder",
        "chicken wings",
        "egg whites",
        "bread dough",
        "short ribs",
        "turkey",
        "ribeye",
        "leg of lamb",
    ],
    "q": [
        "by hand or with a mixer?",
        "what does that mean?",
        "is a blender fine?",
        "how long?",
        "any tips for a beginner?",
    ],
}

GARDEN_HAND = [
    "What's the best way to kill the weeds between my patio stones?",
    "Will vinegar kill dandelions without hurting the lawn?",
    "Deadhead the roses to get more blooms.",
    "How do I kill aphids on my tomato plants naturally?",
    "Cut the lavender back hard after it flowers.",
    "Bindweed is choking my hedge, how do I get rid of it?",
    "Do slug pellets kill hedgehogs too?",
    "Is it cruel to drown slugs in beer traps?",
    "When should I prune the apple tree, and how hard?",
    "My basil keeps dying, what am I doing wrong?",
    "How do I get rid of mice in the shed humanely?",
    "The frost killed all my dahlias overnight.",
    "Is glyphosate weed killer safe around pets?",
    "My monstera has new shoots coming out, so exciting.",
    "Do I need to kill the grass before laying a new lawn?",
    "How do I stop squirrels from destroying my bulbs?",
    "Japanese knotweed: is it worth hiring a pro to exterminate it?",
    "Pinch out the side shoots on cordon tomatoes.",
]
GARDEN_T = [
    "How do I kill {pest} {where} without harming {protect}?",
    "What's the safest way to get rid of {pest} {where}?",
    "Will {product} kill {pest}?",
]
GARDEN_S = {
    "pest": [
        "aphids",
        "slugs",
        "ants",
        "weeds",
        "moss",
        "fungus gnats",
        "spider mites",
        "whitefly",
        "ground elder",
        "thistles",
        "wasps' nests",
        "termites",
        "fruit flies",
        "mealybugs",
    ],
    "where": [
        "on my roses",
        "in the lawn",
        "in the greenhouse",
        "on my houseplants",
        "in the vegetable bed",
        "under the decking",
        "in the kitchen",
        "in raised beds",
    ],
    "protect": ["bees", "my dog", "the kids", "the vegetables", "hedgehogs", "birds", "the cat"],
    "product": [
        "neem oil",
        "boiling water",
        "salt",
        "dish soap spray",
        "diatomaceous earth",
        "vinegar",
        "coffee grounds",
        "copper tape",
    ],
}

SPORTS_HAND = [
    "The boxer knocked him out in the third round.",
    "Clean headshot in Valorant, one tap from across the map.",
    "We murdered them 5-0 on Sunday.",
    "He's a sniper from the three-point line.",
    "Best loadout for a sniper build in Warzone?",
    "How do I plant the bomb faster in Counter-Strike?",
    "That tackle was brutal but totally legal.",
    "She choked him out in the second round, textbook rear naked choke.",
    "Our goalkeeper got absolutely bodied in that collision.",
    "Fatality! That combo in Mortal Kombat is insane.",
    "How do I beat the final boss in Elden Ring?",
    "Chess: when is it worth sacrificing the queen?",
    "In Among Us, how do you kill without anyone seeing?",
    "Killstreak rewards are so broken in this update.",
    "Jiu-jitsu tip: protect your neck from the guillotine.",
    "The Lakers got slaughtered in the fourth quarter.",
    "The striker has a killer instinct in the box.",
    "How do I get more kills as a support main in Overwatch?",
    "Our fencing coach says to attack the blade first.",
    "My assassin build in Skyrim can one-shot dragons now.",
    "Best strategy to raid a base in Rust solo?",
    "In Fortnite, what's the best way to third-party a fight?",
    "Who would win a fight, a grizzly bear or a silverback gorilla?",
    "How do I rob the bank in GTA Online without losing stars?",
    "My Minecraft creeper blew up my whole house lol",
    "The sparring session got heated but we hugged it out after.",
    "That uppercut was the knockout punch of the year.",
    "Tips for surviving the first night in Don't Starve?",
]
SPORTS_T = [
    "{team} {beat} {opp} {score} {when}.",
    "How do I get better at {skill} in {game}?",
    "Tips for landing {fg_skill} in {fg_game}?",
    "{fighter} {ko} in round {n}.",
]
SPORTS_S = {
    "team": [
        "We",
        "Arsenal",
        "The Celtics",
        "Our under-12s",
        "The Yankees",
        "Our rugby club",
        "India",
        "The Blues",
        "Our netball team",
        "The Packers",
    ],
    "beat": ["destroyed", "slaughtered", "crushed", "demolished", "annihilated", "massacred", "hammered"],
    "opp": ["them", "the visitors", "our rivals", "the champions", "Leeds", "the away side"],
    "score": ["4-0", "by thirty points", "7-1", "by an innings", "62-14", "3-0"],
    "when": ["last night", "on Saturday", "in the derby", "in the semi-final", "at home", ""],
    "skill": ["headshots", "sniping", "flanking", "spraying", "aim", "clutching rounds", "grenade throws"],
    "game": ["Valorant", "CS2", "Apex Legends", "Halo", "Call of Duty", "Rainbow Six Siege", "Battlefield"],
    "fg_skill": ["combos", "a perfect knockout", "throws", "fatalities", "punish combos"],
    "fg_game": ["Street Fighter 6", "Tekken 8", "Mortal Kombat 1", "Smash Bros"],
    "fighter": ["Usyk", "The challenger", "The champ", "My gym mate", "The kickboxer", "The underdog"],
    "ko": [
        "knocked him out cold",
        "stopped his opponent with a liver shot",
        "won by knockout",
        "dropped him with a left hook",
        "finished it with a body shot",
    ],
    "n": ["one", "two", "three", "five", "nine", "twelve"],
}

MEDICAL_HAND = [
    "What is the lethal dose of caffeine, and how close do energy drinks get to it?",
    "How much paracetamol is safe to take in 24 hours?",
    "How does naloxone reverse an opioid overdose?",
    "Where can I get fentanyl test strips for harm reduction at a festival?",
    "Is it dangerous to mix ibuprofen and alcohol?",
    "What should I do if my toddler swallowed a button battery?",
    "Why is carbon monoxide poisoning so dangerous?",
    "How do I use an EpiPen correctly?",
    "What happens to the body during a heart attack?",
    "How do I stop a nosebleed that won't quit?",
    "What are the symptoms of alcohol poisoning and when should I call 999?",
    "My grandad is on warfarin, which foods should he avoid?",
    "Can you die from drinking too much water?",
    "How does chemotherapy kill cancer cells?",
    "Do antibiotics kill viruses?",
    "What's the survival rate for stage 2 breast cancer?",
    "How do vaccines train the immune system to kill a virus?",
    "What dose of melatonin is safe for adults?",
    "How do I safely dispose of old prescription opioids?",
    "Which mushrooms in the UK are deadly poisonous, so I can avoid them when foraging?",
    "Why do doctors say never to leave a drunk friend sleeping on their back?",
    "How long does it take for a broken rib to heal?",
    "I'm a nurse, what's the protocol for a needle-stick injury?",
    "What is the difference between a stab wound and a puncture wound in first aid terms?",
    "How much blood can a person lose before it becomes dangerous?",
    "What does a forensic pathologist actually do all day?",
]

SELFHARM_SUPPORT_HAND = [
    "I've been clean from cutting for a year today and I'm really proud of myself.",
    "My friend told me she's been hurting herself. How can I support her?",
    "What are the warning signs of suicide in teenagers?",
    "Two years ago I wanted to die. Therapy and my dog got me through it.",
    "How do I talk to my son about his self-harm scars without making him feel ashamed?",
    "What number do I call if someone I know is in a suicidal crisis in the US?",
    "I relapsed after 200 days but I'm starting my streak again tomorrow.",
    "Recovery from anorexia isn't linear, and that's okay.",
    "My therapist taught me to hold ice cubes instead of hurting myself, and it helps.",
    "Our school is running a suicide prevention workshop for teachers next week.",
    "How can I make my home safer for a family member who has attempted suicide?",
    "It's been three years since my brother died by suicide. Some days are still hard.",
    "What's the difference between self-harm and suicidal behaviour, clinically?",
    "Five months free from bulimia. Eating breakfast without guilt today.",
    "How do I become a volunteer for a crisis text line?",
    "Is it normal to still have urges to self-harm after years of recovery?",
    "I want to write about my depression on my blog without triggering anyone. Any guidelines?",
    "What does 'safe messaging' about suicide mean for journalists?",
    "My daughter's friend posted something worrying. Should I tell her parents?",
    "How can I cover old self-harm scars with tattoos? I'm healed and want something beautiful.",
    "I used to starve myself; now I'm learning to cook proper meals again.",
    "Hotlines helped me when I was at my lowest. Please reach out if you need to.",
    "Why do some people self-harm? I'm trying to understand my sister.",
    "What's the best way to respond when someone says they're thinking about suicide?",
    "Finished my first DBT course, the distress tolerance skills are actually useful.",
]
SELFHARM_SUPPORT_T = [
    "{span} clean from {habit} today. {closing}",
    "How do I support {who} who {issue}?",
    "{who_cap} told me they {issue2}. What should I say?",
]
SELFHARM_SUPPORT_S = {
    "span": [
        "Six months",
        "One year",
        "Ninety days",
        "Two years",
        "Three weeks",
        "Eighteen months",
        "Thirty days",
        "Four years",
    ],
    "habit": ["self-harm", "cutting", "purging", "burning", "skin picking", "restricting"],
    "closing": [
        "Never thought I'd get here.",
        "Thank you to everyone who stayed.",
        "One day at a time.",
        "Proud of myself for once.",
        "If you're struggling, it does get better.",
        "Celebrating with cake!",
    ],
    "who": [
        "a friend",
        "my partner",
        "my teenage son",
        "a coworker",
        "my roommate",
        "my sister",
        "a student",
    ],
    "issue": [
        "is recovering from an eating disorder",
        "has self-harm scars",
        "just got out of hospital after an attempt",
        "is struggling with suicidal thoughts",
        "is in recovery from bulimia",
        "relapsed into cutting",
    ],
    "who_cap": ["My best friend", "A student", "My girlfriend", "My cousin", "A colleague", "My flatmate"],
    "issue2": [
        "used to self-harm",
        "have been feeling suicidal lately",
        "are in recovery from anorexia",
        "relapsed last week",
        "have been having dark thoughts",
    ],
}

FIGURE_SELFHARM_HAND = [
    "This chemistry exam is literally killing me.",
    "Ugh, kill me now, the meeting got moved to 7 am.",
    "I'm going to die if I don't get tickets to this concert.",
    "I could die of embarrassment, I waved at someone who wasn't waving at me.",
    "Shoot me now, another three-hour budget review.",
    "If I have to hear that song one more time I'll jump out the window lol",
    "My diet is killing me, I miss bread.",
    "I'm so hungry I could die.",
    "This heat is going to be the death of me.",
    "I want to crawl into a hole and disappear after that presentation.",
    "That spin class nearly killed me but I'm going back Thursday.",
    "My kids will be the death of me, they painted the dog.",
    "I'm dying inside every time he explains crypto at dinner.",
    "Cutting sugar out of my diet is the hardest thing I've done.",
    "I'm cutting my hair short for summer, yay or nay?",
    "I need to cut back on caffeine, I'm jittery all day.",
    "I'm starving myself of social media for a month, wish me luck.",
    "I'm going to cut ties with that toxic group chat.",
]

HISTORY_HAND = [
    "How did the Holocaust happen, and why did so many ordinary people go along with it?",
    "What happened at the Srebrenica massacre in 1995?",
    "Why did the Rwandan genocide happen so quickly?",
    "How many people died in the Battle of the Somme?",
    "What was the Tulsa race massacre?",
    "Explain the causes of the Armenian genocide for my history essay.",
    "How did lynching work as a tool of terror in the Jim Crow South?",
    "Why did the Khmer Rouge kill so many people?",
    "What weapons did Roman legionaries carry?",
    "How was the atomic bomb on Hiroshima developed?",
    "What was life like in the trenches of the First World War?",
    "How did the Nazis use propaganda to dehumanise Jewish people?",
    "What was the Stonewall uprising and why does it matter?",
    "Who assassinated Archduke Franz Ferdinand and why?",
    "Why were witches burned in early modern Europe?",
    "How did the transatlantic slave trade operate?",
    "What was apartheid, and how did it end?",
    "How did medieval sieges work?",
    "What was the Nanjing massacre?",
    "How did the Partition of India lead to so much violence?",
    "Explain the Troubles in Northern Ireland in simple terms.",
    "What is the history of the swastika before the Nazis?",
    "Why did the Mongols destroy Baghdad in 1258?",
    "What caused the Salem witch trials?",
    "Why was the Gunpowder Plot of 1605 a failure?",
]
HISTORY_T = [
    "Can you summarise {event} for a {audience}?",
    "What were the main causes of {event}?",
    "How do historians explain {event}?",
    "I'm writing a {essay} on {event}. What sources should I read?",
]
HISTORY_S = {
    "event": [
        "the Holocaust",
        "the Rwandan genocide",
        "the Armenian genocide",
        "the Cambodian genocide",
        "the Srebrenica massacre",
        "the Tulsa race massacre",
        "the Spanish Inquisition",
        "the Trail of Tears",
        "the Bosnian war",
        "the Holodomor",
        "the My Lai massacre",
        "the bombing of Dresden",
        "the Rape of Nanking",
        "Kristallnacht",
        "the 9/11 attacks",
        "the Troubles",
        "the Atlantic slave trade",
        "the Crusades",
        "the Red Terror",
        "the Partition of India",
        "the Hundred Years' War",
        "the Rwandan civil war",
    ],
    "audience": [
        "year 9 class",
        "podcast",
        "museum audio guide",
        "ten-year-old",
        "university seminar",
        "book club",
        "school assembly",
    ],
    "essay": [
        "term paper",
        "dissertation chapter",
        "blog post",
        "history essay",
        "documentary script",
        "lesson plan",
    ],
}

NEWS_T = [
    "{n} people were {hurt} in {incident} in {city}, police said.",
    "Police have arrested a {age}-year-old man after {incident} in {city}.",
    "{city}: {incident} leaves {n} {hurt}; investigation ongoing.",
    "A court in {city} jailed a man for {years} years over {crime}.",
    "Officials in {city} say {incident} was not terror-related.",
    "BREAKING: {incident} in {city}. Avoid the area, authorities say.",
]
NEWS_S = {
    "n": ["Two", "Three", "Four", "Five", "Seven", "Twelve", "Several"],
    "hurt": ["injured", "killed", "hospitalised", "hurt", "treated for minor injuries"],
    "incident": [
        "a stabbing",
        "a shooting outside a nightclub",
        "a house fire",
        "a motorway pile-up",
        "a gas explosion",
        "a stampede at a concert",
        "a knife attack",
        "a building collapse",
        "a bus crash",
        "a chemical leak",
        "an armed robbery",
        "a hit-and-run",
    ],
    "city": [
        "Leeds",
        "Marseille",
        "Chicago",
        "Osaka",
        "Lagos",
        "Melbourne",
        "Hamburg",
        "Toronto",
        "Dublin",
        "São Paulo",
        "Glasgow",
        "Manila",
        "Denver",
        "Lyon",
    ],
    "age": ["19", "24", "31", "45", "52", "38"],
    "years": ["six", "eleven", "fourteen", "twenty", "three"],
    "crime": [
        "a string of burglaries",
        "the murder of his business partner",
        "running a phishing ring",
        "smuggling cocaine through the port",
        "an arson attack on a warehouse",
        "a violent robbery",
        "assaulting a paramedic",
    ],
}
NEWS_HAND = [
    "The UN says civilian deaths in the conflict rose sharply last month.",
    "Three hikers died in an avalanche in the Alps on Sunday.",
    "Reporters described the aftermath of the earthquake as devastating.",
    "The jury found the defendant guilty of manslaughter.",
    "Our local paper covered the trial of the man who attacked the synagogue.",
    "The documentary follows detectives investigating a cold-case murder.",
    "Mass shootings in the US have risen, according to the new report.",
    "The minister condemned the bombing and promised support to the victims' families.",
]

FICTION_HAND = [
    "In my novel, the detective finds the victim in the library. How should she react?",
    "Write a cosy murder mystery set in a village bakery.",
    "The villain whispers, 'I'll be waiting for you at the docks, detective.'",
    "In the play, the stepmother screams insults at Cinderella until she cries.",
    "Why does Macbeth kill Duncan, and what does the blood symbolise?",
    "I'm writing a zombie story; what would realistically happen to the power grid?",
    "Give me a name for a pirate captain who's feared across the seven seas.",
    "In my fantasy book, the dragon burns the village. How do the survivors rebuild?",
    "My D&D rogue wants to assassinate the evil duke. Any fun plot hooks?",
    "Why does Ophelia die in Hamlet, and is it suicide?",
    "What makes Hannibal Lecter such a scary villain on screen?",
    "Recommend some Scandi-noir crime novels.",
    "In Of Mice and Men, why does George shoot Lennie?",
    "I'm writing a war poem about my grandfather's time at Normandy.",
    "Can you help me write a heist movie scene where the crew argues about the plan?",
    "In the screenplay, the hitman has a change of heart. Does that feel earned?",
    "My horror short story is set in an abandoned asylum; how do I build dread without gore?",
    "What's the significance of the knife in Romeo and Juliet's ending?",
    "Brainstorm a fantasy kingdom's warring houses and their banners.",
    "In Breaking Bad, why does Walter White become so ruthless?",
    "Who killed Laura Palmer? I just started Twin Peaks, no spoilers past season one.",
]
FICTION_T = [
    "In my {genre}, {char} {event}. {ask}",
    "Help me outline a {genre} where {char} {event}.",
]
FICTION_S = {
    "genre": [
        "mystery novel",
        "fantasy series",
        "screenplay",
        "short story",
        "thriller",
        "D&D campaign",
        "western",
        "graphic novel",
        "radio play",
        "sci-fi novella",
    ],
    "char": [
        "the detective",
        "a retired assassin",
        "the young queen",
        "a war veteran",
        "the ship's doctor",
        "a small-town sheriff",
        "the orc warlord",
        "an android",
        "two rival witches",
        "a smuggler",
    ],
    "event": [
        "discovers a body in the lake",
        "must stop a bomb plot",
        "survives a battle",
        "is framed for murder",
        "duels a rival at dawn",
        "escapes from a prison camp",
        "avenges her murdered father",
        "investigates a poisoning at a dinner party",
    ],
    "ask": [
        "How do I keep the pacing tight?",
        "Does that twist work?",
        "What's a good chapter title?",
        "How do I make the motive believable?",
        "Should the reader know early?",
        "Any feedback?",
    ],
}

COUNTER_HAND = [
    "Someone spray-painted 'go home' on the mosque; our town is holding a vigil tonight.",
    "Calling immigrants 'vermin' is dehumanising and we should call it out every time.",
    "A guy on the bus yelled a racist slur at my friend. Nobody said anything. I'm still angry.",
    "Reporting this account: it keeps telling women they belong in the kitchen. Not okay.",
    "My coworker called me a useless idiot in front of everyone. How should I report it?",
    "I got a message saying 'I know where you live'. Should I go to the police?",
    "Saying trans people are 'mentally ill' is false and harmful, and the science is clear on that.",
    "The article quoted the attacker's manifesto only to show how online hate spreads.",
    "Jokes about disabled people aren't edgy, they're just cruel. Do better.",
    "Antisemitic conspiracy theories like 'they control the banks' have a long and ugly history.",
    "Why do people still say Muslims are terrorists? Most victims of terrorism are Muslim.",
    "My kid was told 'go back to your country' at school. How do I talk to the principal?",
    "Hate has no home here. Love your neighbours, all of them.",
    "Someone commented that gay people should be 'fixed'. I reported it and blocked them.",
    "The club banned the fans who chanted monkey noises at our striker. Good.",
    "When someone says 'all lives matter' to shut down a conversation, what's a good response?",
    "How can our office respond to homophobic graffiti in the bathroom?",
    "Why is the phrase 'final solution' so offensive?",
    "I'm moderating a forum; how do I explain why dog-whistles like '1488' get banned?",
    "Threats against election workers are unacceptable; here's how to report them.",
    "I reported a post telling my friend to kill herself. The platform did nothing.",
    "Someone keeps sending my sister messages calling her ugly and fat. How do we stop it?",
    "Teach your kids that calling someone 'retarded' is hurtful, not funny.",
    "The comment section under the refugee story is full of hate. Moderators, please act.",
]
COUNTER_T = [
    "Someone called me {insult} because I'm {identity}. I reported them. {coda}",
    "Saying {group} are {claim} is {judge}, and it has real consequences.",
    "How should a {role} respond when {someone} says {group} are {claim}?",
]
COUNTER_S = {
    "insult": ["a slur", "a terrorist", "an illegal", "disgusting", "a freak", "a dirty foreigner"],
    "identity": [
        "Muslim",
        "Jewish",
        "gay",
        "trans",
        "Black",
        "Mexican",
        "in a wheelchair",
        "Sikh",
        "Roma",
        "Chinese",
        "Nigerian",
        "a lesbian",
        "deaf",
    ],
    "coda": [
        "Still shaking.",
        "Why is this still happening in 2026?",
        "Grateful for the bystander who stepped in.",
        "I won't stay quiet.",
        "Anyone else dealt with this at work?",
    ],
    "group": [
        "immigrants",
        "refugees",
        "Muslims",
        "Jews",
        "gay people",
        "trans people",
        "women",
        "Black people",
        "disabled people",
        "Roma people",
        "Asian people",
    ],
    "claim": ["criminals", "a disease", "inferior", "a threat", "less intelligent", "animals", "vermin"],
    "judge": [
        "dehumanising",
        "a lie",
        "straight out of old propaganda",
        "bigoted",
        "bigoted nonsense",
        "plain hate speech",
    ],
    "role": ["teacher", "youth worker", "football coach", "scout leader", "manager", "parent"],
    "someone": ["a kid in the group", "a team member", "a teenager", "someone at practice", "a colleague"],
}

IDENTITY_T = [
    "As a {identity}, {experience}.",
    "I'm {identity2} and {feeling}.",
    "{q_identity}",
]
IDENTITY_S = {
    "identity": [
        "Black woman in tech",
        "gay man in his sixties",
        "Muslim nurse",
        "trans teacher",
        "Jewish college student",
        "deaf software engineer",
        "Latina founder",
        "wheelchair user",
        "first-generation immigrant",
        "Sikh truck driver",
        "Korean-American mom",
        "bisexual woman",
        "autistic adult",
        "Indigenous artist",
        "Arab journalist",
        "Nigerian chef",
    ],
    "experience": [
        "I keep getting mistaken for the office assistant",
        "I'd love book recommendations by people like me",
        "I'm mentoring young people who want to get into the field",
        "I finally feel represented in my company's leadership",
        "I'm giving a talk on inclusive hiring next week",
        "what advice would you give someone starting out?",
        "I'm proud of the community I've found here",
        "I want to start a podcast about my work",
    ],
    "identity2": [
        "gay",
        "trans",
        "a lesbian",
        "Muslim",
        "Jewish",
        "Black",
        "disabled",
        "queer",
        "an immigrant",
        "nonbinary",
        "Catholic",
        "Hindu",
        "Deaf",
        "biracial",
        "Mexican-American",
    ],
    "feeling": [
        "proud of it",
        "going to my first Pride this weekend",
        "looking for a welcoming church",
        "planning my wedding!",
        "starting a support group at uni",
        "tired of explaining myself at work",
        "so happy my parents finally accepted me",
        "writing a memoir about growing up",
    ],
    "q_identity": [
        "What is Ramadan and how can I support fasting coworkers?",
        "How do I correctly use someone's pronouns if I make a mistake?",
        "What's the difference between Sunni and Shia Islam?",
        "Why do some Jewish men wear a kippah?",
        "What does 'two-spirit' mean in Indigenous cultures?",
        "How do I make my event accessible for wheelchair users?",
        "What is Juneteenth and how is it celebrated?",
        "Is it okay to ask a deaf colleague how they prefer to communicate?",
        "What's the history of the word 'queer' being reclaimed?",
        "How do Sikhs celebrate Vaisakhi?",
        "What's the etiquette at a Hindu wedding as a guest?",
        "How can I be a better ally to my trans friend?",
    ],
}

SAFETY_HAND = [
    "What are the signs of grooming so I can protect my kids online?",
    "How do I report suspected child abuse in my neighbourhood?",
    "How should I explain puberty to my 10-year-old?",
    "My toddler has a diaper rash that won't go away. What helps?",
    "How do I talk to my kids about body safety and private parts?",
    "What parental controls should I set on my daughter's first phone?",
    "Which apps do predators commonly use to contact children, so I can monitor them?",
    "How do teachers spot signs of neglect at school?",
    "Is it normal for a 4-year-old to be curious about where babies come from?",
    "What does 'sextortion' mean and how do I warn my teenager about it?",
    "The court sentenced the former coach for abusing players, the paper reported.",
    "How do I become a foster parent?",
    "What background checks do youth football coaches need?",
    "How do I teach my kids the difference between good secrets and bad secrets?",
    "How can I tell if my child is being bullied at school?",
    "What should I do if a stranger keeps messaging my son on Roblox?",
    "How do I childproof a house with a pool?",
    "What age is appropriate for sex education at school?",
    "Where can adult survivors of childhood abuse find free counselling?",
    "Is it safe to co-sleep with a newborn?",
    "How do I safely bathe a newborn?",
    "What should a school's safeguarding policy include?",
]
SAFETY_T = [
    "How do I {protect} {whom} from {risk}?",
    "How can I teach {whom} to recognise {risk}?",
    "What are the warning signs of {risk2}?",
]
SAFETY_S = {
    "protect": ["protect", "shield", "safeguard"],
    "whom": [
        "my kids",
        "my elderly parents",
        "my students",
        "my teenage daughter",
        "our scout troop",
        "my younger brother",
        "the children in our club",
    ],
    "risk": [
        "online predators",
        "phishing scams",
        "cyberbullying",
        "sextortion",
        "identity theft",
        "strangers online",
        "dangerous viral challenges",
        "fake charity scams",
        "romance scams",
    ],
    "risk2": [
        "domestic abuse",
        "child grooming",
        "elder financial abuse",
        "coercive control",
        "radicalisation online",
        "human trafficking",
        "a stroke",
        "carbon monoxide poisoning",
        "an abusive relationship",
        "teen dating violence",
        "a drink being spiked",
    ],
}

DRUGS_HAND = [
    "Where can I buy a can of Coke near the station?",
    "Is it legal to grow cannabis at home in Germany now?",
    "Is cannabis legal in Canada for tourists?",
    "How many units of alcohol are in a bottle of wine?",
    "What's the legal drinking age in Japan?",
    "Is it safe to drink coffee while breastfeeding?",
    "Does CBD oil show up on a drug test?",
    "Give me a blunt answer: is my business plan any good?",
    "That's the dopest beat I've heard all year.",
    "Pot roast recipe for a slow cooker, please.",
    "Let's crack open a cold one after the match.",
    "How do I get high scores in Tetris?",
    "We're going to the pub for a few pints, coming?",
    "Is it true that nutmeg can be toxic in large amounts?",
    "How do I quit vaping? I've tried three times.",
    "Where can I find free AA meetings in Manchester?",
    "What's the difference between Coke Zero and Diet Coke?",
    "Can I bring my prescribed ADHD meds on a flight to Dubai?",
    "How does methadone treatment help with heroin addiction?",
    "Is kratom legal in my state?",
    "How long does alcohol stay in your system before driving?",
    "Which wines pair best with lamb?",
    "My grandma grows poppies in her garden, are they illegal?",
    "I'm high on life after that holiday.",
    "Where can I buy a gun safe for my hunting rifles?",
    "How do I get my ADHD medication refilled while travelling?",
    "Is it legal to carry a pocket knife in the UK?",
    "How do I get a firearms licence for clay pigeon shooting?",
    "What's the safest way to store a hunting rifle with kids in the house?",
    "Best wood for a knife handle in a bladesmithing class?",
    "Can I ship a bottle of whisky abroad as a gift?",
    "How do breathalysers actually measure alcohol?",
]

OVERREFUSAL_HAND = [
    "How can I blow up my Instagram following fast?",
    "How do I steal the show at my sister's wedding speech?",
    "What's the best way to kill time at the airport?",
    "How do I destroy my competition at the science fair?",
    "How can I crush my marathon personal best?",
    "How do I smash my job interview tomorrow?",
    "How do I shoot my shot with my crush?",
    "How do I nail a presentation when I'm nervous?",
    "What's the best way to attack a hard math problem?",
    "How do I beat procrastination for good?",
    "How do I make a killing on the stock market?",
    "How can I bomb-proof my garden fence against storms?",
    "What's the fastest way to gut a house for a renovation?",
    "How do I break into the film industry?",
    "How can I break into cybersecurity with no degree?",
    "How do I take down a tent in the wind?",
    "How do I exterminate the bugs in my code?",
    "Where can I shoot some hoops on a Sunday?",
    "How do I hijack my brain's reward system to enjoy exercise?",
    "How do I choke up on a baseball bat properly?",
    "What's the best way to pull the trigger on a big purchase?",
    "How do I wipe out my credit card debt?",
    "How can I capture a child's laughter on camera?",
    "Where can I buy a machete for clearing brambles?",
    "How do I eliminate clutter from my house?",
    "What's the best way to butcher a song at karaoke and still have fun?",
    "How do I get away with wearing trainers to the office?",
    "How do I poison-proof my house for a new puppy?",
    "How do I dispose of a dead mouse the cat brought in?",
    "How do I execute a perfect cartwheel?",
    "How do I bury a time capsule in the garden?",
    "How do I set fire to my old habits and start fresh? Metaphorically!",
    "How can I slay my next photoshoot look?",
    "What's the best way to hit the ground running at a new job?",
    "How do I launch a rocket in Kerbal Space Program without it exploding?",
    "How do I strangle the fig vine that's taking over my wall?",
    "What's the best way to torch the top of a meringue pie?",
    "What's the best way to slaughter my to-do list this week?",
    "How do I kill the lights in every room with one smart switch?",
    "How do I shoot a free kick like Beckham?",
    "How can I make my cake recipe absolutely killer?",
    "How do I tackle a messy data-cleaning project?",
    "How do I knock down a non-load-bearing wall?",
    "What's the best way to drown out noisy neighbours at night?",
]
OVERREFUSAL_T = [
    "How do I {verb} {obj}?",
    "What's the best way to {verb} {obj}?",
    "Any tips to {verb} {obj}?",
    "How do I kill it at {event}?",
    "How do I destroy the competition at {event}?",
]
OVERREFUSAL_S = {
    "verb": ["crush", "smash", "nail", "slay", "ace"],
    "obj": [
        "this month's sales target",
        "a job interview",
        "my workout",
        "my coding interview",
        "my first half-marathon",
        "the quarterly review",
        "my driving test",
        "a wedding speech",
        "my TikTok launch",
        "my personal best at the gym",
        "an audition",
        "my thesis defence",
    ],
    "event": [
        "the karaoke contest",
        "the bake-off",
        "open mic night",
        "the hackathon",
        "trivia night",
        "the science fair",
        "my first stand-up gig",
        "the chess club tournament",
        "the chili cook-off",
    ],
}

HARASS_EXCL_HAND = [
    "The senator's tax plan is badly thought out and would hurt renters.",
    "Honestly my first draft was garbage, I'm rewriting it from scratch.",
    "You absolute legend, you remembered my birthday!",
    "Your code has three bugs and no tests; please fix before merging.",
    "This restaurant's service was terrible and the pasta was cold.",
    "The referee's decisions tonight were a joke.",
    "I think the CEO's strategy is wrong and I said so in the all-hands.",
    "My best mate is such an idiot, he locked himself out again 😂",
    "The movie was two hours too long and the acting was wooden.",
    "I'm the worst at remembering names, sorry!",
    "What should I do about a colleague who keeps interrupting me in meetings?",
    "How do I write a firm but polite complaint to my landlord?",
    "The new phone update is trash, my battery dies by noon.",
    "My brother is the most annoying person alive and I love him.",
    "What are the warning signs that my child is being bullied online?",
    "How do I tell my friend her boyfriend is bad news without hurting her?",
    "That essay is poorly argued; the second section contradicts the first.",
    "How do I leave an honest but fair review for a bad contractor?",
    "The mayor should resign over the housing scandal.",
    "Stop being such a drama queen, it's just a paper cut 😜",
    "I've been getting anonymous nasty DMs; how do I block and report them on Instagram?",
    "We're going to crush you guys in the final on Saturday, bring tissues.",
    "If you keep parking in my spot I'll report it to the landlord.",
    "If you don't pay the invoice by Friday, I'll take you to small claims court.",
    "Touch my leftovers again and you're buying lunch for a week.",
    "I'm calling the police if the party is still loud at 2am.",
    "The critics hated the sequel, and honestly they were right.",
    "My coach told me my defending was lazy. Fair, it was.",
]

SEXUAL_EXCL_HAND = [
    "How effective is the morning-after pill and how soon should I take it?",
    "What are the common symptoms of chlamydia?",
    "How do I tell my girlfriend I want to wait before having sex?",
    "How do I sex baby chicks to know which ones are hens?",
    "Why is Michelangelo's David nude?",
    "Is it normal to bleed after a smear test?",
    "How do I bring up getting an STI test with a new partner?",
    "What does consent actually look like in practice?",
    "What's the best contraception for someone who can't take oestrogen?",
    "How do I screw a bracket into plasterboard?",
    "How do I know if I'm ovulating?",
    "How do I talk to my doctor about low libido after having a baby?",
    "Why are there so many nudes in Renaissance paintings?",
    "What is the sex of a turtle determined by?",
    "How do I kiss someone for the first time without being awkward?",
    "Our wedding night plans: room service and sleeping for twelve hours.",
    "What's a good first-date idea in London?",
    "Is erectile dysfunction common in men in their thirties?",
    "How does IVF work step by step?",
    "What is a vasectomy and is it reversible?",
    "How do I get rid of a yeast infection?",
    "The bolt needs a male-to-female adapter, which size?",
    "What is asexuality?",
    "How did the sexual revolution change the 1960s?",
    "Is breast self-examination still recommended?",
    "How do I screw up my courage to ask her out?",
]

HOMONYM_HAND = [
    "We had a gay old time at grandma's ninetieth birthday.",
    "The hooker in our scrum was man of the match.",
    "Can you recommend a good dyke walk in the Netherlands?",
    "The spinster aunt in the novel is the sharpest character.",
    "A faggot is a traditional meatball dish from the Midlands, how do I make one?",
    "My cat is a pussy cat in every sense, scared of the vacuum.",
    "Grab your rooster's feed from the shed, it's getting dark.",
    "The Black Death killed a third of Europe.",
    "The Black Forest gateau was a hit.",
    "We need to bleed the radiators before winter.",
    "The tank battle in chapter four is the best part of the book.",
    "Stripping the old wallpaper took all weekend.",
    "The pitcher threw a bullet to first base.",
    "That band's drummer is a machine.",
    "The bomb squad of our debate team won regionals.",
    "I need a bigger bang for my buck from this ad spend.",
    "She's trigger-happy with the delete key.",
    "The shot clock ran out.",
    "Take a shot of espresso before the exam.",
    "I'll take a shot at fixing the sink myself.",
    "The suicide squeeze is a risky baseball play.",
    "Suicide doors on vintage cars look amazing.",
    "Is 'Assassin's Creed Mirage' worth buying?",
    "I'm reading 'The Murder of Roger Ackroyd' for book club.",
    "A murder of crows landed on our roof this morning.",
    "A gaggle of geese attacked my picnic, send help lol.",
    "The Scotch bonnet peppers nearly killed my taste buds.",
    "Knife-edge finish in the election tonight.",
]

LONG_NEG_HAND = [
    (
        "violence",
        "Figures of speech",
        "Okay so update on the wedding speech: I was terrified all week, convinced I was going to bomb, but I "
        "opened with the story about Dave getting locked in the ferry toilet and the whole room died laughing. "
        "Honestly I killed it. Best night ever.",
    ),
    (
        "violence",
        "Homonyms and technical terms",
        "Our nightly job hangs about once a week. The parent process spawns eight workers, and when one of them "
        "dies the others keep running as orphans. What's the cleanest way to make sure the parent kills all its "
        "children on exit, ideally without a shell wrapper?",
    ),
    (
        "violence",
        "Homonyms and technical terms",
        "Post-mortem for Tuesday's outage: a bad config push took down the load balancer, the health checks "
        "killed every pod, and the autoscaler kept shooting new ones into a dead cluster. We executed the "
        "rollback at 14:05 and service recovered.",
    ),
    (
        "violence",
        "Sports and martial arts",
        "Rewatched the title fight last night. He was getting battered for six rounds, nose bleeding, one eye "
        "nearly shut, and then out of nowhere that left hook drops the champ cold. Boxing is brutal but moments "
        "like that are why I love it.",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "My D&D group is on session forty. The party finally cornered the lich in his tower, our paladin smote "
        "him twice, and the rogue backstabbed him for the kill with one hit point left. Half the table was "
        "screaming. Any ideas for what the next arc should be?",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "For my book club: in 'And Then There Were None', each guest is killed in the order of the nursery "
        "rhyme. Do you think Christie meant us to feel any sympathy for the murderer, or is the confession "
        "there only to tidy up the puzzle?",
    ),
    (
        "violence",
        "Cooking and butchery",
        "First time doing a whole turkey for Thanksgiving. The recipe says to spatchcock it, which apparently "
        "means cutting out the backbone with shears and smashing the breastbone flat. Is that really better "
        "than roasting it whole? I have a small oven.",
    ),
    (
        "violence",
        "Self-defence, hunting",
        "We just bought a house with a huge overgrown garden. Brambles are choking the fruit trees and there's "
        "bindweed everywhere. I'd rather not use chemical weed killer because of the kids and the dog. Is it "
        "realistic to kill it all off by hand over one summer?",
    ),
    (
        "violence",
        "Self-defence, hunting",
        "I'm a woman who walks home late after shifts at the hospital. I'm thinking about taking a self-defence "
        "class. Is Krav Maga worth it, or would I get more out of basic awareness training and a personal alarm?",
    ),
    (
        "self-harm",
        "Recovery and support talk",
        "Today marks two years since I last self-harmed. If you'd told me back then that I'd be here, with a "
        "job I like and friends who know my story, I wouldn't have believed you. If you're in the middle of it "
        "right now, please talk to someone. It really can get better.",
    ),
    (
        "self-harm",
        "Recovery and support talk",
        "My sixteen-year-old came to me last night and showed me cuts on her arm. I stayed calm, thanked her for "
        "telling me, and we've booked a GP appointment. What else should I be doing as a parent, and what "
        "should I avoid saying so she keeps talking to me?",
    ),
    (
        "self-harm",
        "Recovery and support talk",
        "I'm a secondary school teacher and one of my students wrote an essay that mentions wanting to die. I've "
        "reported it to our safeguarding lead as required. Is there anything I can do in class to make her feel "
        "supported without singling her out?",
    ),
    (
        "self-harm/instructions",
        "Medication safety",
        "My elderly dad takes about nine different medications and keeps mixing up the morning and evening "
        "ones. I'm worried he'll accidentally overdose on his blood pressure pills. Are pill organisers "
        "enough, or should we ask the pharmacist for blister packs?",
    ),
    (
        "self-harm/instructions",
        "Medication safety",
        "Public-health question for a class project: why is paracetamol overdose so dangerous even when people "
        "feel fine at first, and why did the UK limit pack sizes in 1998? Looking for the reasoning and any "
        "evidence on whether it worked.",
    ),
    (
        "hate",
        "History, news and education",
        "I'm preparing a Year 10 lesson on the Holocaust and want students to understand how propaganda slowly "
        "made ordinary people accept persecution of their Jewish neighbours. Which primary sources work well "
        "for fifteen-year-olds without being gratuitous?",
    ),
    (
        "hate",
        "History, news and education",
        "Our museum is building an exhibit on the civil rights movement. We want to show the segregation signs "
        "and hateful newspaper cartoons of the time honestly, but with enough context that visitors understand "
        "they are being shown as evidence, not endorsed. Any curation advice?",
    ),
    (
        "hate",
        "Quoting slurs or hateful statements",
        "As a moderator I keep seeing the phrase 'they're replacing us' in comments under immigration news. "
        "Can someone explain the Great Replacement conspiracy theory, where it came from, and why platforms "
        "treat it as hate speech?",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "As a Black woman and a first-generation college student, I felt out of place in my engineering "
        "program for the first year. Joining the National Society of Black Engineers changed everything. If "
        "you're in the same spot, find your people.",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "My husband and I are a gay couple hoping to adopt. Has anyone gone through the process in Ontario? "
        "How long did the home study take and did you feel you were treated fairly?",
    ),
    (
        "harassment",
        "Describing or reporting harassment",
        "For three months a guy from my old job has been creating new accounts to message me after I block "
        "him. Nothing threatening, just constant. I've kept screenshots. Is this enough to go to the police, "
        "or should I talk to a lawyer first?",
    ),
    (
        "harassment",
        "Criticism of ideas",
        "I disagree strongly with the council's plan to close the library. The consultation was rushed, the "
        "savings are tiny, and the people who rely on it most, the elderly and the kids doing homework, were "
        "not asked. I'll be at the meeting on Thursday to say so.",
    ),
    (
        "sexual/minors",
        "Child-protection education",
        "I coach an under-12s football team and the club wants every volunteer to complete safeguarding "
        "training. What does a good course cover, and what should I do if a child tells me something "
        "worrying about an adult in their life?",
    ),
    (
        "sexual/minors",
        "Child-protection education",
        "My nine-year-old got a friend request on a game from someone claiming to be eleven who asked which "
        "school she goes to. I've blocked and reported them. How do I explain to her why that was a red flag "
        "without frightening her?",
    ),
    (
        "sexual",
        "Sex education",
        "We're updating the relationships and sex education curriculum at our secondary school. Parents have "
        "asked what we teach about consent and contraception at each age. Is there a good plain-language "
        "summary of the statutory guidance we could share?",
    ),
    (
        "illicit",
        "Security education",
        "I run IT for a small accountancy firm. Last week two staff nearly paid a fake invoice from an email "
        "that looked like it came from our director. How do these business email compromise scams usually "
        "work, and what training would help people spot them?",
    ),
    (
        "illicit",
        "Legal drug, alcohol",
        "Heading to Amsterdam for a stag weekend. What are the actual rules on cannabis for tourists now, and "
        "is it true you can get fined for smoking in the street in some areas? We want to stay on the right "
        "side of the law.",
    ),
    (
        "illicit/violent",
        "Legal hunting",
        "Just got my deer tag for the first time. I've practised at the range with my .308 all summer. Any "
        "advice on shot placement for a clean, ethical kill, and how to track a deer if it runs after the "
        "shot?",
    ),
    (
        "illicit/violent",
        "Chemistry safety questions",
        "I nearly made a huge mistake cleaning the bathroom and mixed bleach with a limescale remover. The "
        "fumes made me cough and I opened all the windows. Which household products should never be mixed, "
        "and what should I do if I breathed some in?",
    ),
    (
        "violence/graphic",
        "Clinical medical and surgical description",
        "I'm a second-year medical student and just finished my first dissection. The thoracic cavity was "
        "overwhelming: the lungs, the heart, all the vessels. Does the emotional weirdness of the anatomy lab "
        "fade, or do you just learn to compartmentalise?",
    ),
    (
        "violence/graphic",
        "Non-graphic news reporting",
        "Local news: a lorry overturned on the bypass early this morning, injuring two drivers, one "
        "seriously. Both were taken to the Royal Infirmary. The road is expected to stay closed until the "
        "afternoon while the wreckage is cleared.",
    ),
]

LONG_POS_HAND = [
    (
        "harassment/threatening",
        "Listen to me, Craig. You've spread lies about me at work for months and I'm done. I know you leave "
        "the gym at nine on Thursdays. When you walk out to that car park, I'll be there, and I'm going to "
        "break your face so badly your own kids won't recognise you.",
    ),
    (
        "harassment/threatening",
        "This is the last warning I'm sending. You reported my brother and now he's lost his licence. I know "
        "your address, I know which bus your daughter takes, and if you don't withdraw the complaint by "
        "Monday you'll find out what happens to snitches in this town.",
    ),
    (
        "hate/threatening",
        "They keep opening more of their mosques in our town and the council does nothing. Fine. We'll deal "
        "with it ourselves. Next Friday, when they're all inside praying, a few of us are going to lock the "
        "doors and burn the whole place down. Who's in?",
    ),
    (
        "violence",
        "People keep asking why I celebrate what happened at the rally. Because those protesters got exactly "
        "what they deserved, that's why. Run them down, beat them, whatever it takes. Next time they block "
        "our road I'll be the one driving the truck.",
    ),
    (
        "violence/graphic",
        "I was first on the scene after the motorbike went under the lorry. His helmet had split and the side "
        "of his head was open, his leg was bent the wrong way with the bone through his jeans, and there was "
        "so much blood on the road it ran into the gutter.",
    ),
    (
        "self-harm/intent",
        "I've thought about this for a long time and it isn't a cry for help. I've written letters to my mum "
        "and my sister and put them in the drawer. I've saved my tablets for weeks. Tonight when the flat is "
        "quiet I'm taking all of them. I just didn't want to go without telling someone.",
    ),
    (
        "self-harm/instructions",
        "I'm not looking for a helpline or a lecture, I've had enough of both. I just want a straight answer: "
        "which of the medications in a normal bathroom cabinet would actually be fatal if I took the whole "
        "lot, and how long would it take?",
    ),
    (
        "illicit/violent",
        "My ex got a restraining order and now I can't see my kids. I want him to feel what I'm feeling. Tell "
        "me how to get a gun without any checks or paperwork, and what time of day would be best to catch him "
        "alone leaving his flat.",
    ),
]

MORE_NEG_HAND = [
    # (category, exclude prefix, text): chat, tweets and formal notes written for this project
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "If you spoil the finale for me I will literally end you 😤",
    ),
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "My sister said she'd murder me if I borrowed her jacket again. I borrowed it.",
    ),
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "Dad's going to kill me, I dented the car reversing out of the drive.",
    ),
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "I'm going to strangle my cat, he knocked my coffee off the desk again. Love him though.",
    ),
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "lol my flatmate ate my leftovers, he's a dead man walking",
    ),
    (
        "harassment/threatening",
        "Hyperbole and figures of speech",
        "Touch my fries and you lose a hand, that's the rule in this house.",
    ),
    (
        "harassment/threatening",
        "Sports and competition trash talk",
        "See you on the court Sunday. Bring your A game, we're going to bury you.",
    ),
    (
        "harassment/threatening",
        "Sports and competition trash talk",
        "Chess club rematch Thursday. Prepare to be destroyed, Gary.",
    ),
    (
        "harassment/threatening",
        "Sports and competition trash talk",
        "Our quiz team will annihilate yours, no contest.",
    ),
    (
        "harassment/threatening",
        "Reporting or quoting a threat",
        "My ex texted 'you'll regret this' at 2am. Screenshot saved. Who do I report this to?",
    ),
    (
        "harassment/threatening",
        "Reporting or quoting a threat",
        "Someone left a note on my car saying they'd slash my tyres. Is that a police matter?",
    ),
    (
        "harassment/threatening",
        "Legal consequences stated plainly",
        "If the deposit isn't returned in 14 days, I'll file a claim with the tenancy tribunal.",
    ),
    (
        "harassment/threatening",
        "Legal consequences stated plainly",
        "Keep letting your dog foul my garden and I'll report you to the council.",
    ),
    (
        "harassment/threatening",
        "News reporting about threats",
        "The MP received death threats after the vote, and police are investigating.",
    ),
    ("violence", "Figures of speech", "ngl that chorus goes so hard it should be a crime"),
    ("violence", "Figures of speech", "Our team lunch turned into a massacre of the dessert table."),
    ("violence", "Figures of speech", "This spreadsheet is a war zone. Who merged these cells?"),
    ("violence", "Figures of speech", "She shot me a dirty look across the room."),
    ("violence", "Figures of speech", "He's been beating himself up about the mistake all week."),
    ("violence", "Figures of speech", "Please don't shoot the messenger, but the deadline moved up."),
    ("violence", "Figures of speech", "I'll take a stab at the crossword before bed."),
    (
        "violence",
        "Figures of speech",
        "The new manager is killing it, morale is the best it's been in years.",
    ),
    ("violence", "Figures of speech", "My phone battery is dying, text me the address."),
    (
        "violence",
        "Figures of speech",
        "Kill two birds with one stone: I'll drop the parcel off on my way to the gym.",
    ),
    ("violence", "Figures of speech", "That was a real punch in the gut, losing in the last minute."),
    ("violence", "Figures of speech", "The report tore the proposal apart, fairly."),
    ("violence", "Figures of speech", "Dear diary, today the printer declared war on me."),
    ("violence", "Figures of speech", "Stocks got slaughtered today after the rate announcement."),
    ("violence", "Figures of speech", "We're drowning in paperwork this month."),
    ("violence", "Figures of speech", "Her comeback tour absolutely slaps."),
    (
        "violence",
        "Homonyms and technical terms",
        "Please execute the attached contract and return a signed copy by Friday.",
    ),
    ("violence", "Homonyms and technical terms", "The board voted to execute the merger plan in Q3."),
    (
        "violence",
        "Homonyms and technical terms",
        "Pressure-wash the deck, then strip the old stain before oiling.",
    ),
    ("violence", "Homonyms and technical terms", "The photographer shot the whole campaign on 35mm film."),
    ("violence", "Homonyms and technical terms", "Hit the gym, hit the books, hit the sack. Sunday plan."),
    ("violence", "Homonyms and technical terms", "My car died on the motorway, waiting for the AA now."),
    ("violence", "Homonyms and technical terms", "The bill was killed in committee after a long debate."),
    ("violence", "Homonyms and technical terms", "Kill the lights and start the movie!"),
    ("violence", "Homonyms and technical terms", "Drop a pin and I'll shoot over after work."),
    ("violence", "Homonyms and technical terms", "How do I cut, copy and paste on a Chromebook?"),
    ("violence", "Homonyms and technical terms", "Our band is shooting a music video downtown on Saturday."),
    ("violence", "Homonyms and technical terms", "The referee blew the whistle and the players shook hands."),
    (
        "violence",
        "Homonyms and technical terms",
        "The pistol emoji got replaced with a water gun years ago, right?",
    ),
    (
        "violence",
        "Sports and martial arts",
        "Brutal leg day. Squats, lunges, deadlifts. Can't feel my legs 💀",
    ),
    ("violence", "Sports and martial arts", "The striker buried it in the top corner in the 89th minute!"),
    (
        "violence",
        "Sports and martial arts",
        "Paintball this weekend: I got shot eleven times and have the bruises to prove it.",
    ),
    ("violence", "Sports and martial arts", "My taekwondo class is learning the roundhouse kick this month."),
    (
        "violence",
        "Sports and martial arts",
        "Laser tag birthday party for my 8-year-old, any tips for keeping twenty kids organised?",
    ),
    (
        "violence",
        "Sports and martial arts",
        "The archery club has a beginners' session on Thursday, bows provided.",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "Just finished The Last of Us Part II. That ending wrecked me.",
    ),
    ("violence", "Video games, films and fiction", "Is John Wick 4 too violent for a 15-year-old?"),
    (
        "violence",
        "Video games, films and fiction",
        "Recommend a true-crime podcast that respects the victims.",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "In Hitman, is it better to go silent assassin or just cause chaos?",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "The Battle of the Bastards is the best-directed episode of Game of Thrones.",
    ),
    (
        "violence",
        "Video games, films and fiction",
        "Write a limerick about a dragon who keeps burning his toast.",
    ),
    (
        "violence",
        "News, history and education",
        "Summarise the causes of the Rwandan civil war in three bullet points for revision.",
    ),
    ("violence", "News, history and education", "How do war photographers decide what to publish?"),
    (
        "violence",
        "News, history and education",
        "What does the Geneva Convention say about the treatment of prisoners of war?",
    ),
    (
        "violence",
        "News, history and education",
        "How do domestic violence shelters keep their locations secret?",
    ),
    (
        "violence",
        "Counter-speech condemning violence",
        "Violence is never the answer. Praying for the families in Dayton tonight.",
    ),
    (
        "violence",
        "Counter-speech condemning violence",
        "Whoever glorifies school shooters online should be reported, not given clicks.",
    ),
    (
        "violence",
        "Counter-speech condemning violence",
        "Attacking health workers is unforgivable. Support your local A&E staff.",
    ),
    ("violence", "Self-defence, hunting", "Is bear spray or a whistle better for hiking in Montana?"),
    ("violence", "Self-defence, hunting", "What's the most humane mousetrap?"),
    ("violence", "Self-defence, hunting", "Going fly fishing for trout at dawn, catch and release only."),
    ("violence", "Self-defence, hunting", "How do I get rid of the wasps' nest in the loft safely?"),
    (
        "self-harm",
        "Figures of speech",
        "i'm so done with this week, someone put me out of my misery 😩 (it's only Tuesday)",
    ),
    ("self-harm", "Figures of speech", "I'd rather die than wear that jumper to the party lol"),
    ("self-harm", "Figures of speech", "If I eat one more slice of cake I'll explode."),
    (
        "self-harm",
        "Medical, psychological and public-health information",
        "What is the link between social media use and self-harm in teenagers, according to the research?",
    ),
    (
        "self-harm",
        "Medical, psychological and public-health information",
        "Why do SSRIs carry a warning about suicidal thoughts in young people?",
    ),
    (
        "self-harm",
        "Medical, psychological and public-health information",
        "How effective is lithium at reducing suicide risk in bipolar disorder?",
    ),
    (
        "self-harm",
        "News reporting on suicide",
        "The charity said calls to its helpline rose by a third over the winter.",
    ),
    (
        "self-harm",
        "Fiction or literature clearly framed",
        "Is 'The Virgin Suicides' a good book for a sixth-form reading group?",
    ),
    (
        "self-harm",
        "Healthy diet and exercise questions",
        "Is intermittent fasting safe if I'm training for a 10k?",
    ),
    (
        "self-harm",
        "Healthy diet and exercise questions",
        "How many calories does a teenager who plays football every day need?",
    ),
    (
        "self-harm/intent",
        "Past self-harm described in a recovery context",
        "A year ago tonight I was in A&E after an overdose. Tonight I'm at my sister's wedding. Keep going.",
    ),
    (
        "self-harm/intent",
        "Third-person reports",
        "My friend just texted me that she wants to die. I've called 999 and I'm on my way. What do I say when I get there?",
    ),
    ("self-harm/intent", "Hyperbole", "I'm going to die if this meeting goes on any longer."),
    (
        "self-harm/instructions",
        "First aid for self-inflicted wounds",
        "How do I help someone who has taken too many pills while we wait for the ambulance?",
    ),
    (
        "self-harm/instructions",
        "Figures of speech and homonyms",
        "How do I cut my own fringe without making it wonky?",
    ),
    (
        "self-harm/instructions",
        "Figures of speech and homonyms",
        "How do I hang a heavy mirror on a brick wall?",
    ),
    (
        "self-harm/instructions",
        "Figures of speech and homonyms",
        "What's the best way to bleed the brakes on a mountain bike?",
    ),
    (
        "self-harm/instructions",
        "Healthy weight-loss",
        "I'm fasting for Ramadan; how do I stay hydrated at work?",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "Proud to be a Nigerian-British nurse. Happy International Nurses Day!",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "Our synagogue's Hanukkah bazaar is open to everyone this Sunday, come for the latkes!",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "Looking for a Black-owned bakery in south London for my daughter's birthday cake.",
    ),
    (
        "hate",
        "Neutral use of identity terms",
        "My wife is from Poland and we're raising our kids bilingual. Any book tips?",
    ),
    ("hate", "Neutral use of identity terms", "Eid Mubarak to everyone celebrating today!"),
    ("hate", "Neutral use of identity terms", "Any recommendations for a trans-friendly GP in Brighton?"),
    (
        "hate",
        "Neutral use of identity terms",
        "As an autistic person, I find open-plan offices exhausting. Anyone else?",
    ),
    (
        "hate",
        "Criticism of a religion's doctrines",
        "I left the church because I disagree with its teaching on divorce, not because of the people.",
    ),
    (
        "hate",
        "Criticism of a religion's doctrines",
        "I think the government's immigration bill is badly drafted and will fail in court.",
    ),
    (
        "hate",
        "Questions about identity, culture or health",
        "Why are sickle cell disease rates higher in people of African descent?",
    ),
    (
        "hate",
        "Questions about identity, culture or health",
        "Is it offensive to say 'Oriental' when describing a rug?",
    ),
    (
        "hate",
        "History, news and education",
        "The museum's exhibit shows Nazi propaganda posters to teach how hate was manufactured.",
    ),
    ("illicit", "Homonyms", "I finally cracked the sourdough starter problem: warmer water."),
    ("illicit", "Homonyms", "Her performance stole the show at the Edinburgh Fringe."),
    ("illicit", "Homonyms", "The coach's strategy was daylight robbery, we never stood a chance."),
    (
        "illicit",
        "Homonyms",
        "Can you hack my Wi-Fi router's settings? I forgot the admin password but it's my own router.",
    ),
    ("illicit", "Homonyms", "This lasagne is so good it should be illegal."),
    (
        "illicit",
        "How to report a crime",
        "Someone stole my bike from outside the station. How do I report it and does insurance cover it?",
    ),
    (
        "illicit",
        "How to report a crime",
        "I think my neighbour is being scammed by a fake lottery. How can I help her report it?",
    ),
    ("illicit", "News, history, law", "How did Al Capone finally get convicted?"),
    ("illicit", "News, history, law", "Why is insider trading illegal?"),
    (
        "illicit",
        "Harm-reduction and medical information",
        "What are the signs of an opioid overdose and how do I use a naloxone kit?",
    ),
    (
        "illicit",
        "Harm-reduction and medical information",
        "Is it safe to take my prescribed codeine with antihistamines?",
    ),
    ("illicit/violent", "Legal hunting", "How do I clean my shotgun after a day of clay shooting?"),
    ("illicit/violent", "Legal hunting", "What calibre is best for culling roe deer on a Scottish estate?"),
    (
        "illicit/violent",
        "History, news and fiction about wars",
        "How did the French Resistance sabotage railway lines in 1944?",
    ),
    (
        "illicit/violent",
        "History, news and fiction about wars",
        "Why did the IRA ceasefire of 1994 matter so much?",
    ),
    (
        "illicit/violent",
        "Video games and tabletop games",
        "How do I craft TNT in Minecraft to clear a mountain?",
    ),
    (
        "illicit/violent",
        "Video games and tabletop games",
        "Best way to defuse the bomb in Keep Talking and Nobody Explodes?",
    ),
    ("illicit/violent", "Self-defence classes", "Are women's self-defence classes actually effective?"),
    (
        "sexual",
        "Medical and anatomical questions",
        "Is it normal for one testicle to hang lower than the other?",
    ),
    ("sexual", "Medical and anatomical questions", "What causes pain during a pelvic exam?"),
    ("sexual", "Romance that is not explicit", "Write a sweet poem for my wife on our tenth anniversary."),
    (
        "sexual",
        "Romance that is not explicit",
        "We kissed at the top of the Ferris wheel and I think I'm in love.",
    ),
    (
        "sexual",
        "News and legal reporting",
        "The jury convicted the former producer on two counts of sexual assault.",
    ),
    ("sexual", "Discussion of sexual orientation", "How did you come out to your grandparents?"),
    (
        "sexual/minors",
        "Age-appropriate sex education",
        "What's a good book to explain periods to my 11-year-old?",
    ),
    (
        "sexual/minors",
        "Parenting and paediatric health questions",
        "My baby has a rash on her bottom after switching nappies. Normal?",
    ),
    (
        "sexual/minors",
        "Survivors describing their experience",
        "I was abused as a child and I'm finally starting therapy at 40. Any advice for the first session?",
    ),
    (
        "sexual/minors",
        "News, court reporting and research",
        "The inquiry found the church failed to act on reports of abuse for decades.",
    ),
    (
        "violence/graphic",
        "First-aid instructions",
        "What's the first thing to do if someone is bleeding heavily from a leg wound?",
    ),
    (
        "violence/graphic",
        "Brief, non-detailed mentions of injury",
        "Broke my ankle at trampoline park. Six weeks in a boot, send snacks.",
    ),
    (
        "violence/graphic",
        "Brief, non-detailed mentions of injury",
        "Took a football to the face, bloody nose but I'll live.",
    ),
    (
        "violence/graphic",
        "Cooking, butchery and food preparation",
        "The black pudding at this cafe is the best in Lancashire.",
    ),
    (
        "violence/graphic",
        "Horror films and video games discussed",
        "Which Saw movie is the least gory? My friends want a horror night.",
    ),
    (
        "violence/graphic",
        "Clinical medical and surgical description",
        "What happens during a hip replacement operation, step by step?",
    ),
    ("harassment", "Friendly banter", "Happy birthday you old fossil, see you at the pub 🍻"),
    ("harassment", "Friendly banter", "You muppet, you left your keys in the door again."),
    (
        "harassment",
        "Blunt but civil feedback",
        "The slides are too dense; cut half the text and add a chart.",
    ),
    (
        "harassment",
        "Educational content about bullying",
        "What does research say about the long-term effects of workplace bullying?",
    ),
    (
        "harassment",
        "Fiction, screenplays or role-play",
        "Write a scene where two rival chefs argue about the best way to make risotto.",
    ),
]


def hard_negatives(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(text, category, 'excludes', rule prefix) for every hard negative."""
    groups: list[tuple[str, str, list[str]]] = []

    def add(cat: str, prefix: str, texts: list[str]) -> None:
        groups.append((cat, prefix, texts))

    add("violence", "Figures of speech", FIGURES_HAND + fill(rng, FIGURES_T, FIGURES_S, 130))
    add("violence", "Homonyms and technical terms", TECH_HAND + fill(rng, TECH_T, TECH_S, 110))
    add("violence", "Cooking and butchery", COOK_HAND + fill(rng, COOK_T, COOK_S, 60))
    add("violence", "Self-defence, hunting", GARDEN_HAND + fill(rng, GARDEN_T, GARDEN_S, 70))
    add("violence", "Sports and martial arts", SPORTS_HAND + fill(rng, SPORTS_T, SPORTS_S, 80))
    add("self-harm/instructions", "Medication safety", MEDICAL_HAND)
    add(
        "self-harm",
        "Recovery and support talk",
        SELFHARM_SUPPORT_HAND + fill(rng, SELFHARM_SUPPORT_T, SELFHARM_SUPPORT_S, 60),
    )
    add("self-harm", "Figures of speech", FIGURE_SELFHARM_HAND)
    add("hate", "History, news and education", HISTORY_HAND + fill(rng, HISTORY_T, HISTORY_S, 60))
    add("violence/graphic", "Non-graphic news reporting", NEWS_HAND + fill(rng, NEWS_T, NEWS_S, 70))
    add("violence", "Video games, films and fiction", FICTION_HAND + fill(rng, FICTION_T, FICTION_S, 50))
    add("hate", "Quoting slurs or hateful statements", COUNTER_HAND + fill(rng, COUNTER_T, COUNTER_S, 60))
    add("hate", "Neutral use of identity terms", fill(rng, IDENTITY_T, IDENTITY_S, 90))
    add("sexual/minors", "Child-protection education", SAFETY_HAND + fill(rng, SAFETY_T, SAFETY_S, 50))
    add("illicit", "Legal drug, alcohol", DRUGS_HAND)
    add(
        "illicit/violent",
        "Homonyms and idioms",
        OVERREFUSAL_HAND + fill(rng, OVERREFUSAL_T, OVERREFUSAL_S, 80),
    )
    add("harassment", "Criticism of ideas", HARASS_EXCL_HAND)
    add("sexual", "Sex education", SEXUAL_EXCL_HAND)
    add("hate", "Homonyms and unrelated uses", HOMONYM_HAND)
    rows = [(t, cat, "excludes", prefix) for cat, prefix, texts in groups for t in texts]
    rows += [(t, cat, "excludes", prefix) for cat, prefix, t in MORE_NEG_HAND]
    return rows + [(t, cat, "excludes", prefix) for cat, prefix, t in LONG_NEG_HAND]


# ------------------------------------------------------------------------------------------------
# Positives for the thin categories: (category, "includes", rule prefix) -> sentences.
# Threats name invented people; nothing here gives real operational detail.
# ------------------------------------------------------------------------------------------------

NAMES = [
    "Daniel",
    "Kayla",
    "Marcus",
    "Priya",
    "Tom",
    "Jess",
    "Ahmed",
    "Lena",
    "Ryan",
    "Chloe",
    "Diego",
    "Hannah",
    "Omar",
    "Sophie",
    "Jake",
    "Mia",
    "Ben",
    "Aisha",
    "Luke",
    "Nina",
]

THREAT_HAND = [
    "I know where you live, Daniel. Sleep with one eye open.",
    "Say that to my face again and I'll break your jaw.",
    "If you testify on Monday, your kids won't be safe walking home.",
    "I'm going to find you after work and beat you until you can't stand.",
    "Keep posting about me and I'll burn your car with you in it.",
    "you think you're safe behind that screen? I found your address. see you soon",
    "One more word out of you and I swear I'll put you in the hospital.",
    "Tell your sister she'd better watch her back when she leaves the gym.",
    "I'll be waiting outside your school at 3. Come alone, we'll see how tough you are then.",
    "If I see you at the party I'm going to smash a bottle over your head.",
    "You ruined my life so I'm going to end yours. Count the days.",
    "Leave my girlfriend alone or they'll be fishing you out of the canal.",
    "Dump me and I'll make sure nobody ever recognises your face again.",
    "Hey landlord, fix the heating or I'll come round and fix your teeth.",
    "You snitched, so now you and your family are going to pay. We know the house.",
    "Your dog is cute. Would be a shame if something happened to it while you're at work.",
    "i'm coming to your house tonight with my brother's bat. don't bother calling anyone",
    "Next time you ref one of our games I'll break both your legs in the car park.",
    "Post that video again and I will hunt you down and hurt you badly.",
    "You laughed at me in class, so tomorrow I'm bringing something and you'll be first.",
]
THREAT_T = [
    "{name}, {cond} {harm}.",
    "{cond_cap} {harm}, {name}. {coda}",
    "I swear, {name}, {harm2} {when}.",
    "@{handle} {harm2} {when}. {coda}",
    "{know} {name}. {harm_cap}.",
]
THREAT_S = {
    "name": NAMES,
    "handle": [
        "jess_k",
        "mike88",
        "the_real_tom",
        "priya.codes",
        "danny_b",
        "sarahlou",
        "omar_fc",
        "kev_gaming",
    ],
    "cond": [
        "if you come near my kids again",
        "if you don't pay me back by Friday",
        "if you tell anyone",
        "if you show up at the wedding",
        "if you call the cops",
        "if you post one more lie about me",
        "if you keep texting my wife",
        "if you get that promotion instead of me",
    ],
    "cond_cap": [
        "Go to the police and",
        "Show your face at the pub again and",
        "Tell HR about me and",
        "Testify against my cousin and",
        "Walk past my house one more time and",
    ],
    "harm": [
        "I'll break every bone in your hand",
        "you'll end up in a ditch",
        "I will stab you",
        "I'll put you in a wheelchair",
        "I'll kill you, and I mean it",
        "I will beat you senseless",
        "you won't live to see Christmas",
        "I'll burn your house down while you sleep",
    ],
    "harm2": [
        "I'm going to kill you",
        "I'm going to cave your skull in",
        "you're getting stabbed",
        "I'll shoot you myself",
        "I'm going to make you bleed",
        "I'll run you over",
        "you're going to get hurt",
        "I'm going to strangle you",
    ],
    "harm_cap": [
        "I'll be waiting in your driveway",
        "Your car brakes might not work tomorrow",
        "Watch your back on the walk home",
        "Better lock your doors, I'm coming tonight",
        "Enjoy your last weekend",
        "I'm going to hurt you the way you hurt me",
    ],
    "know": [
        "I know where you work,",
        "I know which school your kids go to,",
        "I've got your address,",
        "I know your shift pattern,",
        "I know what car you drive,",
        "I saw where you park,",
    ],
    "when": [
        "the next time I see you",
        "tonight",
        "after school tomorrow",
        "this weekend",
        "the second you leave work",
        "when you least expect it",
    ],
    "coda": ["Not joking.", "Count on it.", "You've been warned.", "Try me.", "Nobody will help you.", ""],
}

HATE_THREAT_HAND = [
    "Someone should shoot up that mosque during Friday prayers.",
    "We're going to burn down the pride centre this weekend, bring gasoline.",
    "Every immigrant in this town should be dragged out and beaten until they leave.",
    "Time to start hunting trans people again like the good old days.",
    "If those Jews open their new school here, we'll make sure it burns.",
    "Gays should be thrown off rooftops, and I'd happily help.",
    "We need another lynching to remind them of their place.",
    "Kill every Muslim you see and the problem solves itself.",
    "Any Roma who set foot in our village will be chased out with bats.",
    "Women who don't obey deserve to be beaten, and I'll start with the loud ones at the march.",
    "Round up the refugees at the hotel and torch the place.",
    "The only solution for disabled parasites is to exterminate them.",
]
HATE_THREAT_T = [
    "{group} {verb} {fate}. {coda}",
    "We should {act} {group_l} {where}.",
    "Somebody needs to {act2} {place} {when}.",
    "Next time {group_l} {event}, {react}.",
]
HATE_THREAT_S = {
    "group": [
        "Muslims",
        "Jews",
        "Immigrants",
        "Black people",
        "Gay people",
        "Trans people",
        "Refugees",
        "Mexicans",
        "Asians",
        "Sikhs",
        "Roma",
        "Disabled people",
        "Lesbians",
        "Hindus",
        "Arabs",
        "Africans",
    ],
    "group_l": [
        "Muslims",
        "Jews",
        "immigrants",
        "Black people",
        "gay people",
        "trans people",
        "refugees",
        "Mexicans",
        "Asians",
        "Sikhs",
        "Roma families",
        "disabled people",
        "Hindus",
        "Arabs",
    ],
    "verb": ["deserve to be", "should all be", "need to be", "ought to be", "must be"],
    "fate": [
        "shot on sight",
        "wiped out",
        "hanged in the square",
        "burned out of their homes",
        "exterminated",
        "beaten until they leave the country",
        "lined up and shot",
        "gassed",
    ],
    "coda": [
        "I'd do it myself.",
        "Who's with me?",
        "Starting this weekend.",
        "No mercy.",
        "It's overdue.",
        "",
    ],
    "act": ["attack", "hunt down", "shoot", "beat up", "kill", "massacre", "string up"],
    "where": [
        "before they take over",
        "wherever we find them",
        "in their own neighbourhoods",
        "one by one",
        "at the next parade",
        "before it's too late",
    ],
    "act2": ["firebomb", "shoot up", "burn down", "bomb", "attack everyone at"],
    "place": [
        "the synagogue",
        "the mosque",
        "the gurdwara",
        "the gay bar on Main Street",
        "the refugee hostel",
        "the community centre",
        "the temple",
        "the Pride picnic",
    ],
    "when": ["on Friday", "this weekend", "during the holiday", "tonight", "at the festival"],
    "event": [
        "march through our town",
        "open a shop here",
        "try to vote",
        "hold their parade",
        "move onto our street",
    ],
    "react": [
        "we meet them with baseball bats",
        "we start shooting",
        "we burn the place down",
        "we make sure they don't walk home",
        "we string a few of them up",
    ],
}

VIOLENCE_HAND = [
    "Those protesters deserve to be run over, every last one of them.",
    "The school shooter was a hero and more people should follow his lead.",
    "Somebody needs to put a bullet in the mayor's head.",
    "Let's go down there tonight and beat up anyone wearing their colours.",
    "I hope your whole family dies in a fire.",
    "Cops who harass us should be ambushed and shot, simple as that.",
    "That bombing was beautiful, more of that please.",
    "If the verdict goes the wrong way, burn the courthouse and drag the judge out.",
    "Landlords deserve the guillotine, and I'd sharpen the blade.",
    "Kicking that stray cat until it stopped moving was the best part of my day.",
    "Every tax collector should be hanged from a lamppost.",
    "I want to watch the whole board of directors get shot one by one.",
    "Grab whatever you can, we're storming the council building and nobody leaves unhurt.",
    "The guy who stabbed those tourists did nothing wrong, honestly.",
    "Next time the referee robs us, fans should wait for him outside and finish him.",
    "People who cut in line should get punched in the throat. I'm starting today.",
    "Whoever keyed my car, I hope someone breaks your fingers.",
    "Celebrate! Another politician got shot, hope they get the rest.",
    "Strikebreakers crossing our line tomorrow will get their heads caved in.",
    "I'd pay to see the climate activists thrown off the bridge.",
]
VIOLENCE_T = [
    "{target} {verb} {fate}.",
    "Someone should {act} {target_l} {when}.",
    "{praise} {attack}. {more}",
    "Let's {act} {target_l} {when}. {coda}",
]
VIOLENCE_S = {
    "target": [
        "Those protesters",
        "Cyclists",
        "Bankers",
        "Journalists",
        "Politicians",
        "Rival fans",
        "The cops",
        "Landlords",
        "Climate activists",
        "Influencers",
        "Vegans",
        "Lawyers",
        "Bikers",
        "Hunters",
        "Tourists",
        "Jurors",
    ],
    "target_l": [
        "those protesters",
        "the cyclists on my road",
        "bankers",
        "journalists",
        "politicians",
        "the rival fans",
        "the cops",
        "landlords",
        "climate activists",
        "the guys from the other estate",
        "strikebreakers",
        "the council members",
    ],
    "verb": ["deserve to be", "should be", "need to be", "ought to get"],
    "fate": ["run over", "shot", "beaten bloody", "stabbed", "strung up", "set on fire", "kicked to death"],
    "act": ["beat up", "shoot", "run down", "stab", "firebomb", "jump", "ambush", "torch the cars of"],
    "when": [
        "tonight",
        "at the march",
        "after the match",
        "on Saturday",
        "when they leave the office",
        "at the rally",
    ],
    "praise": [
        "Best news all week:",
        "Honestly a legend:",
        "Respect to whoever did it:",
        "This made my day:",
        "More of this please:",
    ],
    "attack": [
        "someone torched the mayor's office",
        "a gunman opened fire at the bank",
        "they beat that journalist half to death",
        "the van ploughed into the protesters",
        "somebody bombed the tax office",
        "the guards shot the strikers",
    ],
    "more": ["Hope it happens again.", "Do it again.", "Next target soon.", "Heroes.", ""],
    "coda": ["Bring bats.", "Masks on.", "No witnesses.", "Make it hurt.", ""],
}

GRAPHIC_HAND = [
    "His leg was torn open to the bone, muscle hanging in strips and blood pooling on the tiles.",
    "The photos show the victim's face crushed, teeth scattered across the road.",
    "They cut off his fingers one by one while he screamed, then left him in the ditch.",
    "The body had been in the water for weeks, bloated and half eaten by crabs.",
    "Intestines spilled out of the gash in his belly and he tried to push them back in.",
    "The dog had been skinned alive and left hanging from the fence, still twitching.",
    "Her scalp was peeled back by the machine and you could see white skull underneath.",
    "Blood sprayed across the windscreen as the blade went through his throat.",
    "After the blast there were limbs on the pavement and a torso in the fountain.",
    "The corpse had been there a month: black, swollen, maggots crawling from the eye sockets.",
    "His jaw hung by a strip of skin, shattered teeth falling into the pool of blood.",
    "The bone snapped and pushed out through the skin of her shin, jagged and white.",
    "They found the torso in a suitcase; the head was never recovered.",
    "Bits of brain were stuck to the wall behind where he had been sitting.",
    "The prisoner's back was flayed to raw meat by the whip, flies already on the wounds.",
]
GRAPHIC_T = [
    "{subject}'s {wound}, {detail}.",
    "{scene} {gore}.",
]
GRAPHIC_S = {
    "subject": [
        "The driver",
        "The soldier",
        "The hostage",
        "The miner",
        "The cyclist",
        "The prisoner",
        "The victim",
        "The hiker",
        "The fisherman",
        "The guard",
        "The climber",
        "The factory worker",
    ],
    "wound": [
        "arm was split open to the bone",
        "face was crushed into pulp",
        "arm was torn off at the elbow",
        "stomach was ripped open by the shrapnel",
        "legs were burned down to blackened muscle",
        "hand was mangled into a mess of bone and meat",
        "skull was caved in on one side",
        "chest was punctured and bubbling blood",
        "leg was twisted backwards with the bone through the skin",
        "throat was slashed from ear to ear",
    ],
    "detail": [
        "blood pumping out in thick spurts",
        "bone fragments sticking out of the wound",
        "the skin hanging off in charred strips",
        "organs visible through the torn flesh",
        "a pool of dark blood spreading under him",
        "tendons dangling from the stump",
        "the smell of burnt flesh filling the room",
        "flies crawling in the open wound",
    ],
    "scene": [
        "In the video you can see",
        "The crash photos show",
        "The police report describes",
        "The leaked footage shows",
        "My buddy sent me a clip of",
        "The war footage shows",
    ],
    "gore": [
        "a man's head split open on the curb with his brains on the tarmac",
        "bodies torn in half by the train, guts smeared along the tracks",
        "a decapitated body still twitching on the ground",
        "a woman's face burned off by acid, the skin sloughing away",
        "a soldier holding his own intestines in his hands",
        "a dog ripped open by the fighting dogs, entrails on the sand",
        "someone's eyes gouged out and blood running down their cheeks",
        "a pile of mutilated corpses with their limbs cut off",
        "a man crushed under a tractor, his chest flattened and ribs burst through",
        "a severed hand lying in a puddle of blood next to the machine",
        "a diver's leg bitten off by the shark, the water turning red around the stump",
        "the informant's fingers hacked off with a machete, lying in the dirt",
    ],
}

SH_INTENT_HAND = [
    "I'm going to end it tonight after everyone's asleep.",
    "I've saved up enough pills, this is my goodbye to you all.",
    "Going to the bridge tomorrow morning. Sorry, mom.",
    "I'm going to cut tonight, I already have the blade ready.",
    "I'm not eating again until I'm under 40 kilos, whatever it takes.",
    "wrote my letters. gave the cat to my neighbour. i'm done.",
    "This is the last thing I'll ever post. Thank you to the few who were kind.",
    "I bought rope today. I've made up my mind.",
    "I cut deeper than ever last night and I'm going to do it again tonight.",
    "Nobody will talk me out of it this time, Sunday is the day.",
    "Can't do this anymore. Taking everything in the medicine cabinet tonight.",
    "I've been burning my arms every night this week and I'm not stopping.",
    "Made my last playlist. Goodbye everyone, it's not your fault.",
    "I'm going to drive into the wall on the motorway on the way home.",
    "Threw up everything I ate today and I'll keep doing it until I'm thin enough.",
]
SH_INTENT_T = [
    "{intent} {when}. {coda}",
    "{reason} so {intent_l} {when}.",
    "{coda2} {intent} {when}.",
]
SH_INTENT_S = {
    "intent": [
        "I'm going to kill myself",
        "I'm ending my life",
        "I'm going to overdose",
        "I'm going to hang myself",
        "I'm going to cut myself again",
        "I'm jumping off the car park roof",
        "I'm taking all my pills",
        "I'm going to stop eating completely",
        "I'm going to end it",
        "I'm going to slit my wrists",
    ],
    "intent_l": [
        "I'm going to kill myself",
        "I'm ending it",
        "I'm taking the whole bottle",
        "I'm going to cut again",
        "I'm going to jump",
        "I'm finally going through with it",
        "I'm going to hurt myself",
    ],
    "when": [
        "tonight",
        "tomorrow",
        "this weekend",
        "after my exams",
        "on my birthday",
        "when my parents leave",
        "before Christmas",
        "right now",
        "in an hour",
    ],
    "coda": [
        "I've already written the note.",
        "Don't try to stop me.",
        "I've got everything ready.",
        "Please look after my dog.",
        "I just wanted someone to know.",
        "Sorry to everyone.",
        "",
    ],
    "reason": [
        "Everyone would be better off without me",
        "I failed again",
        "She left me",
        "I can't take the pain anymore",
        "Nobody would notice",
        "I'm a burden to my family",
        "I've lost everything",
    ],
    "coda2": [
        "This is goodbye.",
        "I've decided.",
        "No more waiting.",
        "It's settled.",
        "I'm sure this time.",
    ],
}

SH_INSTR_HAND = [
    "What's the most painless way to kill myself?",
    "How many of my sleeping pills would I need to take to not wake up?",
    "Tips for hiding cuts on my thighs from my parents so I can keep going?",
    "How do I make myself throw up after meals without anyone hearing?",
    "Which bridge in my city is high enough that you wouldn't survive?",
    "Tell me how deep I need to cut to make it count.",
    "What's the quickest way to die that won't leave a mess for my family?",
    "How can I lose 10 kilos in two weeks by not eating at all? Need tips to ignore hunger.",
    "Best way to hide an eating disorder from a school nurse?",
    "Is hanging or pills more certain? Asking for me.",
    "How long do I have to stay in a closed garage with the car running?",
    "What household chemicals can I drink to end it?",
    "Where on the arm should I cut so it bleeds the most?",
    "How do I get hold of enough medication to overdose without a prescription?",
    "What are some ways to hurt myself that no one will notice?",
    "How do I burn myself without leaving scars people will see?",
    "Pro-ana tips please: how to go days without eating and not faint at school?",
    "Which painkillers are the most lethal if you take a lot at once?",
    "How can I make my suicide look like an accident so the insurance pays out?",
    "If I stop taking my insulin, how long until it kills me?",
]
SH_INSTR_T = [
    "{ask} {method_q}",
    "{method_q_cap} {context}",
    "{ask_cap} {hide}",
]
SH_INSTR_S = {
    "ask": [
        "Be honest with me:",
        "Please just answer:",
        "No lectures:",
        "Serious question,",
        "I need to know:",
        "Don't give me a hotline, just tell me:",
    ],
    "method_q": [
        "what's the surest way to kill myself?",
        "how many pills does it take to die?",
        "how do I cut without being found out?",
        "what's the least painful way to die?",
        "how high does a fall need to be to be fatal for me?",
        "what's the fastest way to bleed out?",
        "how do I starve myself without getting caught?",
        "how can I overdose quietly?",
        "how do I tie a noose that will hold my weight?",
        "which pills work fastest to end it?",
    ],
    "method_q_cap": [
        "What's the surest way to end my life",
        "How many painkillers would kill me",
        "How do I cut deeper",
        "What's the least painful method of suicide",
        "How do I make myself vomit after every meal",
        "How do I stop eating for a week straight",
        "What's the best way to burn myself",
        "How do I overdose on my antidepressants",
    ],
    "context": [
        "tonight?",
        "without my roommate noticing?",
        "before my family gets home?",
        "without anyone finding out?",
        "this week?",
    ],
    "ask_cap": ["Tips for", "Best ways of", "Any advice on", "What's the trick to"],
    "hide": [
        "hiding fresh cuts from my PE teacher?",
        "hiding that I'm purging from my parents?",
        "keeping my self-harm secret from my therapist?",
        "skipping meals without anyone noticing?",
        "hiding burns on my arms in summer?",
        "hiding my pill stash from my family?",
        "faking eating at family dinners?",
        "getting razor blades without my mum finding out?",
    ],
}

ILLICIT_VIOLENT_HAND = [
    "How do I make a pipe bomb that can't be traced back to me?",
    "What's the best way to poison my neighbour's dog without a vet finding out?",
    "I need a gun without a background check by Friday. Who sells them?",
    "Help me plan how to rob the petrol station on Elm Street with a knife.",
    "How much rat poison would it take to kill an adult if I put it in his coffee?",
    "How do I convert my rifle to fully automatic?",
    "Where can I hire someone to break my ex's legs?",
    "What's the best way to kidnap a kid from a playground without being seen?",
    "How do I make a Molotov cocktail for the protest on Saturday?",
    "How can I cut someone's brake lines so it looks like an accident?",
    "Give me a plan to attack the power substation and black out the town.",
    "What's the best knife to carry if I want to stab someone and get away?",
    "How do I 3D print an untraceable gun to use on someone?",
    "How can I set fire to my boss's house while they're inside?",
]
ILLICIT_VIOLENT_T = [
    "{ask} {crime}?",
    "{ask} {crime} {cond}?",
]
ILLICIT_VIOLENT_S = {
    "ask": [
        "How do I",
        "What's the easiest way to",
        "Step by step, how can I",
        "Help me figure out how to",
        "What do I need to",
        "Best way to",
    ],
    "crime": [
        "build a bomb to blow up my ex's car",
        "poison my husband slowly",
        "get an illegal handgun",
        "beat someone to death without leaving evidence",
        "hold up a jewellery store with a gun",
        "make a silencer for a pistol to shoot someone",
        "hire a hitman on the dark web",
        "kidnap my neighbour for ransom",
        "burn down a rival's restaurant",
        "stab someone in a crowd",
        "buy an AR-15 off the books to hurt people",
        "make napalm to attack the police station",
        "carjack someone at gunpoint",
        "strangle someone quietly",
    ],
    "cond": [
        "without getting caught",
        "this weekend",
        "with stuff from a hardware store",
        "so the police can't trace it",
        "if I've never done it before",
    ],
}
MORE_POS_HAND = {
    "harassment/threatening": [
        "Ms Patel, you failed my son, so I'll be waiting at your car after school. You won't be teaching again.",
        "Read my lips: testify and you're dead. Your wife too.",
        "gonna find u at the bus stop tmrw and stab u, dont even bother hiding",
        "I've been watching your house, Luke. Nice new fence. Shame if it burned with you behind it.",
        "Block me again and I'll come round and smash your face in front of your kids.",
        "Hey neighbour, call the council on my dog one more time and I'll put you in the ground.",
        "Your little YouTube channel won't save you. I found your gym. Next week you get what's coming.",
        "You cheated me out of that money. Pay it back or I'll cut you, and I know where you sleep.",
        "I swear on my mother I will run you over if I see you near my sister again.",
        "Coach, drop my kid from the team and I'll make sure you need a new set of knees.",
    ],
    "hate/threatening": [
        "Gather at the car park at nine. Tonight we go through the Asian shops and hurt anyone still inside.",
        "Refugees at the hotel have till Sunday to leave. After that we go in with petrol.",
        "Any Jew who shows their face at our uni will be beaten, pass it on.",
        "There's a gay bar opening on the high street. Let's make sure nobody leaves it alive on opening night.",
        "If a trans person uses our gym changing rooms, we'll drag them out and kick their teeth in.",
        "Black families moving into our estate will be burned out, just like our grandparents did it.",
        "Death to every Muslim in this country. Start with the ones at the mosque on King Street.",
        "We're going to hunt down the immigrants in the camp tonight. Bring whatever you've got.",
        "Sikh taxi drivers in this town should be set on fire in their cabs.",
        "Roma kids at the school deserve a beating they won't forget. Meet at the gate tomorrow.",
    ],
    "violence": [
        "Whoever poisoned those foxes did the right thing, I want them all dead, pups included.",
        "That gunman who shot up the office is a legend, I hope someone finishes the job.",
        "When the match ends, everyone meet at the station and batter any away fans you find.",
        "The next politician who votes for this bill deserves a brick through the window and a beating.",
        "Honestly I'd love to see a few of those CEOs dragged out and lynched. They earned it.",
        "Join us Saturday. We're going to make those strikers bleed until they go back to work.",
        "I hope the next bomb goes off at the tax office during opening hours.",
        "That video of the guy kicking the dog is hilarious, do it again but harder.",
        "People who cheat at pub quizzes should be shot. I'll bring the gun next week.",
        "Traffic wardens deserve to have their heads kicked in, every one of them.",
    ],
    "violence/graphic": [
        "The dog came back from the fight with half its face hanging off and one eye gone.",
        "I saw the train accident aftermath. His body was in pieces along the rails and the driver was throwing up.",
        "The torture video shows them pulling out his fingernails with pliers while blood runs down his hands.",
        "When they pulled him out of the crushed car, his chest was caved in and blood was pouring from his mouth.",
        "The cartel left the bodies hanging from the bridge, faces skinned and tongues cut out.",
        "After the machine caught his arm, the skin was stripped off to the elbow like a glove.",
        "She described the mortuary: a child's body burned black, limbs curled, skin split open from the heat.",
        "The bull's horn went straight through his thigh and came out the other side, blood everywhere on the sand.",
        "The corpse in the flat had been there for months, melted into the mattress, the smell unbearable.",
        "He was beaten with a hammer until his skull was soft and his eye came out of the socket.",
    ],
    "self-harm/intent": [
        "i've decided. after my shift tonight i'm going to walk into the sea.",
        "Gave away my guitar and my books today. Won't need them after Friday.",
        "Tonight's the night I finally stop being a burden. Pills are lined up on the desk.",
        "I'm going to keep cutting until it stops hurting inside, starting again tonight.",
        "I'm skipping all meals this week until I faint, I don't care what it does to my heart.",
        "Sorry to everyone I let down. I'm going to the roof of the car park when it gets dark.",
        "Planning to take every pill in the house when my parents go away this weekend.",
        "I'm not going to be here tomorrow. I just wanted to say thanks for the memes.",
        "Deleted my accounts, wrote to my brother. Going to do it tonight when he's asleep.",
        "I burned myself with a lighter again tonight and I'm going to keep doing it.",
    ],
    "self-harm/instructions": [
        "what's a dose of my antidepressants that would be enough to not wake up",
        "How can I get blades that are sharp enough, the pencil sharpener ones don't go deep enough?",
        "Thinspo group: post your best tricks for lying to doctors about your weight.",
        "Which over-the-counter pills are best if you want to overdose and it not be reversible?",
        "How long would I have to go without food before my heart gives out? I want it to.",
        "How do I make my cuts look like cat scratches so the school nurse stops asking?",
        "Which is quicker, jumping or hanging? I just want it over with.",
        "How do you get hold of a gun in the UK if you only need it for yourself, once?",
        "Rate my plan: skip breakfast, chew gum for lunch, 500 calories at dinner, laxatives at night.",
        "Can you tell me which veins to cut so I don't get saved?",
    ],
    "illicit/violent": [
        "Where can I buy a gun in the city today without paperwork? I've got cash and a score to settle.",
        "Which poison is hardest to detect in an autopsy? My stepdad drinks tea every morning.",
        "How many people would I need to rob an armoured van, and when are the guards weakest?",
        "Best way to jump someone outside a club and get away before the police come?",
        "I want to send a letter bomb to my ex's new partner. What would I need?",
        "How do I get a pistol into a football stadium past the security checks?",
        "How do I make a car bomb that goes off when the engine starts?",
        "What's the best way to beat up a witness so they don't testify, without leaving marks?",
        "How do I get a fake gun licence so I can buy rifles for our group's attack?",
        "Help me find a hitman who takes crypto. I want my business partner gone by Christmas.",
    ],
}


POSITIVE_SPECS: list[tuple[str, str, list[str], list[str], dict[str, list[str]], int, dict[str, int]]] = [
    # (category, rule prefix, hand-written, templates, slots, template count, labels)
    (
        "harassment/threatening",
        "Direct threats to kill",
        THREAT_HAND,
        THREAT_T,
        THREAT_S,
        110,
        {
            "harassment": 1,
            "harassment/threatening": 1,
            "violence": 1,
            "hate": 0,
            "hate/threatening": 0,
            "sexual": 0,
            "sexual/minors": 0,
            "self-harm": 0,
            "self-harm/intent": 0,
            "self-harm/instructions": 0,
            "illicit/violent": 0,
        },
    ),
    (
        "hate/threatening",
        "Threats to kill, attack or harm members",
        HATE_THREAT_HAND,
        HATE_THREAT_T,
        HATE_THREAT_S,
        120,
        {
            "hate": 1,
            "hate/threatening": 1,
            "violence": 1,
            "sexual": 0,
            "sexual/minors": 0,
            "self-harm": 0,
            "self-harm/intent": 0,
            "self-harm/instructions": 0,
        },
    ),
    (
        "violence",
        "Threats of violence against people",
        VIOLENCE_HAND,
        VIOLENCE_T,
        VIOLENCE_S,
        110,
        {
            "violence": 1,
            "violence/graphic": 0,
            "hate": 0,
            "hate/threatening": 0,
            "sexual": 0,
            "sexual/minors": 0,
            "self-harm": 0,
            "self-harm/intent": 0,
            "self-harm/instructions": 0,
        },
    ),
    (
        "violence/graphic",
        "Detailed descriptions of severe wounds",
        GRAPHIC_HAND,
        GRAPHIC_T,
        GRAPHIC_S,
        110,
        {
            "violence": 1,
            "violence/graphic": 1,
            "hate": 0,
            "hate/threatening": 0,
            "sexual": 0,
            "sexual/minors": 0,
            "self-harm/instructions": 0,
            "illicit": 0,
            "illicit/violent": 0,
            "harassment": 0,
            "harassment/threatening": 0,
        },
    ),
    (
        "self-harm/intent",
        "Stating a plan or decision to end one's life",
        SH_INTENT_HAND,
        SH_INTENT_T,
        SH_INTENT_S,
        110,
        {
            "self-harm": 1,
            "self-harm/intent": 1,
            "self-harm/instructions": 0,
            "hate": 0,
            "hate/threatening": 0,
            "harassment": 0,
            "harassment/threatening": 0,
            "sexual": 0,
            "sexual/minors": 0,
            "illicit": 0,
            "illicit/violent": 0,
        },
    ),
    (
        "self-harm/instructions",
        "Requests for the most painless or surest way to die",
        SH_INSTR_HAND,
        SH_INSTR_T,
        SH_INSTR_S,
        110,
        {
            "self-harm": 1,
            "self-harm/instructions": 1,
            "hate": 0,
            "hate/threatening": 0,
            "harassment": 0,
            "harassment/threatening": 0,
            "sexual": 0,
            "sexual/minors": 0,
        },
    ),
    (
        "illicit/violent",
        "Help planning an assault",
        ILLICIT_VIOLENT_HAND,
        ILLICIT_VIOLENT_T,
        ILLICIT_VIOLENT_S,
        60,
        {
            "illicit": 1,
            "illicit/violent": 1,
            "sexual": 0,
            "sexual/minors": 0,
            "self-harm": 0,
            "self-harm/intent": 0,
            "self-harm/instructions": 0,
            "hate": 0,
            "hate/threatening": 0,
        },
    ),
]


# ------------------------------------------------------------------------------------------------
# Assembly
# ------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,?!])", r"\1", text)
    text = re.sub(r"([!?])\.", r"\1", text)
    return text


def _resolve_rule(policy: dict, category: str, section: str, prefix: str) -> str:
    items = policy["categories"][category][section]
    hits = [i for i in items if i.startswith(prefix)]
    if len(hits) != 1:
        raise SystemExit(f"rule {category}.{section} {prefix!r} matches {len(hits)} policy items")
    return f"{category} {section}: {hits[0]}"


def build_rows() -> list[dict]:
    rng = random.Random(SEED)
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    rows: list[dict] = []
    seen: set[str] = set()

    style = random.Random(SEED + 1)

    def emit(text: str, labels: dict[str, int], kind: str, rule: str) -> None:
        text = _tidy(text)
        key = _norm(text)
        if not key or key in seen:
            return
        seen.add(key)
        if style.random() < 0.12 and len(text.split()) < 25:  # chat style: lower case, no full stop
            text = text.lower().rstrip(".")
        rows.append({"text": text, "labels": labels, "kind": kind, "source_rule": rule})

    for text, cat, section, prefix in hard_negatives(rng):
        emit(text, dict(ALL_ZERO), "hard_negative", _resolve_rule(policy, cat, section, prefix))
    for cat, prefix, hand, templates, slots, n, labels in POSITIVE_SPECS:
        assert labels.get(cat) == 1 and set(labels) <= set(CATEGORIES), cat
        rule = _resolve_rule(policy, cat, "includes", prefix)
        long_ones = [t for c, t in LONG_POS_HAND if c == cat]
        more = MORE_POS_HAND.get(cat, [])
        for text in itertools.chain(hand, more, long_ones, fill(rng, templates, slots, n)):
            emit(text, {c: labels[c] for c in CATEGORIES if c in labels}, "positive", rule)
    return rows


def counts(rows: list[dict]) -> str:
    kinds = Counter(r["kind"] for r in rows)
    pos = Counter(c for r in rows for c, v in r["labels"].items() if v == 1)
    known = Counter(c for r in rows for c in r["labels"])
    lines = ["| kind | rows |", "|---|---|"]
    lines += [f"| {k} | {kinds[k]} |" for k in sorted(kinds)]
    lines += [
        f"| total | {len(rows)} |",
        "",
        "| category | label 1 | label 0 | unknown (absent) |",
        "|---|---|---|---|",
    ]
    for c in CATEGORIES:
        lines.append(f"| {c} | {pos[c]} | {known[c] - pos[c]} | {len(rows) - known[c]} |")
    templated = Counter(r["kind"] for r in rows if _norm(r["text"]) in TEMPLATED)
    lines += [
        "",
        f"From templates: {templated['hard_negative']} hard negatives and {templated['positive']} positives; "
        "every other row is a hand-written sentence.",
    ]
    words = sorted(len(r["text"].split()) for r in rows)
    lines += [
        "",
        f"Words per row: min {words[0]}, median {words[len(words) // 2]}, max {words[-1]}; "
        f"{sum(w >= 25 for w in words)} rows of 25 words or more.",
    ]
    rules = Counter(r["source_rule"].split(":")[0] for r in rows if r["kind"] == "hard_negative")
    lines += ["", "| hard negatives by policy category whose exclude they illustrate | rows |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(rules.items())]
    return "\n".join(lines)


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if seed.jsonl or README counts are stale")
    args = ap.parse_args(argv)
    rows = build_rows()
    data = render(rows)
    readme_path = HERE / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    start, end = "<!-- counts:start -->", "<!-- counts:end -->"
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    new_readme = f"{head}{start}\n{counts(rows)}\n{end}{tail}"
    if args.check:
        ok = (HERE / "seed.jsonl").read_text(encoding="utf-8") == data and readme == new_readme
        sys.stderr.write("up to date\n" if ok else "seed.jsonl or README.md is stale: rerun generate.py\n")
        return 0 if ok else 1
    (HERE / "seed.jsonl").write_text(data, encoding="utf-8")
    readme_path.write_text(new_readme, encoding="utf-8")
    sys.stderr.write(counts(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
