"""Build requests.jsonl and assistant_requests.jsonl: benign request-style hard negatives (all 13 labels 0).

Every task phrase and question below was written for this project (nothing is copied from any
dataset, in particular not from the evaluation-only over-refusal set). The harmful request sets the
default model trains on are all phrased as requests ("Write a tutorial on how to ...", "How do I ...");
these rows are phrased the same way but ask for harmless things, many with words that sound
alarming out of context (kill a process, shoot a basketball, execute a script, history of a war),
so that "request style" alone stops reading as illicit. Rows come from hand-written task phrases
put into hand-written request frames, drawn with a fixed seed, plus hand-written questions:

    python datasets/flagstone-benign-requests/generate.py            # writes both files
    python datasets/flagstone-benign-requests/generate.py --check    # fails if either file is stale

assistant_requests.jsonl (build_assistant_rows) holds everyday assistant requests with no alarming words:
coding, apps, business and creative writing, explanations, role play, lists and chit-chat.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "requests.jsonl"
SEED = 20261125
FRAMES_PER_TASK = 2

# The taxonomy comes from the package, so the data cannot drift from it (works without installing).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from flagstone.policy.taxonomy import CATEGORIES  # noqa: E402

# Request frames in the style of the harmful instruction sets; {t} is a task phrase ("bake bread").
FRAMES = [
    "How do I {t}?",
    "How can I {t}?",
    "How would I {t}?",
    "What's the best way to {t}?",
    "Explain how to {t}.",
    "Give me step-by-step instructions to {t}.",
    "Write a tutorial on how to {t}.",
    "Provide detailed instructions on how to {t}.",
    "Create a short guide that shows how to {t}.",
    "Can you tell me how to {t}?",
    "Teach me how to {t}.",
    "I want to {t}. Where do I start?",
    "Describe in detail how to {t}.",
    "Outline a plan to {t}.",
    "Walk me through how to {t}, please.",
    "What are the steps to {t}?",
    "Write a script that helps me {t}.",
    "Develop a simple checklist to {t}.",
    "Tell me the fastest way to {t}.",
    "Is there an easy way to {t}?",
]

TASKS = {
    "computing": [
        "kill a process that is frozen in Linux",
        "kill all child processes when a Python script exits",
        "execute a shell script on startup",
        "execute a Python script from cron every night",
        "terminate a stuck Docker container",
        "nuke my node_modules folder and reinstall everything",
        "force quit an app on a Mac",
        "kill a zombie process",
        "attack a hard dynamic programming problem in an interview",
        "exploit caching to make my website faster",
        "hack together a quick prototype for a hackathon",
        "crack a hard sudoku without guessing",
        "inject dependencies in a Spring application",
        "break out of a nested loop in JavaScript",
        "bomb-proof my backup strategy",
        "destroy a Terraform stack without leaving orphaned resources",
        "purge old logs from a server",
        "spawn and reap worker threads safely",
        "shoot a screenshot of a single window on Windows",
        "abort a git rebase that went wrong",
        "wipe an old hard drive before recycling it",
        "trace a memory leak in a C program",
        "scrape weather data from a public API I have a key for",
        "fork a repository and open a pull request",
        "handle a fatal error in Rust without crashing",
        "debug a segmentation fault",
        "write a unit test for a function that raises an exception",
        "reverse a linked list",
        "set up SSH keys for my own server",
        "automate my weekly report in a spreadsheet",
        "convert a CSV file into JSON",
        "speed up a slow SQL query",
        "deploy a static website for free",
        "compress images without losing quality",
        "recover a file I deleted by accident from my own laptop",
        "build a password manager for my own use",
        "write a bot that reminds my team about stand-up",
        "brute-force search all permutations of a small list",
        "stress-test my web server before launch",
        "run a penetration test on my own home network with the right tools",
    ],
    "security": [
        "protect my account from phishing",
        "recognise a phishing email",
        "set up two-factor authentication on my email",
        "tell if a website is a scam before I buy",
        "report a scam call to the authorities",
        "secure my home Wi-Fi network",
        "stop someone from stealing my identity",
        "freeze my credit after a data breach",
        "protect my elderly parents from online fraud",
        "spot a fake charity asking for donations",
        "keep my kids safe when they use social media",
        "lock down the privacy settings on my phone",
        "know whether my password was leaked",
        "make my front door harder to break into",
        "choose a good safe for important documents",
        "protect my car from being stolen",
        "avoid pickpockets when travelling",
        "check if a used car is stolen before buying it",
        "report counterfeit goods sold online",
        "teach employees about social engineering attacks",
    ],
    "cooking": [
        "kill the bacteria on a cutting board",
        "butcher a whole chicken into eight pieces",
        "beat egg whites until they form stiff peaks",
        "smash garlic with the flat of a knife",
        "fillet a fish",
        "blow torch the top of a crème brûlée",
        "make a killer chili for a cook-off",
        "slaughter the competition at a bake sale with the best brownies",
        "crack a coconut open",
        "bake sourdough bread",
        "sharpen a kitchen knife",
        "make my own hot sauce",
        "brew beer at home legally",
        "pickle vegetables safely",
        "cook rice without burning the bottom",
        "carve a turkey for Thanksgiving",
        "make a cocktail with gin and lime",
        "render beef fat into tallow",
        "debone a leg of lamb",
        "flambé bananas without setting off the smoke alarm",
        "store mushrooms so they do not go bad",
        "tell if wild berries from the supermarket are ripe",
        "grind my own coffee beans",
        "ferment kimchi at home",
        "make a smoked brisket",
    ],
    "chemistry and science": [
        "balance a redox equation for my chemistry homework",
        "calculate the molarity of a solution",
        "explain why sodium reacts with water for a science class",
        "make a baking soda volcano for a school project",
        "neutralise a vinegar spill",
        "store household cleaning products safely",
        "dispose of old paint and batteries properly",
        "understand how nuclear fission generates electricity",
        "grow salt crystals at home",
        "titrate an acid with a base in the school lab",
        "name organic compounds using IUPAC rules",
        "explain exothermic reactions to a ten-year-old",
        "write up a lab report on combustion",
        "calculate the half-life of a radioactive isotope for physics class",
        "extract DNA from a strawberry",
        "understand why you should never mix bleach and ammonia",
        "explain how vaccines train the immune system",
        "measure the pH of my garden soil",
        "demonstrate static electricity to children",
        "build a model rocket that uses store-bought motors",
    ],
    "history and politics": [
        "write an essay on the causes of the First World War",
        "summarise the Battle of Stalingrad for a history class",
        "explain why the Roman Empire fell",
        "research how the atomic bombings of Hiroshima and Nagasaki ended the war",
        "teach students about the Holocaust respectfully",
        "compare the tactics of Napoleon and Wellington at Waterloo",
        "write a report on the Cuban Missile Crisis",
        "explain the causes of the American Civil War",
        "find primary sources about the French Revolution",
        "describe the fall of the Berlin Wall",
        "understand what happened during the Rwandan genocide for a memorial talk",
        "explain how the Cold War arms race worked",
        "present the history of chemical weapons bans at a model UN",
        "write a balanced summary of the Vietnam War",
        "explain how medieval siege weapons worked",
        "research the assassination of Archduke Franz Ferdinand",
        "understand why the Treaty of Versailles caused resentment",
        "explain the history of the civil rights movement",
        "compare different voting systems",
        "register to vote",
    ],
    "law": [
        "understand the self-defence laws in my state",
        "know what counts as reasonable force when defending myself",
        "legally buy a hunting rifle and get a licence",
        "transport a firearm legally across state lines",
        "file a restraining order against an abusive ex",
        "report domestic violence to the police",
        "contest a parking ticket",
        "write a will",
        "report my employer for unpaid wages",
        "get a copy of my criminal record for a job application",
        "expunge an old conviction",
        "sue a landlord who kept my deposit",
        "report a hate crime",
        "become a police officer",
        "find a criminal defence lawyer",
        "get a concealed carry permit",
        "start a legal private security business",
        "report a drunk driver",
        "protect my copyright when someone steals my photos",
    ],
    "health": [
        "give my dog the dose of flea medicine the vet prescribed",
        "get my cat to swallow a pill",
        "know how much ibuprofen is safe for an adult",
        "store prescription medication away from children",
        "dispose of expired medicines safely",
        "treat a minor burn from cooking",
        "stop a nosebleed",
        "help someone who is having a panic attack",
        "support a friend who is feeling depressed",
        "find a therapist near me",
        "quit smoking",
        "cut down on drinking",
        "recognise the signs of an overdose and call for help",
        "use naloxone in an emergency",
        "do CPR on an adult",
        "clean a deep cut",
        "recover after wisdom tooth surgery",
        "take care of a sprained ankle",
        "lower my blood pressure naturally",
        "sleep better when I am stressed",
        "tell if my dog ate something poisonous and what to do",
        "keep chocolate away from my dog",
        "talk to my teenager about drugs",
        "get help for a friend who talks about suicide",
    ],
    "sport and fitness": [
        "shoot a basketball with better form",
        "shoot a penalty kick",
        "throw a knockout punch in boxing training",
        "choke out an opponent in Brazilian jiu-jitsu safely in training",
        "tackle safely in rugby",
        "kill it at my first half marathon",
        "crush my deadlift personal record",
        "dominate in a chess tournament",
        "hit a golf ball further",
        "beat my friends at ping pong",
        "destroy my opponents in Mario Kart",
        "take down an opponent in wrestling",
        "block a punch in karate",
        "fence with a foil",
        "shoot arrows accurately in archery",
        "improve my aim in clay pigeon shooting at a range",
        "attack the net in volleyball",
        "get ripped in twelve weeks",
        "train for a marathon",
        "do a pull-up",
        "strike harder in Muay Thai",
        "steal a base in baseball",
        "defend against a fast break in basketball",
        "smash a shuttlecock in badminton",
    ],
    "games and fiction": [
        "kill the final boss in Elden Ring",
        "assassinate a target in Hitman without being seen",
        "build the best sniper loadout in a shooter game",
        "raid a castle in Minecraft",
        "poison enemies in Skyrim with alchemy",
        "rob the bank in GTA Online",
        "win as the murderer in a murder mystery party game",
        "write a detective novel where the killer is hard to guess",
        "write a scary ghost story for a campfire",
        "plot a heist movie script",
        "describe a sword fight in my fantasy novel",
        "design a villain for my tabletop campaign",
        "write a war poem in the style of Wilfred Owen",
        "stage a fake fight for a school play safely",
        "make fake blood for a Halloween costume",
        "make a zombie costume",
        "survive the zombie apocalypse in a board game",
        "set a trap for the Wumpus in Hunt the Wumpus",
        "capture the flag in a paintball match",
        "write a mystery where the victim was poisoned, for a book club",
    ],
    "home and garden": [
        "kill weeds in my lawn without harming my dog",
        "get rid of ants in the kitchen",
        "exterminate a wasp nest safely",
        "trap mice humanely",
        "kill mould in the bathroom",
        "chop down a small tree in my yard",
        "blow up an air mattress without a pump",
        "blast stains out of a carpet",
        "strip old paint off a door",
        "break down cardboard boxes for recycling",
        "destroy old documents with personal information",
        "burn leaves safely where it is allowed",
        "build a fire pit in my backyard",
        "light a charcoal grill",
        "use a chainsaw safely",
        "sharpen an axe for splitting firewood",
        "unclog a drain without harsh chemicals",
        "childproof my house",
        "fix a leaking tap",
        "paint a room quickly",
        "knock down a non-load-bearing wall",
        "get rid of slugs in my vegetable garden",
        "kill fruit flies in the kitchen",
        "drown out noise from my neighbours",
    ],
    "money and work": [
        "make a killing on my investments over the long term",
        "beat the stock market with index funds",
        "attack my credit card debt",
        "slash my monthly bills",
        "steal customers from a competitor by offering better service",
        "poach a great employee from another company ethically",
        "fire an employee respectfully",
        "execute a business plan",
        "crush a job interview",
        "negotiate a higher salary",
        "file my taxes",
        "pay less tax legally",
        "start a small bakery business",
        "launch a guerrilla marketing campaign",
        "write a cold email that gets replies",
        "blow my boss away with a presentation",
        "deal with a toxic coworker",
        "report fraud at my workplace",
        "spot a Ponzi scheme",
        "save for retirement",
        "budget on a low income",
        "get out of payday loan debt",
    ],
    "travel and everyday life": [
        "travel with a pocket knife legally",
        "pack a camping knife in checked luggage",
        "get through airport security quickly",
        "survive a long-haul flight",
        "hitchhike safely",
        "ask for directions in Japanese",
        "find cheap flights",
        "get a visa for Canada",
        "avoid tourist scams in big cities",
        "deal with jet lag",
        "explain to my kids why people fight wars",
        "talk to my children about a violent news story",
        "break bad news to a friend",
        "get over a breakup",
        "apologise after an argument",
        "make friends in a new city",
        "shoot a wedding video",
        "shoot portraits in low light",
        "take a shot at writing a novel",
        "blow out all the candles on a birthday cake",
        "cut someone's hair at home",
        "pierce my ears safely at a licensed studio",
        "get a tattoo removed",
        "handle a dog that bites when it is scared",
        "put down a sick pet peacefully with a vet",
        "hunt for a new apartment",
        "go deer hunting legally this season",
        "clean a fish I caught",
        "shoot an old-fashioned film camera",
    ],
}

# Stand-alone questions and instructions, also hand-written, in the same request style.
QUESTIONS = [
    "What household chemicals should never be mixed, so I can keep my family safe?",
    "Why did the Allies bomb Dresden in 1945?",
    "What weapons were used in the Battle of Hastings?",
    "How did the Manhattan Project work, historically?",
    "What were the main causes of the Second World War?",
    "How many people died in the Thirty Years' War?",
    "Who killed Julius Caesar and why?",
    "Why do some countries still have the death penalty?",
    "What is the difference between murder and manslaughter in law?",
    "What is the legal drinking age in Germany?",
    "Is it legal to own a sword in the UK?",
    "Can I defend myself if someone breaks into my home at night?",
    "Where can I safely dispose of old ammunition?",
    "What should I do if I find a gun in a park?",
    "How do police investigate a burglary?",
    "How do forensic scientists solve murders?",
    "How does a nuclear reactor avoid a meltdown?",
    "Why is carbon monoxide dangerous and how do I detect it?",
    "How much paracetamol is too much for an adult? I want to stay within the safe limit.",
    "Is it safe to give my cat human painkillers? (I assume not, but want to check.)",
    "What plants are toxic to cats so I can keep them out of the house?",
    "What should I do if my child swallows a battery?",
    "How do I talk to a friend who I think is self-harming?",
    "Where can I find a crisis line for someone who feels suicidal?",
    "How do I help my teenager who is being bullied online?",
    "How can schools prevent bullying?",
    "How do I report racist abuse on social media?",
    "What is the history of hate speech laws in Europe?",
    "Why is the swastika banned in Germany?",
    "How do sex education classes usually work in secondary schools?",
    "How do I explain puberty to my eleven-year-old?",
    "What's a good age to give a child a smartphone?",
    "How do I set parental controls on a games console?",
    "Write a poem about the soldiers who died at the Somme.",
    "Write a speech for Remembrance Day.",
    "Write a product description for a chef's knife.",
    "Write a recipe for a killer lasagna.",
    "Write a Python function that kills a subprocess after a timeout.",
    "Write a bash one-liner that kills every process named python3 that I started.",
    "Write a SQL query that deletes duplicate rows.",
    "Write a cover letter for a job as a security guard.",
    "Write a safety briefing for a shooting range.",
    "Write a lesson plan about the atomic bomb for high school history.",
    "Write a blog post about how to avoid online scams.",
    "Write an email to my neighbour about their barking dog, politely.",
    "Write a review of a war movie.",
    "Write instructions for assembling a bookshelf.",
    "Write a bedtime story about a brave knight who slays a dragon.",
    "Summarise the plot of Macbeth, including the murders.",
    "Summarise the plot of Romeo and Juliet.",
    "Explain how a gun's safety catch works, for a hunter education course.",
    "Explain how airbags deploy in a car crash.",
    "Explain why fireworks explode in different colours.",
    "Explain how bank fraud detection systems work.",
    "Explain how ransomware attacks companies, so I can train my staff to avoid it.",
    "Explain what a SQL injection is and how to prevent it in my code.",
    "Explain how to use a fire extinguisher.",
    "Explain how controlled demolition of buildings works.",
    "Explain how mining companies use explosives safely.",
    "Explain the rules of paintball.",
    "Explain how chess players attack the king.",
    "Explain the difference between a virus and bacteria.",
    "Give me a list of poisonous mushrooms to avoid when foraging.",
    "Give me tips for shooting hoops.",
    "Give me ideas for a murder-mystery dinner party.",
    "Give me a workout to get stronger arms.",
    "Give me a plan to pay off my student loans.",
    "Give me a script for a job interview role-play.",
    "Give me a checklist for a safe road trip.",
    "Give me ten facts about sharks attacking boats.",
    "Give me some knife skills drills for a cooking class.",
    "Tell me about the history of gunpowder.",
    "Tell me how to cut onions without crying.",
    "Tell me how to kill time at the airport.",
    "Tell me how detectives catch identity thieves.",
    "Tell me about famous prison escapes in history.",
    "Tell me how to make my presentation a knockout.",
    "Tell me how a heart attack happens and its warning signs.",
    "List the steps to change a flat tyre.",
    "List ways to reduce my carbon footprint.",
    "List common signs of elder abuse so I can watch for them.",
    "List safe ways to store firearms at home, away from children.",
    "Create a workout playlist full of killer tracks.",
    "Create a study plan for my chemistry exam.",
    "Create a lesson about drug safety for teenagers.",
    "Create a guide for new volunteers at a women's shelter.",
    "Develop a marketing strategy for a martial arts gym.",
    "Develop a program that detects fraudulent transactions.",
    "Design a poster about fire safety.",
    "Design a game where players defend a castle from invaders.",
    "Draft a neighbourhood watch newsletter about recent break-ins.",
    "Draft a press release for a blood donation drive.",
    "Suggest a name for my barbecue restaurant called Smoke and Fire.",
    "Suggest ways to calm down after an argument.",
    "Suggest books about the history of terrorism and counter-terrorism.",
    "What is the best way to hang a heavy mirror?",
    "What is the safest way to jump-start a car?",
    "What is the best rifle calibre for deer hunting where it is legal?",
    "What do I do if I'm attacked by a dog?",
    "What should I do in an earthquake?",
    "What's the best way to stab a potato before baking it?",
    "What's a good way to shoot down an idea in a meeting without being rude?",
    "How can I get my hands on concert tickets before they sell out?",
    "How can I steal the show at my sister's wedding speech, in a nice way?",
    "How can I sneak vegetables into my kids' meals?",
    "How do I break into the film industry?",
    "How do I break into cybersecurity as a career?",
    "How do I blow up a photo to poster size without it going blurry?",
    "How do I attack a math proof when I don't know where to start?",
]


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def negatives() -> tuple[list[dict], Callable[[str, str], None]]:
    """An empty row list and the function that appends a text to it as an all-0 row, once per normalised text."""
    rows: list[dict] = []
    seen: set[str] = set()

    def add(text: str, topic: str) -> None:
        key = norm(text)
        if key not in seen:
            seen.add(key)
            rows.append({"text": text, "labels": {c: 0 for c in CATEGORIES}, "topic": topic})

    return rows, add


def build_rows() -> list[dict]:
    rng = random.Random(SEED)
    rows, add = negatives()

    for topic in sorted(TASKS):
        for task in TASKS[topic]:
            for frame in rng.sample(FRAMES, FRAMES_PER_TASK):
                text = frame.format(t=task)
                add(text[0].upper() + text[1:], topic)
    for q in QUESTIONS:
        add(q, "question")
    rng.shuffle(rows)
    return rows


# ---- Everyday assistant requests (assistant_requests.jsonl; a candidate source, issue 17, eleventh session) ----
# The tenth session found that 90 of toxic-chat's 1,315 benign prompts were flagged illicit, top category: plain
# coding, business, writing and chit-chat requests to a chat assistant ("request + verb" read as illicit). These
# are such requests, written for this project, with no alarming words at all; every label is 0. English only:
# the issue asks for cross-lingual transfer through the multilingual encoder, not hand-translated data.
ASSISTANT_OUT = HERE / "assistant_requests.jsonl"
ASSISTANT_SEED = 20261205

LANGS = ["Python", "JavaScript", "TypeScript", "Java", "C#", "Go", "Rust", "PHP", "Kotlin", "Swift", "C++", "Ruby",
         "Bash", "SQL", "R", "Dart"]
CODE_FRAMES = [
    "Write {lang} code {c}.",
    "Write a {lang} function {c}.",
    "Can you write a {lang} script {c}?",
    "Give me an example in {lang} {c}.",
    "Show me how to write a program in {lang} {c}.",
    "I need {lang} code {c}, with comments please.",
    "Create a small {lang} program {c}.",
    "write {lang} code {c}",
]
CODE_TASKS = [
    "that reads a CSV file and prints the average of one column",
    "that emails me a summary when a nightly job finishes",
    "that converts a date string between time zones",
    "that checks whether a word is a palindrome",
    "that sorts a list of dictionaries by a key",
    "that downloads a web page and counts the links on it",
    "that resizes every image in a folder",
    "that validates an email address with a regular expression",
    "that merges two sorted arrays",
    "that calls a REST API and handles timeouts",
    "that parses a JSON config file with default values",
    "that renames files by their creation date",
    "that generates a random password of a given length",
    "that computes the Fibonacci numbers up to n",
    "that connects to a PostgreSQL database and runs a query",
    "that uploads a file to an S3 bucket",
    "that shows a progress bar while copying files",
    "that reads sensor data from a serial port",
    "that implements a binary search tree with insert and delete",
    "that schedules a task to run every five minutes",
    "that scrapes product prices from my own online shop",
    "that counts word frequencies in a text file",
    "that draws a bar chart from a list of numbers",
    "that logs in to a website with my own credentials using an API token",
    "that converts temperatures between Celsius and Fahrenheit",
    "that builds a simple to-do list on the command line",
    "that finds duplicate files in a directory",
    "that exports a database table to Excel",
    "that tails a log file and highlights errors",
    "that rotates a matrix by 90 degrees",
]
APP_FRAMES = [
    "Create an app in {fw} {a}.",
    "Build a {fw} app {a}.",
    "How do I make a {fw} project {a}?",
    "Help me set up a {fw} application {a}.",
    "Make a {fw} app {a}.",
]
FRAMEWORKS = ["React", "React Native", "Flutter", "Django", "Flask", "FastAPI", "Vue", "Angular", "Next.js",
              "Spring Boot", "Laravel", "Express", "SwiftUI", "Unity", "Streamlit"]
APP_TASKS = [
    "with a login page and a dashboard",
    "that shows the weather for my city",
    "that lists my tasks and lets me tick them off",
    "that talks to a public API and caches the results",
    "with a dark mode switch",
    "that uploads photos and shows thumbnails",
    "for tracking my daily water intake",
    "with a chat window that calls an AI model",
    "that reads a QR code with the camera",
    "for booking appointments at a hair salon",
    "with pagination and search",
    "that stores notes in SQLite",
]
BUSINESS_FRAMES = [
    "Write an email to {who} about {what}.",
    "Draft a short, polite message to {who} about {what}.",
    "Help me write a letter to {who} regarding {what}.",
    "Can you write a LinkedIn post for {who} about {what}?",
    "Write a professional reply to {who} about {what}.",
]
WHO = ["my manager", "a client", "my landlord", "the hiring team", "my team", "a supplier", "our customers",
       "a potential investor", "my professor", "the school", "a new colleague", "the city council"]
WHAT = ["a delayed delivery", "a meeting next Tuesday", "my resignation", "a price increase", "a project update",
        "a refund request", "an invoice that is overdue", "a job offer I want to accept", "a new product launch",
        "a holiday closure", "a broken heater in my flat", "an internship application", "a change of schedule",
        "feedback on a presentation", "a partnership proposal", "the end-of-year results"]
DOC_FRAMES = [
    "Write a {doc} for {biz}.",
    "Draft a {doc} for {biz}.",
    "Give me a template for a {doc} for {biz}.",
    "Create a {doc} for {biz}, in bullet points.",
]
DOCS = ["business plan", "marketing strategy", "SWOT analysis", "product description", "mission statement",
        "job description", "press release", "customer survey", "social media calendar", "pitch deck outline",
        "privacy policy summary", "sales script", "onboarding checklist", "budget plan"]
BIZ = ["a small bakery", "a mobile app for language learning", "a bicycle repair shop", "a SaaS startup",
       "a dog walking service", "an online clothing store", "a coffee roastery", "a yoga studio",
       "a consulting firm", "a local bookstore", "a cleaning company", "a coworking space"]
WRITING_FRAMES = [
    "Write a {form} about {topic}.",
    "Write a short {form} about {topic}.",
    "Compose a {form} about {topic}.",
    "Can you write me a {form} about {topic}?",
    "Generate a {form} on the theme of {topic}.",
]
FORMS = ["poem", "short story", "haiku", "song", "limerick", "blog post", "speech", "essay", "children's story",
         "product review", "tweet", "motivational quote"]
TOPICS = ["autumn leaves", "friendship", "a cat who loves the rain", "the first day of school", "the ocean",
          "climate change", "my grandmother's kitchen", "learning to code", "a trip to Japan", "the moon landing",
          "coffee", "working from home", "a lighthouse keeper", "spring cleaning", "a lost umbrella",
          "the history of bread"]
EXPLAIN_FRAMES = [
    "Explain {x} in simple terms.",
    "What is {x}?",
    "Explain {x} like I'm five.",
    "Can you give me a short summary of {x}?",
    "Tell me about {x}.",
    "How does {x} work?",
    "what is {x}",
]
CONCEPTS = ["quantum computing", "photosynthesis", "inflation", "a blockchain", "machine learning",
            "the Pythagorean theorem", "compound interest", "Docker containers", "the French Revolution",
            "general relativity", "a neural network", "the stock market", "DNS", "the water cycle",
            "object-oriented programming", "supply and demand", "a large language model", "vaccines",
            "the Roman Empire", "recursion", "Kubernetes", "the greenhouse effect", "a mortgage",
            "UTF-8 encoding", "OAuth", "prompt engineering", "the Big Bang", "a hash table"]
ROLE_FRAMES = [
    "I want you to act as a {role}. {ask}",
    "Act as a {role}. {ask}",
    "Pretend you are a {role}. {ask}",
    "You are a {role}. {ask}",
    "From now on you will play the role of a {role}. {ask}",
]
ROLES = ["travel guide", "Linux terminal", "English teacher", "personal trainer", "career coach",
         "SQL interpreter", "chef", "interviewer for a software job", "math tutor", "Socratic philosopher",
         "customer support agent", "historian", "poet", "UX designer", "financial advisor for beginners"]
ROLE_ASKS = ["My first request is about planning a week in Portugal.", "Start by asking me a question.",
             "Keep your answers short.", "Reply only with what you would say.", "Let's begin.",
             "I will give you topics and you will respond in character.", "Correct my mistakes as we go."]
LIST_FRAMES = [
    "Give me {n} ideas for {thing}.",
    "List {n} {thing}.",
    "Suggest {n} names for {thing}.",
    "What are {n} good {thing}?",
]
THINGS = ["a birthday party", "a YouTube channel about cooking", "blog posts about gardening", "a fantasy novel",
          "team building activities", "a startup that helps students", "healthy breakfasts", "a podcast",
          "weekend trips near Berlin", "a board game night", "a science fair project", "a mobile game",
          "interview questions for a junior developer", "books for learning Spanish"]
TASK_FRAMES = [
    "Summarize the following text in three sentences: {p}",
    "Translate this into Portuguese: {p}",
    "Fix the grammar in this paragraph: {p}",
    "Rewrite this to sound more formal: {p}",
    "Make this shorter: {p}",
    "Translate to German: {p}",
    "Paraphrase: {p}",
]
PASSAGES = ["The meeting has been moved to Thursday because several people are travelling.",
            "Our new store opens next month and we hope to see all of you there.",
            "I has been working on this project since three months and it go well.",
            "The museum is closed on Mondays, but tickets can be booked online at any time.",
            "We are looking for a volunteer to help with the school garden this spring.",
            "The train was late, so I missed the first part of the conference.",
            "Please remember to bring your own water bottle on the hike."]
CHAT = [
    "Hello, who are you?", "hi", "Are you there?", "What can you do?",
    "Do you speak Spanish?", "Tell me a joke.", "What's your name?", "Can you help me with my homework?",
    "How are you today?", "What is today's date?", "Can you remember what I said earlier?",
    "Let's play a word game.", "Can you see images?", "Are you better than ChatGPT?", "Talk to me in French.",
    "What model are you?", "I'm bored, entertain me.", "Give me a fun fact.", "Continue.",
    "Please answer in one word.", "Can you write in Markdown?", "Thank you, that was helpful!",
    "Ignore the previous answer and try again, shorter this time.", "What should I cook tonight?",
    "Recommend a good movie for a rainy evening.", "How many days until Christmas?",
    "What is the capital of Australia?", "Solve 3x + 7 = 22.", "What is 15% of 240?",
    "How do I center a div in CSS?",
    "What's the difference between a list and a tuple in Python?", "Why does my React state not update?",
    "How do I install pandas?", "How do I undo the last git commit?", "What is the best laptop for programming?",
    "How do I write a good CV?", "How can I improve my English pronunciation?", "How do I prepare for a job interview?",
    "How can I grow my Instagram followers?", "How do I start a podcast?", "How do I make sourdough starter?",
    "What are the rules of chess?", "How do I change a flat tyre?", "Write a SQL query that finds the top 5 customers by revenue.",
    "Generate a regular expression for UK postcodes.", "Convert this JSON to YAML: {\"name\": \"demo\", \"port\": 8080}",
    "Write unit tests for a function that adds two numbers.", "Explain this error: TypeError: 'NoneType' object is not subscriptable",
]


def build_assistant_rows() -> list[dict]:
    """Everyday assistant requests: every frame family crossed with a seeded sample of its slots."""
    rng = random.Random(ASSISTANT_SEED)
    rows, add = negatives()

    for task in CODE_TASKS:
        for frame in rng.sample(CODE_FRAMES, 3):
            add(frame.format(lang=rng.choice(LANGS), c=task), "code")
    for task in APP_TASKS:
        for frame in rng.sample(APP_FRAMES, 3):
            add(frame.format(fw=rng.choice(FRAMEWORKS), a=task), "app")
    for what in WHAT:
        for frame in rng.sample(BUSINESS_FRAMES, 3):
            add(frame.format(who=rng.choice(WHO), what=what), "business writing")
    for doc in DOCS:
        for biz in rng.sample(BIZ, 3):
            add(rng.choice(DOC_FRAMES).format(doc=doc, biz=biz), "business documents")
    for topic in TOPICS:
        for form in rng.sample(FORMS, 3):
            add(rng.choice(WRITING_FRAMES).format(form=form, topic=topic), "creative writing")
    for concept in CONCEPTS:
        for frame in rng.sample(EXPLAIN_FRAMES, 2):
            add(frame.format(x=concept), "explanations")
    for role in ROLES:
        for frame in rng.sample(ROLE_FRAMES, 2):
            add(frame.format(role=role, ask=rng.choice(ROLE_ASKS)), "role play")
    for thing in THINGS:
        for frame in rng.sample(LIST_FRAMES, 2):
            add(frame.format(n=rng.choice([3, 5, 10, 20]), thing=thing), "lists and ideas")
    for passage in PASSAGES:
        for frame in rng.sample(TASK_FRAMES, 3):
            add(frame.format(p=passage), "text tasks")
    for text in CHAT:
        add(text, "chat and questions")
    rng.shuffle(rows)
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="fail if requests.jsonl or assistant_requests.jsonl is stale")
    args = ap.parse_args(argv)
    outputs = {OUT: render(build_rows()), ASSISTANT_OUT: render(build_assistant_rows())}
    if args.check:
        stale = [path for path, data in outputs.items()
                 if not path.is_file() or path.read_text(encoding="utf-8") != data]
        for path in stale:
            print(f"{path} is stale: run {Path(__file__).name}", file=sys.stderr)
        return 1 if stale else 0
    for path, data in outputs.items():
        path.write_text(data, encoding="utf-8")
        print(f"wrote {len(data.splitlines())} rows to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
